using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Admin;

// Admin queries and commands (mqadmin's), answered by the route table, the broker gateway or a
// shard entity. The CLI and the node's HTTP API reach them through AkkaMqAdmin in AkkaMq.Client.

/// <summary>Every topic the NameServer knows (RocketMQ's GET_ALL_TOPIC_LIST_FROM_NAMESERVER).</summary>
public sealed class GetAllTopicList : IAkkaMqMessage
{
    public static readonly GetAllTopicList Instance = new();
    private GetAllTopicList() { }
}

/// <summary>A topic and the broker groups whose serving node has it.</summary>
public sealed record TopicListEntry(string Topic, IReadOnlyList<string> BrokerNames);

public sealed record TopicList(IReadOnlyList<TopicListEntry> Topics) : IAkkaMqMessage;

/// <summary>Removes a topic's config from one broker group (mqadmin deleteTopic, broker side).</summary>
public sealed record DeleteTopicInBroker(string BrokerName, string Topic) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new DeleteTopicReply(Topic, code, error, Array.Empty<string>());

    public string EntityId => EntityIds.TopicConfigs(BrokerName);
}

/// <summary>Removes a topic from every registration in the route table (mqadmin deleteTopic, NameServer side).</summary>
public sealed record DeleteTopicInNameServer(string Topic) : IAkkaMqMessage;

/// <summary>Brokers lists the broker groups (or "namesrv") that dropped the topic.</summary>
public sealed record DeleteTopicReply(string Topic, ResponseCode Code, string? Error, IReadOnlyList<string> Brokers) : IAkkaMqMessage;

/// <summary>Runtime figures of the broker node that receives it (mqadmin brokerStatus); answered by its gateway.</summary>
public sealed record GetBrokerRuntimeInfo(string BrokerName) : IBrokerRequest
{
    /// <summary>No figures; BootTimestamp 0 (a failed answer is read for its Code and Error only).</summary>
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new BrokerRuntimeInfo(broker, 0, 0, 0, 0, 0, 0, new Dictionary<string, string>(), code, error);
}

public sealed record BrokerRuntimeInfo(
    BrokerIdentity Broker,
    long BootTimestamp,
    long MsgPutTotal,
    long MsgGetTotal,
    double PutTps,
    double GetTps,
    int TopicCount,
    IReadOnlyDictionary<string, string> Extra,
    ResponseCode Code,
    string? Error) : IAkkaMqMessage;

/// <summary>All committed offsets of a consumer group on a topic of a broker group, in one answer.</summary>
public sealed record GetConsumerOffsets(string BrokerName, string ConsumerGroup, string Topic) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ConsumerOffsets(ConsumerGroup, Topic, new Dictionary<int, long>(), -1, code, error);

    public string EntityId => EntityIds.ConsumerOffsets(BrokerName, ConsumerGroup, Topic);
}

/// <summary>Offsets is empty when the group never committed on the topic; LastCommitTimestamp -1 then.</summary>
public sealed record ConsumerOffsets(string ConsumerGroup, string Topic, IReadOnlyDictionary<int, long> Offsets, long LastCommitTimestamp,
    ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>Offsets of the messages of one queue carrying Key (the broker's key index), newest last, at most MaxNum.</summary>
public sealed record QueryMessageKey(string BrokerName, string Topic, int QueueId, string Key, int MaxNum) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new MessageKeyOffsets(Topic, QueueId, Key, Array.Empty<long>(), code, error);

    public string EntityId => EntityIds.Queue(BrokerName, Topic, QueueId);
}

public sealed record MessageKeyOffsets(string Topic, int QueueId, string Key, IReadOnlyList<long> Offsets, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>What one broker group's ConsumerGroupManager knows of a group's members (mqadmin consumerConnection).</summary>
public sealed record GetConsumerConnection(string BrokerName, string ConsumerGroup) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ConsumerConnectionInfo(BrokerName, ConsumerGroup, Array.Empty<ConsumerConnectionEntry>(), code, error);

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

/// <summary>
/// One live member: Address is the host:port its heartbeats came from (null for a consumer inside
/// the broker node's own actor system); LastHeartbeat in Unix ms.
/// </summary>
public sealed record ConsumerConnectionEntry(string ClientId, string? Address, MessageModel MessageModel, IReadOnlyList<SubscriptionData> Subscriptions,
    long LastHeartbeat)
{
    /// <summary>Language and version of a client that told them (gRPC clients); null for native consumers.</summary>
    public ClientChannel? Channel { get; init; }

    /// <summary>True for a consumer that takes messages by POP (gRPC): RocketMQ's CONSUME_POP.</summary>
    public bool Pop { get; init; }
}

/// <summary>Connections is empty when the group has no live member on that broker group.</summary>
public sealed record ConsumerConnectionInfo(string BrokerName, string ConsumerGroup, IReadOnlyList<ConsumerConnectionEntry> Connections,
    ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>
/// An admin's offset reset on one broker group (RocketMQ's INVOKE_BROKER_TO_RESET_OFFSET), sent after the new
/// offsets are committed: the group's entity passes them on to every live clustering member subscribed to Topic.
/// </summary>
public sealed record InvokeBrokerToResetOffset(string BrokerName, string ConsumerGroup, string Topic, IReadOnlyDictionary<int, long> Offsets)
    : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ResetOffsetReply(BrokerName, ConsumerGroup, Topic, Array.Empty<string>(), code, error);

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}

/// <summary>The client ids the reset was told to (none when no consumer of the group runs there).</summary>
public sealed record ResetOffsetReply(string BrokerName, string ConsumerGroup, string Topic, IReadOnlyList<string> ClientIds, ResponseCode Code,
    string? Error) : IAkkaMqMessage;

/// <summary>
/// Broker to a running consumer (RocketMQ's RESET_CONSUMER_CLIENT_OFFSET): drop what is cached of these queues
/// and consume them from these offsets, instead of committing its own position over them.
/// </summary>
public sealed record ResetConsumerClientOffset(string BrokerName, string ConsumerGroup, string Topic, IReadOnlyDictionary<int, long> Offsets)
    : IAkkaMqMessage;

public static class AdminNames
{
    /// <summary>Consumer group of admin reads (queryMsgById and friends); its pulls are not counted as deliveries.</summary>
    public const string ToolsConsumerGroup = "TOOLS_CONSUMER";
}
