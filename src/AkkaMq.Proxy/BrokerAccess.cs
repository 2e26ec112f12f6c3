using Akka.Actor;
using AkkaMq.Broker;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Proxy;

/// <summary>
/// The endpoint's way into the node, through AkkaMq's own messages as the data channel goes: sends to the local
/// broker gateway (/user/broker), routes from the NameServer through the broker's singleton proxy, and the
/// group's topic table from the gateway (kept for a second, fetched again for a topic it lacks).
/// Asks are the edge of the actor system here, each with the request timeout.
/// </summary>
public sealed class BrokerAccess
{
    private static readonly TimeSpan TopicsMaxAge = TimeSpan.FromSeconds(1);

    private readonly ActorSystem _system;
    private readonly TimeSpan _timeout;
    private volatile TopicSnapshot? _topics;

    private sealed record TopicSnapshot(IReadOnlyDictionary<string, TopicConfig> Configs, long FetchedAt);

    public BrokerAccess(ActorSystem system, BrokerSettings broker, TimeSpan timeout)
    {
        _system = system;
        Broker = broker;
        _timeout = timeout;
    }

    public BrokerSettings Broker { get; }

    /// <summary>The node's ActorSystem (the gRPC producers' check-back members live in it).</summary>
    public ActorSystem System => _system;
    /// <summary>host:port of this broker node as the NameServer lists it (clusterList's address): RocketMQ's store host.</summary>
    public string StoreHost
    {
        get
        {
            var a = Akka.Cluster.Cluster.Get(_system).SelfAddress;
            return $"{a.Host}:{a.Port}";
        }
    }

    /// <summary>Path of the broker node's NameServer proxy (a ClusterSingletonProxy to the route table).</summary>
    public const string NameServerPath = "/user/broker-namesrv-proxy";

    public const string GatewayPath = "/user/" + BrokerGateway.Name;

    public Task<RouteInfoReply> RouteAsync(string topic, CancellationToken ct) =>
        _system.ActorSelection(NameServerPath).Ask<RouteInfoReply>(new GetRouteInfo(topic, false), _timeout, ct);

    /// <summary>One message to the local gateway; its single ack comes back (stored, refused, or held and refused).</summary>
    public async Task<SendAck> SendAsync(SendEntry entry, CancellationToken ct)
    {
        var acks = await _system.ActorSelection(GatewayPath).Ask<SendAcks>(new SendMessages(Broker.BrokerName, new[] { entry }), _timeout, ct);
        return acks.Acks[0];
    }

    /// <summary>The subscription group config this broker group applies to group (defaults while auto-creation is on).</summary>
    public Task<SubscriptionGroupReply> GroupAsync(string group, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<SubscriptionGroupReply>(new GetSubscriptionGroup(Broker.BrokerName, group), _timeout, ct);

    /// <summary>A POP receive; the broker may hold it for its polling time, so the ask waits that long more.</summary>
    public Task<PopResult> PopAsync(PopMessage pop, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<PopResult>(pop, _timeout + TimeSpan.FromMilliseconds(pop.PollMillis), ct);

    public Task<AckResult> AckAsync(AckMessage ack, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<AckResult>(ack, _timeout, ct);

    public Task<ChangeInvisibleTimeResult> ChangeInvisibleAsync(ChangeInvisibleTime change, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<ChangeInvisibleTimeResult>(change, _timeout, ct);

    public Task<ForwardToDeadLetterQueueResult> ForwardToDeadLetterQueueAsync(ForwardToDeadLetterQueue forward, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<ForwardToDeadLetterQueueResult>(forward, _timeout, ct);

    /// <summary>A pull of one queue; the broker may hold it for its suspend time, so the ask waits that long more.</summary>
    public Task<PullResult> PullAsync(PullMessage pull, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<PullResult>(pull, _timeout + TimeSpan.FromMilliseconds(pull.SuspendTimeoutMillis), ct);

    /// <summary>A queue's min or max offset, or the first offset stored at or after a time.</summary>
    public Task<QueueOffsetReply> QueueOffsetAsync(QueryQueueOffset query, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<QueueOffsetReply>(query, _timeout, ct);

    /// <summary>The group's committed offset on a queue, in the store native consumers commit to.</summary>
    public Task<ConsumerOffsetReply> ConsumerOffsetAsync(QueryConsumerOffset query, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<ConsumerOffsetReply>(query, _timeout, ct);

    public Task<CommitConsumerOffsetsReply> CommitOffsetsAsync(CommitConsumerOffsets commit, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<CommitConsumerOffsetsReply>(commit, _timeout, ct);

    /// <summary>A producer's decision on a half message of this broker group.</summary>
    public Task<EndTransactionReply> EndTransactionAsync(EndTransaction end, CancellationToken ct) =>
        _system.ActorSelection(GatewayPath).Ask<EndTransactionReply>(end, _timeout, ct);
    /// <summary>A client heartbeat (producer or POP consumer) to the local gateway; the code and error of its reply.</summary>
    public async Task<(ResponseCode Code, string? Error)> HeartbeatAsync(IBrokerRequest heartbeat, CancellationToken ct)
    {
        var reply = await _system.ActorSelection(GatewayPath).Ask<object>(heartbeat, _timeout, ct);
        return reply switch
        {
            ConsumerHeartbeatReply c => (c.Code, c.Error),
            ProducerHeartbeatReply p => (p.Code, p.Error),
            _ => (ResponseCode.SystemError, $"the broker answered a heartbeat with {reply.GetType().Name}"),
        };
    }

    /// <summary>A one-way request (an unregister) to the local gateway, admitted: the endpoint checked its caller, and with auth on no sender is no proof.</summary>
    public void Tell(IBrokerRequest request) =>
        _system.ActorSelection(GatewayPath).Tell(AkkaMq.Auth.AuthExtension.For(_system).Guard.Admit(request), ActorRefs.NoSender);

    /// <summary>The topic's config on this broker group, or null when the group has no such topic.</summary>
    public async Task<TopicConfig?> TopicAsync(string topic, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        var snapshot = _topics;
        // A topic missing from the copy is asked again: it may have been created a moment ago.
        if (snapshot != null && now - snapshot.FetchedAt < TopicsMaxAge.TotalMilliseconds && snapshot.Configs.TryGetValue(topic, out var config))
            return config;
        var reply = await _system.ActorSelection(GatewayPath).Ask<TopicConfigs>(new GetTopicConfigs(Broker.BrokerName), _timeout, ct);
        var configs = new Dictionary<string, TopicConfig>(reply.Configs.Count, StringComparer.Ordinal);
        foreach (var c in reply.Configs) configs[c.TopicName] = c;
        _topics = new TopicSnapshot(configs, Environment.TickCount64);
        return configs.GetValueOrDefault(topic);
    }
}
