using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Consumer;

/// <summary>RocketMQ's MessageModel: a group shares its queues (clustering) or every member reads everything (broadcasting).</summary>
public enum MessageModel
{
    Clustering = 0,
    Broadcasting = 1,
}

/// <summary>One topic a consumer subscribes to with its tag expression.</summary>
public sealed record SubscriptionData(string Topic, string SubExpression);

public static class ConsumerEntityIds
{
    /// <summary>Entity of the broker region that tracks one consumer group's members and queue locks.</summary>
    public static string ConsumerGroup(string brokerName, string group) => $"g:{brokerName}:{group}";

    /// <summary>Entity of the broker region that holds the broker group's delayed messages until they are due.</summary>
    public static string Schedule(string brokerName) => $"s:{brokerName}";
}

/// <summary>
/// A push consumer's heartbeat to each broker group of its topics. The sender is the consumer
/// actor: the broker watches it, so a stopped or crashed client leaves the group without waiting
/// for heartbeats to expire.
/// </summary>
public sealed record ConsumerHeartbeat(string BrokerName, string ConsumerGroup, string ClientId, MessageModel MessageModel,
    IReadOnlyList<SubscriptionData> Subscriptions) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ConsumerHeartbeatReply(BrokerName, ConsumerGroup, ClientId, code, error);

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

public sealed record ConsumerHeartbeatReply(string BrokerName, string ConsumerGroup, string ClientId, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>A consumer leaving its group on shutdown (RocketMQ's UNREGISTER_CLIENT).</summary>
public sealed record UnregisterConsumer(string BrokerName, string ConsumerGroup, string ClientId) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        null;

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

/// <summary>The live members of a group (RocketMQ's GET_CONSUMER_LIST_BY_GROUP).</summary>
public sealed record GetConsumerList(string BrokerName, string ConsumerGroup) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ConsumerList(ConsumerGroup, Array.Empty<string>(), code, error);

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

/// <summary>Client ids sorted ordinally, so every member allocates from the same list.</summary>
public sealed record ConsumerList(string ConsumerGroup, IReadOnlyList<string> ClientIds, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>Broker to every member when one joins or leaves (NOTIFY_CONSUMER_IDS_CHANGED): rebalance now.</summary>
public sealed record ConsumerIdsChanged(string BrokerName, string ConsumerGroup) : IAkkaMqMessage;

/// <summary>
/// An orderly consumer locks the queues it owns (RocketMQ's LOCK_BATCH_MQ). A lock held by another
/// live client is refused until it expires; the reply lists the queues now locked by ClientId.
/// </summary>
public sealed record LockBatchMQ(string BrokerName, string ConsumerGroup, string ClientId, IReadOnlyList<MessageQueue> Queues) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new LockBatchMQReply(ConsumerGroup, ClientId, Array.Empty<MessageQueue>(), code, error);

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

public sealed record LockBatchMQReply(string ConsumerGroup, string ClientId, IReadOnlyList<MessageQueue> LockOKMQSet, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>Releases queue locks of ClientId (UNLOCK_BATCH_MQ); locks held by others are left alone.</summary>
public sealed record UnlockBatchMQ(string BrokerName, string ConsumerGroup, string ClientId, IReadOnlyList<MessageQueue> Queues) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        null;

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

/// <summary>Message properties of retries and delays, named as in RocketMQ's MessageConst.</summary>
public static class MessageConst
{
    /// <summary>Delay level 1..18 (of messageDelayLevel): delivered that long after it was stored.</summary>
    public const string DelayTimeLevel = "DELAY";
    /// <summary>Absolute delivery time in Unix milliseconds (RocketMQ 5's timer messages).</summary>
    public const string TimerDeliverMs = "TIMER_DELIVER_MS";
    /// <summary>The id a RocketMQ client assigned (gRPC sends keep it here); indexed with the keys, so queryMsgById finds it.</summary>
    public const string UniqKey = "UNIQ_KEY";
    /// <summary>On a retried message: the topic it was first sent to.</summary>
    public const string RetryTopic = "RETRY_TOPIC";
    /// <summary>On a retried message: the id of the original message.</summary>
    public const string OriginMessageId = "ORIGIN_MESSAGE_ID";
    /// <summary>On a retried message: how many times it was handed back (1 on the first retry).</summary>
    public const string ReconsumeTime = "RECONSUME_TIME";

    public const string RetryGroupTopicPrefix = "%RETRY%";
    public const string DlqGroupTopicPrefix = "%DLQ%";

    public static string GetRetryTopic(string group) => RetryGroupTopicPrefix + group;
    public static string GetDlqTopic(string group) => DlqGroupTopicPrefix + group;

    public static int ReconsumeTimes(MessageExt m) =>
        m.Properties.TryGetValue(ReconsumeTime, out var s) && int.TryParse(s, out var n) && n >= 0 ? n : 0;
}

/// <summary>
/// A consumer hands back a message its listener failed (RocketMQ's CONSUMER_SEND_MSG_BACK). The
/// broker stores it in %RETRY%group with delay level DelayLevel (0: 3 + reconsume times), or in
/// %DLQ%group once it was reconsumed MaxReconsumeTimes times (or DelayLevel is negative). The
/// reply is a SendAcks with CorrelationId, as for a send.
/// </summary>
public sealed record ConsumerSendMsgBack(string BrokerName, string ConsumerGroup, long CorrelationId, MessageExt Msg, int DelayLevel,
    int MaxReconsumeTimes) : IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new SendAcks(broker.BrokerName, new[] { new SendAck(CorrelationId, code, error, SendStatus.SendOk, 0, -1) });
}

/// <summary>A message stored with a delivery time; the broker's schedule re-stores it into Topic:QueueId then.</summary>
public sealed record ScheduledEntry(long DeliverAt, SendEntry Entry);

/// <summary>The gateway's delayed part of a send batch (or a retry); the sender gets the SendAcks once it is durable.</summary>
public sealed record ScheduleMessages(string BrokerName, IReadOnlyList<ScheduledEntry> Entries) : IBrokerShardCommand
{
    public string EntityId => ConsumerEntityIds.Schedule(BrokerName);
}
