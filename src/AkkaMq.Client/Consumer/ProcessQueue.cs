using AkkaMq.Protocol;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// Client-side state of one owned queue (RocketMQ's ProcessQueue): the messages pulled and not
/// yet consumed, keyed by queue offset. Invariant: an offset is cached at most once, and
/// <see cref="OffsetToCommit"/> never passes a cached (unconsumed) message.
/// </summary>
internal sealed class ProcessQueue
{
    private readonly SortedDictionary<long, MessageExt> _msgs = new();

    public ProcessQueue(MessageQueue mq, string subExpression)
    {
        Mq = mq;
        SubExpression = subExpression;
    }

    public MessageQueue Mq { get; }
    public string SubExpression { get; }

    /// <summary>Next offset to pull; -1 while the start offset is looked up.</summary>
    public long NextOffset = -1;
    public bool Dropped;
    public bool PullInFlight;
    public long PullSeq;
    public bool OffsetRequested;
    // orderly
    public bool Locked;
    public long LockLastTime;
    public bool Consuming;

    /// <summary>
    /// Set when an offset reset replaced this queue (it is <see cref="Dropped"/> then): what it cached, and any
    /// listener call still running on it, count for nothing, and none of it may move or commit an offset.
    /// </summary>
    public ProcessQueue? ResetTo { get; private set; }

    /// <summary>The queue's live state: this one, or the last queue that offset resets put in its place.</summary>
    public ProcessQueue Current
    {
        get
        {
            var pq = this;
            while (pq.ResetTo != null) pq = pq.ResetTo;
            return pq;
        }
    }

    public int CachedCount => _msgs.Count;
    public long CachedBytes { get; private set; }

    /// <summary>The lowest cached offset, or the next offset to pull when nothing is cached.</summary>
    public long OffsetToCommit
    {
        get
        {
            if (_msgs.Count == 0) return NextOffset;
            // Runs once per consumed batch: the dictionary's own enumerator, not LINQ's boxed one.
            var e = _msgs.GetEnumerator();
            e.MoveNext();
            return e.Current.Key;
        }
    }

    /// <summary>Caches a pulled message; false when it is below the pull position or already cached.</summary>
    public bool PutMessage(MessageExt msg)
    {
        // A retried pull may overlap one that answered late: never cache an offset twice.
        if (msg.QueueOffset < NextOffset || !_msgs.TryAdd(msg.QueueOffset, msg)) return false;
        CachedBytes += msg.Body.Length;
        return true;
    }

    /// <summary>Forgets consumed messages (those not cached any more are skipped).</summary>
    public void RemoveMessages(IReadOnlyList<MessageExt> msgs)
    {
        for (var i = 0; i < msgs.Count; i++)
            if (_msgs.Remove(msgs[i].QueueOffset)) CachedBytes -= msgs[i].Body.Length;
    }

    /// <summary>The first <paramref name="max"/> cached messages in offset order; they stay cached until removed.</summary>
    public List<MessageExt> TakeMessages(int max)
    {
        var batch = new List<MessageExt>(Math.Min(max, _msgs.Count));
        foreach (var msg in _msgs.Values)
        {
            if (batch.Count == max) break;
            batch.Add(msg);
        }
        return batch;
    }

    /// <summary>The listener is behind: the cache holds pullThresholdForQueue messages or pullThresholdSizeForQueue bytes.</summary>
    public bool IsFlowControlled(int maxCount, long maxBytes) => _msgs.Count >= maxCount || CachedBytes >= maxBytes;

    /// <summary>Marks a pull as sent and returns its sequence number, which its answer must carry.</summary>
    public long BeginPull()
    {
        PullInFlight = true;
        return ++PullSeq;
    }

    /// <summary>The answer belongs to the pull in flight (not a late one of an earlier pull) and the queue is still owned.</summary>
    public bool IsCurrentPull(long seq) => !Dropped && PullInFlight && PullSeq == seq;

    /// <summary>
    /// RocketMQ's reset: drops this queue and returns the one that replaces it, empty and pulling from
    /// <paramref name="offset"/>. The broker lock stays, and an orderly listener call still running on this
    /// queue keeps the new one waiting (<see cref="Consuming"/>) until it ends.
    /// </summary>
    public ProcessQueue ResetInto(long offset)
    {
        var next = new ProcessQueue(Mq, SubExpression)
        {
            NextOffset = offset,
            OffsetRequested = true,
            Locked = Locked,
            LockLastTime = LockLastTime,
            Consuming = Consuming,
        };
        Dropped = true;
        ResetTo = next;
        return next;
    }

    /// <summary>Records a broker lock grant; returns whether the lock was held already.</summary>
    public bool MarkLocked(long now)
    {
        var wasLocked = Locked;
        Locked = true;
        LockLastTime = now;
        return wasLocked;
    }

    /// <summary>The broker lock is held and was renewed less than lockMaxLiveTime ago.</summary>
    public bool IsLockValid(long now, TimeSpan lockMaxLiveTime) => Locked && now - LockLastTime < lockMaxLiveTime.TotalMilliseconds;
}
