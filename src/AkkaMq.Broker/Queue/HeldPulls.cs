using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// Pulls at the end of a queue waiting for new messages (long polling, RocketMQ's
/// PullRequestHoldService). Each held pull is answered exactly once: when a message matching its
/// filter is committed, when it expires (NO_NEW_MSG, or NO_MATCHED_MSG with the offset moved past
/// what it scanned), or when the queue stops. A held pull's offset only moves forward, and never
/// past the committed offset.
/// </summary>
public sealed class HeldPulls
{
    /// <summary>The queue log's timer message: held pull Id timed out.</summary>
    public sealed record Expired(long Id) : INoSerializationVerificationNeeded;

    private sealed class HeldPull
    {
        public required PullMessage Request;
        public required SubscriptionExpression Filter;
        public required IActorRef ReplyTo;
        public long Offset;
        public long Id;
    }

    private readonly List<HeldPull> _held = new();
    private readonly int _maxHeld;
    private readonly TimeSpan _maxSuspend;
    private readonly string _topic;
    private readonly string _brokerName;
    private readonly int _queueId;
    private long _nextId;

    public HeldPulls(int maxHeld, TimeSpan maxSuspend, string topic, string brokerName, int queueId)
    {
        _maxHeld = maxHeld;
        _maxSuspend = maxSuspend;
        _topic = topic;
        _brokerName = brokerName;
        _queueId = queueId;
    }

    public int Count => _held.Count;

    /// <summary>Whether one more pull may be held; beyond the limit pulls are answered at once.</summary>
    public bool HasRoom => _held.Count < _maxHeld;

    /// <summary>Holds the pull at its offset; returns its id and how long to hold it (its suspend time, capped).</summary>
    public long Hold(PullMessage request, SubscriptionExpression filter, IActorRef replyTo, out TimeSpan suspend)
    {
        suspend = TimeSpan.FromMilliseconds(Math.Min(request.SuspendTimeoutMillis, _maxSuspend.TotalMilliseconds));
        var held = new HeldPull { Request = request, Filter = filter, ReplyTo = replyTo, Offset = request.QueueOffset, Id = ++_nextId };
        _held.Add(held);
        return held.Id;
    }

    /// <summary>
    /// New messages were committed: answers every held pull that finds a match in the tail, hands
    /// those whose offset fell out of the tail to the journal, and keeps the rest, remembering how
    /// far they scanned.
    /// </summary>
    public void Wake(MessageTail tail, long minOffset, long committedOffset, IPullHost host)
    {
        for (var i = _held.Count - 1; i >= 0; i--)
        {
            var h = _held[i];
            if (h.Offset >= committedOffset) continue;
            var start = tail.IndexOf(h.Offset);
            if (start < 0)
            {
                // Fell out of the tail already (a huge batch): let the journal serve it.
                _held.RemoveAt(i);
                host.CancelExpiry(h.Id);
                host.Serve(h.Request, h.Filter, h.Offset, h.ReplyTo);
                continue;
            }
            var c = host.Collect(h.Request, h.Filter, h.Offset);
            c.OfferTail(tail, start);
            if (c.FoundCount == 0)
            {
                // Nothing matched the filter: keep holding, but remember how far was scanned.
                h.Offset = c.NextOffset;
                continue;
            }
            _held.RemoveAt(i);
            host.CancelExpiry(h.Id);
            var result = c.Result(minOffset, committedOffset);
            h.ReplyTo.Tell(result);
        }
    }

    /// <summary>Held pull id timed out: answers it with nothing found; false if it was answered already.</summary>
    public bool Expire(long id, long minOffset, long maxOffset)
    {
        var i = 0;
        while (i < _held.Count && _held[i].Id != id) i++;
        if (i == _held.Count) return false;
        var h = _held[i];
        _held.RemoveAt(i);
        // Report how far non-matching messages moved the offset (NO_MATCHED_MSG) or NO_NEW_MSG.
        var status = h.Offset > h.Request.QueueOffset ? PullStatus.NoMatchedMsg : PullStatus.NoNewMsg;
        h.ReplyTo.Tell(new PullResult(status, h.Offset, minOffset, maxOffset, _topic, _brokerName, _queueId,
            Array.Empty<MessageExt>(), ResponseCode.Success, null));
        return true;
    }

    /// <summary>The queue stops: answers every held pull with what it holds now.</summary>
    public void ReleaseAll(long minOffset, long committedOffset, IPullHost host)
    {
        foreach (var h in _held) h.ReplyTo.Tell(host.Collect(h.Request, h.Filter, h.Offset).Result(minOffset, committedOffset));
        _held.Clear();
    }
}
