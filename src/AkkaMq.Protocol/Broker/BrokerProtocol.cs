using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Broker;

/// <summary>
/// A request a broker gateway answers. Its failure reply is shaped here, once per request type,
/// so every place that refuses a request (checks, failover hold, wrong broker) answers alike.
/// </summary>
public interface IBrokerRequest : IAkkaMqMessage
{
    /// <summary>The reply telling the sender the request failed; null when the sender expects none (one-way requests).</summary>
    /// <param name="broker">The broker node that refuses it.</param>
    object? FailureReply(BrokerIdentity broker, ResponseCode code, string error);
}

/// <summary>One message of a send batch. CorrelationId is the producer's own, echoed in the ack.</summary>
public sealed record SendEntry(long CorrelationId, int QueueId, bool Oneway, long BornTimestamp, Message Message)
{
    public SendAck FailedAck(ResponseCode code, string? error) => new(CorrelationId, code, error, SendStatus.SendOk, QueueId, -1);
}

/// <summary>
/// A producer's batch to one broker, possibly spanning topics and queues. Acks come back per
/// queue as <see cref="SendAcks"/> to the sender, as soon as that queue's write is durable.
/// </summary>
public sealed record SendMessages(string BrokerName, IReadOnlyList<SendEntry> Entries) : IBrokerRequest
{
    /// <summary>A failed ack per entry that is not one-way; null when all are one-way.</summary>
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error)
    {
        List<SendAck>? acks = null;
        foreach (var e in Entries)
            if (!e.Oneway) (acks ??= new List<SendAck>(Entries.Count)).Add(e.FailedAck(code, error));
        return acks == null ? null : new SendAcks(broker.BrokerName, acks);
    }
}

public sealed record SendAck(long CorrelationId, ResponseCode Code, string? Error, SendStatus Status, int QueueId, long QueueOffset);

public sealed record SendAcks(string BrokerName, IReadOnlyList<SendAck> Acks) : IAkkaMqMessage;

/// <summary>Commands the broker's sharding region routes to an entity of broker group BrokerName.</summary>
public interface IBrokerShardCommand : IAkkaMqMessage
{
    string BrokerName { get; }
    string EntityId { get; }
}

/// <summary>
/// Entity ids of the broker region. Broker, topic and group names are validated to
/// [A-Za-z0-9%_|-], so ':' cannot occur in them and the ids parse back unambiguously.
/// </summary>
public static class EntityIds
{
    public static string Queue(string brokerName, string topic, int queueId) => $"q:{brokerName}:{topic}:{queueId}";
    public static string ConsumerOffsets(string brokerName, string group, string topic) => $"o:{brokerName}:{group}:{topic}";
    public static string TopicConfigs(string brokerName) => $"t:{brokerName}";
}

/// <summary>The gateway's per-queue slice of a <see cref="SendMessages"/> batch; the sender is the producer.</summary>
public sealed record AppendMessages(string BrokerName, string Topic, int QueueId, IReadOnlyList<SendEntry> Entries) : IBrokerShardCommand
{
    public string EntityId => EntityIds.Queue(BrokerName, Topic, QueueId);
}

/// <summary>
/// Pull up to MaxMsgNums messages from QueueOffset. With SuspendTimeoutMillis > 0 and nothing
/// new, the broker holds the request until a matching message arrives or the time ends.
/// </summary>
public sealed record PullMessage(string BrokerName, string ConsumerGroup, string Topic, int QueueId, long QueueOffset,
    int MaxMsgNums, string SubExpression, long SuspendTimeoutMillis) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        PullResult.Failed(this, code, error);

    public string EntityId => EntityIds.Queue(BrokerName, Topic, QueueId);
}

public sealed record PullResult(PullStatus Status, long NextBeginOffset, long MinOffset, long MaxOffset,
    string Topic, string BrokerName, int QueueId, IReadOnlyList<MessageExt> Messages, ResponseCode Code, string? Error) : IAkkaMqMessage
{
    public static PullResult Failed(PullMessage r, ResponseCode code, string error) =>
        new(PullStatus.OffsetIllegal, r.QueueOffset, -1, -1, r.Topic, r.BrokerName, r.QueueId, Array.Empty<MessageExt>(), code, error);
}

public enum QueueOffsetKind { Min = 0, Max = 1, ByTimestamp = 2 }

/// <summary>Queue bounds, or the first offset stored at or after Timestamp (RocketMQ's searchOffset).</summary>
public sealed record QueryQueueOffset(string BrokerName, string Topic, int QueueId, QueueOffsetKind Kind, long Timestamp) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new QueueOffsetReply(Topic, QueueId, -1, -1, -1, -1, code, error);

    public string EntityId => EntityIds.Queue(BrokerName, Topic, QueueId);
}

public sealed record QueueOffsetReply(string Topic, int QueueId, long Offset, long MinOffset, long MaxOffset,
    long LastStoreTimestamp, ResponseCode Code, string? Error) : IAkkaMqMessage;

public sealed record CommitConsumerOffsets(string BrokerName, string ConsumerGroup, string Topic, IReadOnlyDictionary<int, long> Offsets) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new CommitConsumerOffsetsReply(ConsumerGroup, Topic, code, error);

    public string EntityId => EntityIds.ConsumerOffsets(BrokerName, ConsumerGroup, Topic);
}

public sealed record CommitConsumerOffsetsReply(string ConsumerGroup, string Topic, ResponseCode Code, string? Error) : IAkkaMqMessage;

public sealed record QueryConsumerOffset(string BrokerName, string ConsumerGroup, string Topic, int QueueId) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ConsumerOffsetReply(ConsumerGroup, Topic, QueueId, -1, code, error);

    public string EntityId => EntityIds.ConsumerOffsets(BrokerName, ConsumerGroup, Topic);
}

/// <summary>Offset -1 with QueryNotFound when the group never committed on that queue.</summary>
public sealed record ConsumerOffsetReply(string ConsumerGroup, string Topic, int QueueId, long Offset, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>Create or change a topic on this broker group (from the NameServer or an admin tool).</summary>
public sealed record UpdateTopicConfig(string BrokerName, TopicConfig Config) : IBrokerShardCommand, IBrokerRequest
{
    /// <summary>Sent by a producer's first send to an unknown topic (the NameServer's auto-create): refused past autoCreateQueueLimit.</summary>
    public bool AutoCreate { get; init; }

    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new UpdateTopicConfigReply(BrokerName, Config.TopicName, null, code, error);

    public string EntityId => EntityIds.TopicConfigs(BrokerName);
}

public sealed record UpdateTopicConfigReply(string BrokerName, string Topic, TopicConfig? Config, ResponseCode Code, string? Error) : IAkkaMqMessage;

public sealed record GetTopicConfigs(string BrokerName) : IBrokerShardCommand
{
    public string EntityId => EntityIds.TopicConfigs(BrokerName);
}

public sealed record TopicConfigs(string BrokerName, IReadOnlyList<TopicConfig> Configs) : IAkkaMqMessage;

/// <summary>Asks a broker gateway where its data channel listens (sends and pulls over plain TCP).</summary>
public sealed record GetDataChannel(string BrokerName) : IBrokerRequest
{
    /// <summary>Port 0: no data channel, the client stays on Akka.Remote.</summary>
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) => new DataChannelAddress(broker.BrokerName, "", 0);
}

/// <summary>The gateway's data channel; Port 0 when the node runs without one (clients stay on Akka.Remote).</summary>
public sealed record DataChannelAddress(string BrokerName, string Host, int Port) : IAkkaMqMessage;
