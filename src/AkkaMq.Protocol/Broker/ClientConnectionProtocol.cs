using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Broker;

/// <summary>
/// How a client is connected, as RocketMQ's ClientChannelInfo tells it: the host:port it calls from (null for a client
/// inside the broker node's own actor system), its language (DOTNET for AkkaMq's own client; JAVA, GOLANG, NODE_JS ...
/// for RocketMQ 5 clients over gRPC) and its version.
/// </summary>
public sealed record ClientChannel(string? Address, string Language, string Version);

public static class ProducerEntityIds
{
    /// <summary>Entity of the broker region that tracks one producer group's live clients.</summary>
    public static string ProducerGroup(string brokerName, string group) => $"pg:{brokerName}:{group}";
}

/// <summary>
/// A producer's heartbeat to a broker group it sends to (RocketMQ's HEART_BEAT with producerDataSet). A gRPC producer is
/// registered under each topic it publishes to, as RocketMQ's proxy does; a native one under its producerGroup.
/// </summary>
public sealed record ProducerHeartbeat(string BrokerName, string ProducerGroup, string ClientId, ClientChannel Channel) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ProducerHeartbeatReply(BrokerName, ProducerGroup, ClientId, code, error);

    public string EntityId => ProducerEntityIds.ProducerGroup(BrokerName, ProducerGroup);
}

public sealed record ProducerHeartbeatReply(string BrokerName, string ProducerGroup, string ClientId, ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>A producer leaving on shutdown (RocketMQ's UNREGISTER_CLIENT for a producer group); no reply.</summary>
public sealed record UnregisterProducer(string BrokerName, string ProducerGroup, string ClientId) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) => null;

    public string EntityId => ProducerEntityIds.ProducerGroup(BrokerName, ProducerGroup);
}

/// <summary>What one broker group knows of a producer group's live clients (mqadmin producerConnection).</summary>
public sealed record GetProducerConnection(string BrokerName, string ProducerGroup) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ProducerConnectionInfo(BrokerName, ProducerGroup, Array.Empty<ProducerConnectionEntry>(), code, error);

    public string EntityId => ProducerEntityIds.ProducerGroup(BrokerName, ProducerGroup);
}

/// <summary>One live producer; LastHeartbeat in Unix ms.</summary>
public sealed record ProducerConnectionEntry(string ClientId, ClientChannel Channel, long LastHeartbeat);

/// <summary>Connections is empty when the group has no live producer on that broker group.</summary>
public sealed record ProducerConnectionInfo(string BrokerName, string ProducerGroup, IReadOnlyList<ProducerConnectionEntry> Connections,
    ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>
/// A consumer that takes messages by POP (a RocketMQ 5 client over gRPC), heartbeating through the node's gRPC endpoint.
/// It joins the group's members for consumerConnection, but owns no queue in the native clients' rebalance: POP reads
/// every queue. Answered with <see cref="ConsumerHeartbeatReply"/>; it leaves by <see cref="UnregisterConsumer"/> or
/// when its heartbeats stop for channelExpiredTimeout.
/// </summary>
public sealed record PopConsumerHeartbeat(string BrokerName, string ConsumerGroup, string ClientId, ClientChannel Channel,
    IReadOnlyList<SubscriptionData> Subscriptions) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new ConsumerHeartbeatReply(BrokerName, ConsumerGroup, ClientId, code, error);

    public string EntityId => ConsumerEntityIds.ConsumerGroup(BrokerName, ConsumerGroup);
}
