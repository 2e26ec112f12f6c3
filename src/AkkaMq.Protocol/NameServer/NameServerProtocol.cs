namespace AkkaMq.Protocol.NameServer;

/// <summary>Who a broker node is: RocketMQ's brokerClusterName, brokerName, brokerId and its address ("host:port").</summary>
public sealed record BrokerIdentity(string ClusterName, string BrokerName, long BrokerId, string Address)
{
    public const long MasterId = 0;
    public bool IsMaster => BrokerId == MasterId;
    public override string ToString() => $"{ClusterName}/{BrokerName}/{BrokerId}@{Address}";
}

/// <summary>Sent by a broker gateway at start and as its heartbeat; the sender is the gateway.</summary>
public sealed record RegisterBroker(BrokerIdentity Broker, IReadOnlyList<TopicConfig> Topics, bool AutoCreateTopicEnable,
    int DefaultTopicQueueNums) : IAkkaMqMessage
{
    /// <summary>host:port of the node's RocketMQ 5 gRPC endpoint (AkkaMq.Proxy); null when it serves none.</summary>
    public string? GrpcEndpoint { get; init; }
}

public sealed record RegisterBrokerReply(ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>Sent by a broker that shuts down gracefully.</summary>
public sealed record UnregisterBroker(string ClusterName, string BrokerName, long BrokerId) : IAkkaMqMessage;

/// <summary>Route query. Producers set AllowAutoCreate so an unknown topic is created where autoCreateTopicEnable is on.</summary>
public sealed record GetRouteInfo(string Topic, bool AllowAutoCreate) : IAkkaMqMessage;

public sealed record QueueData(string BrokerName, int ReadQueueNums, int WriteQueueNums, int Perm)
{
    private readonly IReadOnlyDictionary<string, string> _attributes = TopicAttributes.Empty;

    /// <summary>The topic's attributes on this broker group (<see cref="TopicAttributes"/>), sorted by name; empty by default.</summary>
    [Newtonsoft.Json.JsonConverter(typeof(TopicAttributesJsonConverter))]
    public IReadOnlyDictionary<string, string> Attributes { get => _attributes; init => _attributes = TopicAttributes.Sorted(value); }
}

public sealed record BrokerData(string Cluster, string BrokerName, IReadOnlyDictionary<long, string> BrokerAddrs)
{
    private static readonly IReadOnlyDictionary<long, string> NoEndpoints = new Dictionary<long, string>();

    /// <summary>brokerId to host:port of the gRPC endpoint, for the live nodes that serve one; empty by default.</summary>
    public IReadOnlyDictionary<long, string> GrpcEndpoints { get; init; } = NoEndpoints;

    /// <summary>The gRPC endpoint of the group's serving node (lowest live brokerId), or null when it serves none.</summary>
    public string? SelectGrpcEndpoint()
    {
        if (BrokerAddrs.Count == 0) return null;
        var serving = long.MaxValue;
        foreach (var id in BrokerAddrs.Keys)
            if (id < serving) serving = id;
        return GrpcEndpoints.TryGetValue(serving, out var endpoint) ? endpoint : null;
    }

    /// <summary>The address to write to: the master's, or the lowest live id's when the master is gone.</summary>
    public string? SelectAddress()
    {
        if (BrokerAddrs.TryGetValue(BrokerIdentity.MasterId, out var master)) return master;
        string? best = null;
        var bestId = long.MaxValue;
        foreach (var kv in BrokerAddrs)
            if (kv.Key < bestId) { bestId = kv.Key; best = kv.Value; }
        return best;
    }
}

public sealed record TopicRouteData(IReadOnlyList<QueueData> QueueDatas, IReadOnlyList<BrokerData> BrokerDatas);

public sealed record RouteInfoReply(string Topic, ResponseCode Code, string? Error, TopicRouteData? Route) : IAkkaMqMessage;

/// <summary>
/// Creates or changes a topic on every master of a cluster (ClusterName), on one broker group
/// (BrokerName), or, with both null, on every registered master.
/// </summary>
public sealed record CreateTopic(TopicConfig Config, string? ClusterName, string? BrokerName) : IAkkaMqMessage;

public sealed record CreateTopicReply(string Topic, ResponseCode Code, string? Error, IReadOnlyList<string> Brokers) : IAkkaMqMessage;

public sealed class GetBrokerClusterInfo : IAkkaMqMessage
{
    public static readonly GetBrokerClusterInfo Instance = new();
    private GetBrokerClusterInfo() { }
}

public sealed record BrokerRegistrationInfo(BrokerIdentity Broker, long LastUpdateTimestamp, int TopicCount);

public sealed record BrokerClusterInfo(IReadOnlyList<BrokerRegistrationInfo> Brokers) : IAkkaMqMessage;

/// <summary>
/// Sent by a NameServer that has just started (or taken over as singleton) to every broker
/// gateway, so the route table is complete at once instead of after the next heartbeat.
/// </summary>
public sealed class RequestBrokerRegistration : IAkkaMqMessage
{
    public static readonly RequestBrokerRegistration Instance = new();
    private RequestBrokerRegistration() { }
}
