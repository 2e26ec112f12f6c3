using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>What to do with a queue's next pull.</summary>
internal enum PullDecision
{
    /// <summary>Not now, and nothing to schedule: stopping, dropped, a pull in flight or no start offset yet.</summary>
    Skip,
    Send,
    /// <summary>The cache is full: look again after pullTimeDelayMillsWhenFlowControl.</summary>
    FlowControl,
    /// <summary>No broker lock (orderly) or no channel to the broker: look again after pullTimeDelayMillsWhenException.</summary>
    NotReady,
}

/// <summary>
/// RocketMQ's PullMessageService and PullCallback: whether a queue may be pulled now (flow
/// control, orderly lock) and what a successful pull answer does to its <see cref="ProcessQueue"/>
/// (cache the new messages, move the pull position, hand them to the consume service).
/// </summary>
internal sealed class PullMessageService
{
    private readonly string _group;
    private readonly PushConsumerSettings _settings;
    private readonly bool _needsLock;
    private readonly IConsumeMessageService _consume;
    private readonly IOffsetStore _offsets;
    private readonly long _suspendMillis;

    public PullMessageService(string group, PushConsumerSettings settings, bool needsLock, IConsumeMessageService consume, IOffsetStore offsets)
    {
        _group = group;
        _settings = settings;
        _needsLock = needsLock;
        _consume = consume;
        _offsets = offsets;
        _suspendMillis = (long)settings.BrokerSuspendMaxTime.TotalMilliseconds;
    }

    /// <summary>How often a pull waited because the listener was behind.</summary>
    public long FlowControlTimes { get; private set; }

    /// <summary>How long to wait for a pull's answer: the broker holds it up to brokerSuspendMaxTime.</summary>
    public TimeSpan PullTimeout(TimeSpan requestTimeout) => _settings.BrokerSuspendMaxTime + requestTimeout;

    public PullDecision Decide(ProcessQueue pq, bool stopping, bool hasChannel)
    {
        if (stopping || pq.Dropped || pq.PullInFlight || pq.NextOffset < 0) return PullDecision.Skip;
        if (pq.IsFlowControlled(_settings.PullThresholdForQueue, _settings.PullThresholdSizeForQueue))
        {
            FlowControlTimes++;
            return PullDecision.FlowControl;
        }
        return (_needsLock && !pq.Locked) || !hasChannel ? PullDecision.NotReady : PullDecision.Send;
    }

    public TimeSpan DelayFor(PullDecision decision) =>
        decision == PullDecision.FlowControl ? _settings.PullTimeDelayWhenFlowControl : _settings.PullTimeDelayWhenException;

    /// <summary>A long-polling pull from the queue's next offset.</summary>
    public PullMessage Request(ProcessQueue pq) =>
        new(pq.Mq.BrokerName, _group, pq.Mq.Topic, pq.Mq.QueueId, pq.NextOffset, _settings.PullBatchSize, pq.SubExpression, _suspendMillis);

    /// <summary>A successful pull answer (Code == Success) of the queue's current pull.</summary>
    public void ProcessPullResult(ProcessQueue pq, PullResult r)
    {
        switch (r.Status)
        {
            case PullStatus.Found:
                var fresh = new List<MessageExt>(r.Messages.Count);
                foreach (var msg in r.Messages)
                    if (pq.PutMessage(msg)) fresh.Add(msg);
                pq.NextOffset = Math.Max(pq.NextOffset, r.NextBeginOffset);
                _consume.SubmitConsumeRequest(pq, fresh);
                break;
            case PullStatus.NoNewMsg:
            case PullStatus.NoMatchedMsg:
            case PullStatus.OffsetIllegal:
                // Filtered-out or missing offsets need no consuming: the committed offset may move past them.
                // OffsetIllegal below the min (retention deleted them) answers with the min: go on from there, as RocketMQ does.
                pq.NextOffset = r.NextBeginOffset;
                if (pq.CachedCount == 0) _offsets.UpdateOffset(pq);
                break;
        }
    }
}
