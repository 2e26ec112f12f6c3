using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Consumer;

/// <summary>A QueryOffset as the broker's queue-offset query, or the status refusing it.</summary>
public readonly record struct PlannedOffsetQuery(QueryQueueOffset? Query, V2.Status? Refusal);

/// <summary>
/// The pull consumer's offset RPCs over the broker's own offsets (RocketMQ's PullMessageActivity): QueryOffset's policy
/// BEGINNING is the queue's min offset, END its max (the next offset to be written), TIMESTAMP the first offset stored
/// at or after the time; GetOffset and UpdateOffset read and commit the group's consumer offset, in the store native
/// consumers commit to, so either kind of consumer goes on where the other stopped.
/// </summary>
public static class OffsetRequestPlan
{
    public static PlannedOffsetQuery Query(V2.QueryOffsetRequest r, string brokerName)
    {
        if (QueueRequestCheck.Check("QueryOffset", null, r.MessageQueue, brokerName, needsGroup: false) is { } refusal)
            return new PlannedOffsetQuery(null, refusal);
        var topic = r.MessageQueue.Topic.Name;
        var queueId = r.MessageQueue.Id;
        switch (r.QueryOffsetPolicy)
        {
            case V2.QueryOffsetPolicy.Beginning:
                return new PlannedOffsetQuery(new QueryQueueOffset(brokerName, topic, queueId, QueueOffsetKind.Min, 0), null);
            case V2.QueryOffsetPolicy.End:
                return new PlannedOffsetQuery(new QueryQueueOffset(brokerName, topic, queueId, QueueOffsetKind.Max, 0), null);
            case V2.QueryOffsetPolicy.Timestamp:
                if (r.Timestamp == null) return Refuse(V2.Code.BadRequest, "QueryOffset: policy TIMESTAMP needs a timestamp");
                var millis = r.Timestamp.Seconds * 1000 + r.Timestamp.Nanos / 1_000_000;
                if (millis < 0) return Refuse(V2.Code.BadRequest, $"QueryOffset: timestamp {millis} ms is before 1970");
                return new PlannedOffsetQuery(new QueryQueueOffset(brokerName, topic, queueId, QueueOffsetKind.ByTimestamp, millis), null);
            default:
                return Refuse(V2.Code.BadRequest, $"QueryOffset: query_offset_policy {(int)r.QueryOffsetPolicy} is not BEGINNING, END or TIMESTAMP");
        }
    }

    /// <summary>The offset a queue-offset reply answers, or the broker's refusal.</summary>
    public static (long Offset, V2.Status Status) Answer(QueueOffsetReply reply) =>
        reply.Code == ResponseCode.Success ? (reply.Offset, ProxyStatus.Ok()) : (0, ProxyStatus.FromBroker(reply.Code, reply.Error));

    /// <summary>The group's committed offset; OFFSET_NOT_FOUND when it never committed on the queue.</summary>
    public static (long Offset, V2.Status Status) Answer(ConsumerOffsetReply reply) => reply.Code switch
    {
        ResponseCode.Success => (reply.Offset, ProxyStatus.Ok()),
        ResponseCode.QueryNotFound => (0, ProxyStatus.Of(V2.Code.OffsetNotFound, reply.Error
            ?? $"consumer group '{reply.ConsumerGroup}' has no committed offset on {reply.Topic}:{reply.QueueId}")),
        _ => (0, ProxyStatus.FromBroker(reply.Code, reply.Error)),
    };

    /// <summary>An offset to commit: never negative, never past the queue's max offset (the next to be written).</summary>
    public static V2.Status? CheckCommit(long offset, string topic, int queueId, long maxOffset) =>
        offset < 0 ? ProxyStatus.Of(V2.Code.IllegalOffset, $"UpdateOffset: offset {offset} of queue {topic}:{queueId} is negative")
        : offset > maxOffset ? ProxyStatus.Of(V2.Code.IllegalOffset,
            $"UpdateOffset: offset {offset} is past the max offset {maxOffset} of queue {topic}:{queueId}")
        : null;

    private static PlannedOffsetQuery Refuse(V2.Code code, string message) => new(null, ProxyStatus.Of(code, message));
}
