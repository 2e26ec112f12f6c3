using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Consumer;

/// <summary>
/// Bounds of POP consumption (RocketMQ 5's receive / ack / change-invisible-time model), checked by
/// the broker gateway before a request reaches a queue.
/// </summary>
public static class PopLimits
{
    /// <summary>Apache's proxy refuses invisible times outside 10 s..12 h (ILLEGAL_INVISIBLE_TIME).</summary>
    public const long MinInvisibleMillis = 10_000;
    public const long MaxInvisibleMillis = 12 * 3600_000;
    /// <summary>RocketMQ's max batch of one receive.</summary>
    public const int MaxBatch = 32;
    /// <summary>The longest a receive is held waiting for a message; the proxy clamps polling to 20 s below this.</summary>
    public const long MaxPollMillis = 60_000;
    /// <summary>16 retries after the first delivery, as RocketMQ's retryMaxTimes default.</summary>
    public const int DefaultMaxDeliveryAttempts = 17;
    public const int MaxAttemptIdLength = 128;
    /// <summary>QueueId of a receive that takes from any queue of the topic on this broker group.</summary>
    public const int AnyQueue = -1;
}

public static class PopEntityIds
{
    /// <summary>Entity of the broker region holding one POP consumer group's progress on one queue.</summary>
    public static string Queue(string brokerName, string group, string topic, int queueId) => $"p:{brokerName}:{group}:{topic}:{queueId}";
}

/// <summary>
/// RocketMQ 5's POP_MESSAGE: up to MaxMessages of Topic (queue QueueId, or any queue with
/// <see cref="PopLimits.AnyQueue"/>) matching FilterExpression, each invisible to the group for
/// InvisibleMillis after it is handed out. With PollMillis &gt; 0 and nothing to hand out, the broker
/// waits up to that long and then answers empty. A Fifo group gets nothing more of a queue while a
/// batch of it is in flight; a retry with the same AttemptId gets the same batch. A message handed
/// out MaxDeliveryAttempts times and not acked goes to %DLQ%group.
/// </summary>
public sealed record PopMessage(string BrokerName, string ConsumerGroup, string Topic, int QueueId, int MaxMessages, string FilterExpression,
    long InvisibleMillis, long PollMillis, bool Fifo, string? AttemptId, int MaxDeliveryAttempts) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new PopResult(BrokerName, ConsumerGroup, Topic, Array.Empty<PoppedMessage>(), code, error);

    public string EntityId => PopEntityIds.Queue(BrokerName, ConsumerGroup, Topic, QueueId);
}

/// <summary>One message handed out: its receipt handle acks it; DeliveryAttempt counts from 1.</summary>
public sealed record PoppedMessage(MessageExt Message, string ReceiptHandle, int DeliveryAttempt, long InvisibleUntil);

/// <summary>Success with no messages: nothing was found in the polling time (v2's MESSAGE_NOT_FOUND).</summary>
public sealed record PopResult(string BrokerName, string ConsumerGroup, string Topic, IReadOnlyList<PoppedMessage> Messages,
    ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>RocketMQ's ACK_MESSAGE: the message of ReceiptHandle is consumed by the group, for good.</summary>
public sealed record AckMessage(string BrokerName, string ConsumerGroup, string Topic, string ReceiptHandle) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) => new AckResult(ReceiptHandle, code, error);

    public string EntityId => PopHandleRoute.EntityId(BrokerName, ConsumerGroup, Topic, ReceiptHandle);
}

public sealed record AckResult(string ReceiptHandle, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>RocketMQ's CHANGE_INVISIBLETIME: the message stays invisible InvisibleMillis from now, under a new handle that replaces ReceiptHandle.</summary>
public sealed record ChangeInvisibleTime(string BrokerName, string ConsumerGroup, string Topic, string ReceiptHandle, long InvisibleMillis)
    : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ChangeInvisibleTimeResult(ReceiptHandle, null, -1, code, error);

    public string EntityId => PopHandleRoute.EntityId(BrokerName, ConsumerGroup, Topic, ReceiptHandle);
}

/// <summary>NewReceiptHandle replaces ReceiptHandle, which no longer works.</summary>
public sealed record ChangeInvisibleTimeResult(string ReceiptHandle, string? NewReceiptHandle, long InvisibleUntil, ResponseCode Code, string? Error)
    : IAkkaMqMessage;

/// <summary>v2's ForwardMessageToDeadLetterQueue: the message of ReceiptHandle goes to %DLQ%group now and is done for the group.</summary>
public sealed record ForwardToDeadLetterQueue(string BrokerName, string ConsumerGroup, string Topic, string ReceiptHandle)
    : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) => new ForwardToDeadLetterQueueResult(ReceiptHandle, code, error);

    public string EntityId => PopHandleRoute.EntityId(BrokerName, ConsumerGroup, Topic, ReceiptHandle);
}

public sealed record ForwardToDeadLetterQueueResult(string ReceiptHandle, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>The queue entity a receipt handle belongs to; the gateway checks the handle before routing.</summary>
internal static class PopHandleRoute
{
    public static string EntityId(string brokerName, string group, string topic, string handle) =>
        PopEntityIds.Queue(brokerName, group, topic, ReceiptHandle.TryParse(handle, out var h, out _) ? h.QueueId : PopLimits.AnyQueue);
}
