using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// The checks a pull passes before a queue log serves or holds it (RocketMQ's PullMessageProcessor):
/// a filter that parses, maxMsgNums of at least one, and an offset inside the queue's bounds. An
/// offset below the min (retention deleted it) answers OFFSET_ILLEGAL with the min, so the consumer goes on from there.
/// </summary>
public static class PullRequestCheck
{
    /// <summary>
    /// The reply for a pull that cannot be served, or null (with its parsed filter) for one that can;
    /// minOffset..maxOffset are the queue's bounds, maxOffset itself being a valid offset to hold at.
    /// </summary>
    public static PullResult? Reject(PullMessage m, string topic, string brokerName, int queueId, long minOffset, long maxOffset,
        out SubscriptionExpression filter)
    {
        if (!SubscriptionExpression.TryParse(m.SubExpression, out filter, out var filterError))
            return PullResult.Failed(m, ResponseCode.SubscriptionParseFailed, filterError!);
        if (m.MaxMsgNums < 1)
            return PullResult.Failed(m, ResponseCode.MessageIllegal, $"maxMsgNums must be at least 1, not {m.MaxMsgNums}");
        if (m.QueueOffset >= minOffset && m.QueueOffset <= maxOffset) return null;
        var tooSmall = m.QueueOffset < minOffset;
        return new PullResult(PullStatus.OffsetIllegal, tooSmall ? minOffset : maxOffset, minOffset, maxOffset,
            topic, brokerName, queueId, Array.Empty<MessageExt>(), ResponseCode.Success,
            $"offset {m.QueueOffset} is too {(tooSmall ? "small" : "big")}: queue {topic}:{queueId} holds offsets {minOffset}..{maxOffset - 1}"
            + (tooSmall && minOffset > 0 ? $" (older messages expired; go on from {minOffset})" : ""));
    }
}
