using AkkaMq.Protocol.Broker;

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
}

/// <summary>
/// A push consumer's heartbeat to each broker group of its topics. The sender is the consumer
/// actor: the broker watches it, so a stopped or crashed client leaves the group without waiting
/// for heartbeats to expire.
/// </summary>
public sealed record ConsumerHeartbeat(string BrokerName, string ConsumerGroup, string ClientId, MessageModel MessageModel,
    IReadOnlyList<SubscriptionData> Subscriptions) : IBrokerShardCommand
{
    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

public sealed record ConsumerHeartbeatReply(string BrokerName, string ConsumerGroup, string ClientId, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>A consumer leaving its group on shutdown (RocketMQ's UNREGISTER_CLIENT).</summary>
public sealed record UnregisterConsumer(string BrokerName, string ConsumerGroup, string ClientId) : IBrokerShardCommand
{
    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

/// <summary>The live members of a group (RocketMQ's GET_CONSUMER_LIST_BY_GROUP).</summary>
public sealed record GetConsumerList(string BrokerName, string ConsumerGroup) : IBrokerShardCommand
{
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
public sealed record LockBatchMQ(string BrokerName, string ConsumerGroup, string ClientId, IReadOnlyList<MessageQueue> Queues) : IBrokerShardCommand
{
    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

public sealed record LockBatchMQReply(string ConsumerGroup, string ClientId, IReadOnlyList<MessageQueue> LockOKMQSet, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>Releases queue locks of ClientId (UNLOCK_BATCH_MQ); locks held by others are left alone.</summary>
public sealed record UnlockBatchMQ(string BrokerName, string ConsumerGroup, string ClientId, IReadOnlyList<MessageQueue> Queues) : IBrokerShardCommand
{
    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}
