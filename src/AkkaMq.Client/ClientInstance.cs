using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client;

/// <summary>
/// What every producer, consumer and admin client of one ActorSystem shares for one AkkaMq
/// cluster (RocketMQ's MQClientInstance): the NameServer in use (rotation), the topic route cache,
/// the broker gateways and pull channels, and the nodes whose data channel is out of reach.
/// <see cref="ClientContext"/> is its request/reply face; producer actors use it by Tell.
/// </summary>
internal sealed class ClientInstance
{
    private static readonly ConditionalWeakTable<ActorSystem, ConcurrentDictionary<string, ClientInstance>> PerSystem = new();

    private readonly ActorSystem _system;
    private readonly IActorRef? _nameServerOverride;
    private int _nameServerIndex;

    private ClientInstance(ActorSystem system, ClientSettings settings, IActorRef? nameServer)
    {
        _system = system;
        _nameServerOverride = nameServer;
        NamesrvAddr = settings.NamesrvAddr;
        Fallback = DataChannelFallback.For(system);
    }

    /// <summary>The instance of system for the cluster settings names (its NameServers, or the nameServer given instead).</summary>
    public static ClientInstance For(ActorSystem system, ClientSettings settings, IActorRef? nameServer = null)
    {
        var key = nameServer != null
            ? nameServer.Path.ToString()
            : $"{settings.RemoteProtocol}://{settings.ClusterSystemName}@{string.Join(";", settings.NamesrvAddr)}";
        return PerSystem.GetValue(system, _ => new ConcurrentDictionary<string, ClientInstance>(StringComparer.Ordinal))
            .GetOrAdd(key, _ => new ClientInstance(system, settings, nameServer));
    }

    public IReadOnlyList<string> NamesrvAddr { get; }

    /// <summary>Topic routes as last fetched, with when (Environment.TickCount64).</summary>
    public ConcurrentDictionary<string, (TopicRouteData Route, long FetchedAt)> Routes { get; } = new(StringComparer.Ordinal);

    /// <summary>Broker gateways by node address, resolved once and dropped after a failure.</summary>
    public ConcurrentDictionary<string, Task<IActorRef>> Gateways { get; } = new(StringComparer.Ordinal);

    /// <summary>Pull channels by node address; lazy, so that consumers starting at once open one per node.</summary>
    public ConcurrentDictionary<string, Lazy<Task<IActorRef>>> PullChannels { get; } = new(StringComparer.Ordinal);

    public DataChannelFallback Fallback { get; }

    /// <summary>Tests and cluster-member apps name the NameServer actor instead of addresses.</summary>
    public bool HasNameServerOverride => _nameServerOverride != null;

    /// <summary>How many NameServers there are to rotate over.</summary>
    public int NameServerCount => _nameServerOverride != null ? 1 : NamesrvAddr.Count;

    /// <summary>The NameServer requests go to first: the one that answered last.</summary>
    public int CurrentNameServer => Volatile.Read(ref _nameServerIndex);

    /// <summary>Where NameServer number index (taken modulo their count) is reached.</summary>
    public ActorSelection NameServer(int index, ClientSettings settings) => _nameServerOverride != null
        ? new ActorSelection(_nameServerOverride, "")
        : _system.ActorSelection(settings.NameServerPath(NamesrvAddr[index % NamesrvAddr.Count]));

    /// <summary>The NameServer at index answered: later requests start there.</summary>
    public void NameServerAnswered(int index) => Volatile.Write(ref _nameServerIndex, index % NameServerCount);

    /// <summary>
    /// The NameServer at index did not answer in time: requests move on to the next one, unless
    /// another caller moved on already. Returns the NameServer to try now.
    /// </summary>
    public int NameServerTimedOut(int index)
    {
        var failed = index % NameServerCount;
        var next = (failed + 1) % NameServerCount;
        var seen = Interlocked.CompareExchange(ref _nameServerIndex, next, failed);
        return seen == failed ? next : seen;
    }

    /// <summary>The address of NameServer number index, for messages.</summary>
    public string NameServerName(int index) => _nameServerOverride != null ? _nameServerOverride.Path.ToString() : NamesrvAddr[index % NamesrvAddr.Count];

    /// <summary>Keeps a route fetched by anyone (a producer's refresh, a consumer's query).</summary>
    public void CacheRoute(string topic, TopicRouteData route) => Routes[topic] = (route, Environment.TickCount64);

    /// <summary>True when sends and pulls to the node at address should use its data channel.</summary>
    public bool UseDataChannel(ClientSettings settings, string address) => settings.DataChannel && !Fallback.GatewayOnly(address);

    /// <summary>The data channel of the node at address could not be opened: use its gateway for a while, and say so once.</summary>
    public void DataChannelUnreachable(ILoggingAdapter log, string who, string address, string reason)
    {
        Fallback.MarkGatewayOnly(address);
        log.Warning("{0} at {1}: its data channel could not be opened ({2}); using Akka.Remote for {3} s",
            who, address, reason, DataChannelFallback.Period.TotalSeconds);
    }
}
