using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Consumer;

/// <summary>A PullMessage as the broker's pull of one queue, or the status refusing it.</summary>
public readonly record struct PlannedPull(PullMessage? Pull, V2.Status? Refusal);

/// <summary>
/// RocketMQ 5's pull consumer over the broker's native pull: the request's queue, offset, batch and TAG filter become a
/// <see cref="PullMessage"/> held for the polling time (clamped as ReceiveMessage's); the result goes back as a status
/// frame, a frame per message and a next_offset frame (RocketMQ's PullMessageResponseStreamWriter).
/// </summary>
public static class PullRequestPlan
{
    /// <param name="remaining">Time left before the call's deadline; null when the call has none.</param>
    public static PlannedPull Plan(V2.PullMessageRequest r, string brokerName, TimeSpan? remaining)
    {
        if (QueueRequestCheck.Check("PullMessage", r.Group, r.MessageQueue, brokerName) is { } refusal) return new PlannedPull(null, refusal);
        var topic = r.MessageQueue.Topic.Name;
        if (r.Offset < 0)
            return Refuse(V2.Code.IllegalOffset, $"offset {r.Offset} of queue {topic}:{r.MessageQueue.Id} is negative");
        if (r.BatchSize < 1) return Refuse(V2.Code.BadRequest, $"batch_size {r.BatchSize} must be at least 1");
        var filter = r.FilterExpression;
        if (filter != null && filter.Type == V2.FilterType.Sql)
            return Refuse(V2.Code.IllegalFilterExpression, $"SQL filter expressions are not supported by AkkaMq; use a TAG expression (got '{filter.Expression}')");
        var expression = string.IsNullOrWhiteSpace(filter?.Expression) ? "*" : filter!.Expression;
        if (ReceiveRequestPlan.Polling(r.LongPollingTimeout, remaining) is not { } polling)
            return Refuse(V2.Code.IllegalPollingTime, $"long_polling_timeout {r.LongPollingTimeout.ToTimeSpan()} is negative");
        return new PlannedPull(new PullMessage(brokerName, r.Group.Name, topic, r.MessageQueue.Id, r.Offset, r.BatchSize, expression,
            (long)polling.TotalMilliseconds), null);
    }

    /// <summary>
    /// The frames of a pull's answer: OK, the messages and next_offset; MESSAGE_NOT_FOUND and next_offset when nothing new
    /// matched; ILLEGAL_OFFSET naming the queue's bounds and next_offset (where to go on) for an offset outside them; a
    /// refusal of the broker as a single status.
    /// </summary>
    public static List<V2.PullMessageResponse> Frames(PullMessage pull, PullResult result, string storeHost)
    {
        if (result.Code != ResponseCode.Success) return Single(ProxyStatus.FromBroker(result.Code, result.Error));
        V2.Status status;
        if (result.Status == PullStatus.OffsetIllegal)
            status = ProxyStatus.Of(V2.Code.IllegalOffset, result.Error
                ?? $"offset {pull.QueueOffset} is outside {result.MinOffset}..{result.MaxOffset} of queue {pull.Topic}:{pull.QueueId}");
        else if (result.Status == PullStatus.Found && result.Messages.Count > 0) status = ProxyStatus.Ok();
        else
            status = ProxyStatus.Of(V2.Code.MessageNotFound,
                $"no new message matching '{pull.SubExpression}' in queue {pull.Topic}:{pull.QueueId} from offset {pull.QueueOffset}");
        var frames = new List<V2.PullMessageResponse>(result.Messages.Count + 2) { new() { Status = status } };
        if (status.Code == V2.Code.Ok)
            foreach (var m in result.Messages) frames.Add(new V2.PullMessageResponse { Message = ReceivedMessage.ToV2(m, storeHost) });
        frames.Add(new V2.PullMessageResponse { NextOffset = result.NextBeginOffset });
        return frames;
    }

    public static List<V2.PullMessageResponse> Single(V2.Status status) => new() { new V2.PullMessageResponse { Status = status } };

    private static PlannedPull Refuse(V2.Code code, string message) => new(null, ProxyStatus.Of(code, message));
}

/// <summary>The checks every pull-consumer RPC makes of the group and the one queue it names.</summary>
public static class QueueRequestCheck
{
    /// <param name="group">The request's group; null for an RPC that names none (QueryOffset).</param>
    /// <returns>Null when the request may go to the broker, else the status naming the problem.</returns>
    public static V2.Status? Check(string rpc, V2.Resource? group, V2.MessageQueue? mq, string brokerName, bool needsGroup = true)
    {
        if (needsGroup && Validators.CheckGroup(group?.Name ?? "") is { } groupError) return ProxyStatus.Of(V2.Code.IllegalConsumerGroup, groupError);
        if (mq == null) return ProxyStatus.Of(V2.Code.BadRequest, $"{rpc}: the request names no message_queue");
        var topic = mq.Topic?.Name ?? "";
        if (Validators.CheckTopic(topic) is { } topicError) return ProxyStatus.Of(V2.Code.IllegalTopic, topicError);
        if (mq.Id < 0) return ProxyStatus.Of(V2.Code.BadRequest, $"{rpc}: queue id {mq.Id} of topic '{topic}' is negative; name one queue of the route");
        var named = mq.Broker?.Name;
        if (!string.IsNullOrEmpty(named) && named != brokerName)
            return ProxyStatus.Of(V2.Code.BadRequest,
                $"{rpc}: queue {topic}:{mq.Id} is on broker group '{named}', but this endpoint serves '{brokerName}'; call the endpoint the route names");
        return null;
    }
}
