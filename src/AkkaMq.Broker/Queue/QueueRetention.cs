using Akka.Actor;
using AkkaMq.Broker.Retention;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// A queue log's side of retention, one step at a time (<see cref="RetentionPolicy"/> picks the
/// step). A step moves the min offset at once: the sparse index, tail, key index and read-ahead
/// forget what lies below it, and pulls below it are refused from then on. The queue log then saves
/// a snapshot holding the new min, and only once it is saved are the journal events deleted, so a
/// restart at any point recovers with the new min. The requester is answered once the rows are gone.
/// A request with a byte limit (retention.bytes) cuts at whichever of the two rules reaches further.
/// </summary>
public sealed class QueueRetention
{
    private readonly string _topic;
    private readonly int _queueId;
    private readonly int _batchEvents;
    private readonly SparseOffsetIndex _index;
    private readonly MessageTail _tail;
    private readonly MessageKeyIndex _keys;
    private readonly ReadAheadCache _ahead;
    private readonly QueueBytes _bytes;
    private IActorRef? _requester;
    private RetentionCut _cut;
    private long _deletedMessages;
    private long _snapshotAt = -1; // the step's snapshot (its sequence number) while awaited
    private long _journalDeletedTo;

    public QueueRetention(string topic, int queueId, int batchEvents, SparseOffsetIndex index, MessageTail tail, MessageKeyIndex keys,
        ReadAheadCache ahead, QueueBytes bytes)
    {
        _bytes = bytes;
        _topic = topic;
        _queueId = queueId;
        _batchEvents = batchEvents;
        _index = index;
        _tail = tail;
        _keys = keys;
        _ahead = ahead;
    }

    /// <summary>A step is under way (its snapshot or its delete is awaited).</summary>
    public bool InStep => _requester != null;

    /// <summary>
    /// Starts a step for the request: returns the new min offset (the caller saves a snapshot at
    /// lastSeqNr, then <see cref="SnapshotSaved"/>), or null when there is nothing to do (answered here).
    /// </summary>
    public long? Begin(CleanExpiredMessages m, IActorRef requester, long minOffset, long committedOffset, long lastStoreTimestamp, long lastSeqNr)
    {
        var cut = InStep ? null : RetentionPolicy.Plan(_index.Entries, minOffset, committedOffset, lastStoreTimestamp, lastSeqNr,
            _journalDeletedTo, m.CutoffTimestamp, _batchEvents);
        if (!InStep && m.RetentionBytes is { } limit
            && RetentionPolicy.PlanBytes(_index.Entries, minOffset, committedOffset, lastSeqNr, _bytes.Stored, limit, _batchEvents) is { } bySize
            && (cut == null || bySize.ToSeqNr > cut.Value.ToSeqNr))
            cut = bySize;
        if (cut is not { } c)
        {
            requester.Tell(Reply(0, false, InStep ? "a retention step of this queue is under way" : null, minOffset, committedOffset, lastStoreTimestamp));
            return null;
        }
        if (c.NewMinOffset > minOffset)
        {
            _index.DropBefore(c.NewMinOffset);
            _tail.DropBefore(c.NewMinOffset);
            _keys.DropBefore(c.NewMinOffset);
            _ahead.DropBefore(c.NewMinOffset);
            _bytes.Dropped(minOffset, c.NewMinOffset, committedOffset);
        }
        _requester = requester;
        _cut = c;
        _deletedMessages = c.NewMinOffset - minOffset;
        _snapshotAt = lastSeqNr;
        return c.NewMinOffset;
    }

    /// <summary>A snapshot at seqNr was saved: the sequence number to delete up to when it holds the step's min, else null.</summary>
    public long? SnapshotSaved(long seqNr)
    {
        if (_snapshotAt < 0 || seqNr < _snapshotAt) return null;
        _snapshotAt = -1;
        return _cut.ToSeqNr;
    }

    /// <summary>The step's snapshot failed: the step ends without deleting (the min stays moved; a later step deletes the rows).</summary>
    public void SnapshotFailed(string error, long minOffset, long committedOffset, long lastStoreTimestamp)
    {
        if (_snapshotAt < 0) return;
        _snapshotAt = -1;
        End(error, minOffset, committedOffset, lastStoreTimestamp);
    }

    /// <summary>The journal answered the step's delete (error null on success).</summary>
    public void Deleted(string? error, long minOffset, long committedOffset, long lastStoreTimestamp)
    {
        if (error == null) _journalDeletedTo = Math.Max(_journalDeletedTo, _cut.ToSeqNr);
        End(error, minOffset, committedOffset, lastStoreTimestamp);
    }

    private void End(string? error, long minOffset, long committedOffset, long lastStoreTimestamp)
    {
        var requester = _requester;
        _requester = null;
        requester?.Tell(Reply(_deletedMessages, _cut.More && error == null, error, minOffset, committedOffset, lastStoreTimestamp));
    }

    private ExpiredMessagesCleaned Reply(long deleted, bool more, string? error, long minOffset, long committedOffset, long lastStoreTimestamp) =>
        new(_topic, _queueId, deleted, minOffset, more, RetentionPolicy.NextExpiry(_index.Entries, minOffset, committedOffset, lastStoreTimestamp,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), error);
}
