using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using AkkaMq.Hosting;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.TestKit;

/// <summary>
/// An AkkaMq cluster inside the test process: NameServer nodes and broker nodes (masters and
/// slaves) as separate ActorSystems on 127.0.0.1, port 0, with temp SQLite journals (one per
/// node, or one shared by a broker group). Failure detection and the split brain resolver are
/// tuned to seconds so failures play out quickly. A test can kill a node abruptly, restart it,
/// stop it gracefully and wait until routes converge.
/// </summary>
public sealed class AkkaMqTestCluster : IAsyncDisposable
{
    /// <summary>
    /// Failure handling for tests: a dead node is downed about 12-15 s after it stops answering.
    /// Tighter settings get live nodes downed while the whole suite runs on 2 cores (heartbeats
    /// arrive seconds late); production timings are in hocon/cluster.
    /// </summary>
    public const string FastFailureDetection = """
        akka.cluster.failure-detector.heartbeat-interval = 1s
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 8s
        akka.cluster.split-brain-resolver.active-strategy = keep-majority
        akka.cluster.split-brain-resolver.stable-after = 5s
        akka.cluster.down-removal-margin = 1s
        akka.cluster.sharding.retry-interval = 500ms
        akka.cluster.sharding.rebalance-interval = 2s
        akka.cluster.singleton.hand-over-retry-interval = 500ms
        akka.remote.watch-failure-detector.heartbeat-interval = 1s
        akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 8s
        akka.remote.retry-gate-closed-for = 500ms
        """;

    /// <summary>
    /// Every node and client of a test cluster runs Akka.Remote's throttler adapter, so a test can
    /// blackhole the traffic between two nodes (<see cref="PartitionAsync"/>). It changes the
    /// address protocol to akka.trttl.tcp; AkkaMq builds its paths from config, so nothing else changes.
    /// </summary>
    public const string Throttler = "akka.remote.dot-netty.tcp.applied-adapters = [trttl]";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "akkamq-cluster-" + Guid.NewGuid().ToString("N"));
    private readonly List<NodeSpec> _specs = new();
    private readonly string _extraHocon;

    private sealed record NodeSpec(string Name, Config Config, string DataDir)
    {
        public AkkaMqTestNode? Node;
    }

    public AkkaMqTestCluster(string? extraHocon = null)
    {
        _extraHocon = extraHocon ?? "";
        Directory.CreateDirectory(_root);
    }

    /// <summary>Running nodes, in start order.</summary>
    public IReadOnlyList<AkkaMqTestNode> Nodes => _specs.Where(s => s.Node != null && !s.Node.System.WhenTerminated.IsCompleted).Select(s => s.Node!).ToList();

    public IEnumerable<AkkaMqTestNode> NameServers => Nodes.Where(n => n.Settings.IsNameServer);

    /// <summary>namesrvAddr for clients: every running NameServer node.</summary>
    public string NamesrvAddr => string.Join(";", NameServers.Select(n => n.Address));

    /// <summary>Config for a client ActorSystem that talks to this cluster, with fast remote death watch.</summary>
    public Config ClientConfig() => ConfigurationFactory.ParseString(FastFailureDetection + "\n" + Throttler)
        .WithFallback(AkkaMqTestNode.ClientConfigFor(NamesrvAddr));

    private Address? JoinTarget()
    {
        var first = Nodes.FirstOrDefault();
        return first == null ? null : Cluster.Get(first.System).SelfAddress;
    }

    private AkkaMqTestNode Start(NodeSpec spec)
    {
        var join = JoinTarget();
        var config = spec.Config;
        var settings = NodeSettings.Create(config);
        var system = AkkaMqNode.Start(config, join);
        spec.Node = new AkkaMqTestNode(system, spec.DataDir, false, settings);
        // One node at a time: nodes that join in the same instant can disagree on which is oldest,
        // and the singletons (NameServer, shard coordinator) then wait on each other.
        var up = new TaskCompletionSource();
        Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        if (!up.Task.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException($"{spec.Name} did not become Up within 30 s");
        return spec.Node;
    }

    private Config BaseConfig(string roles, string dataDir, string extra) => ConfigurationFactory.ParseString(extra)
        .WithFallback(ConfigurationFactory.ParseString(_extraHocon))
        .WithFallback(ConfigurationFactory.ParseString($$"""
            akkamq.node.roles = [{{roles}}]
            akkamq.node.loglevel = WARNING
            akkamq.namesrv.listenIP = "127.0.0.1"
            akkamq.namesrv.listenPort = 0
            akkamq.broker.brokerIP1 = "127.0.0.1"
            akkamq.broker.listenPort = 0
            akkamq.broker.namesrvAddr = "127.0.0.1:1"
            akkamq.store.data-dir = "{{dataDir.Replace("\\", "/")}}"
            akka.actor.serialize-messages = on
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            # A downed node stops, as in production: the minority side of a partition serves nothing.
            akka.cluster.run-coordinated-shutdown-when-down = on
            {{Throttler}}
            """))
        .WithFallback(ConfigurationFactory.ParseString(FastFailureDetection))
        .WithFallback(ConfigurationFactory.ParseString(LocalOnlyPassThroughSerializer.Hocon));

    /// <summary>Starts a NameServer-only node; the first node of the cluster forms it.</summary>
    public AkkaMqTestNode StartNameServer(string? extraHocon = null)
    {
        var name = "namesrv-" + _specs.Count(s => s.Name.StartsWith("namesrv", StringComparison.Ordinal));
        var dir = Path.Combine(_root, name);
        var spec = new NodeSpec(name, BaseConfig("nameserver", dir, extraHocon ?? ""), dir);
        _specs.Add(spec);
        return Start(spec);
    }

    /// <summary>
    /// Starts a broker node of group brokerName. With postgresConnection, the node's journal is that
    /// PostgreSQL database (give every node of a group the same one: a shared journal, so a slave
    /// can take over); otherwise each node has its own SQLite journal in a temp directory.
    /// </summary>
    public AkkaMqTestNode StartBroker(string brokerName, long brokerId = 0, string? postgresConnection = null, string? extraHocon = null)
    {
        var name = $"{brokerName}-{brokerId}";
        var dir = Path.Combine(_root, name);
        var journal = postgresConnection != null
            ? $"akkamq.store {{ journal = postgresql, connection-string = \"{postgresConnection}\" }}"
            : "";
        var spec = new NodeSpec(name, BaseConfig("broker", dir, $"""
            akkamq.broker.brokerName = "{brokerName}"
            akkamq.broker.brokerId = {brokerId}
            {journal}
            {extraHocon}
            """), dir);
        _specs.Add(spec);
        return Start(spec);
    }

    private NodeSpec SpecOf(AkkaMqTestNode node) => _specs.Single(s => ReferenceEquals(s.Node, node));

    /// <summary>
    /// Kills a node abruptly: its transport goes away without leaving the cluster, so the others
    /// must detect the failure and down it.
    /// </summary>
    public async Task KillAsync(AkkaMqTestNode node)
    {
        // Test nodes don't run CoordinatedShutdown on Terminate, so no Leave reaches the others.
        await node.System.Terminate();
    }

    /// <summary>
    /// Cuts the network between every node of one side and every node of the other, both ways
    /// (Akka.Remote's throttler in blackhole mode): heartbeats stop, the nodes become unreachable
    /// to each other and the split brain resolver downs the smaller side.
    /// </summary>
    public Task PartitionAsync(IEnumerable<AkkaMqTestNode> sideA, IEnumerable<AkkaMqTestNode> sideB) =>
        ThrottleAsync(sideA, sideB, Blackhole.Instance);

    /// <summary>Restores the traffic cut by <see cref="PartitionAsync"/>.</summary>
    public Task HealAsync(IEnumerable<AkkaMqTestNode> sideA, IEnumerable<AkkaMqTestNode> sideB) =>
        ThrottleAsync(sideA, sideB, Unthrottled.Instance);

    private static async Task ThrottleAsync(IEnumerable<AkkaMqTestNode> sideA, IEnumerable<AkkaMqTestNode> sideB, ThrottleMode mode)
    {
        var a = sideA.ToList();
        var b = sideB.ToList();
        var commands = new List<Task<bool>>();
        foreach (var x in a)
        foreach (var y in b)
        {
            if (!x.System.WhenTerminated.IsCompleted)
                commands.Add(Transport(x.System).ManagementCommand(
                    new SetThrottle(Cluster.Get(y.System).SelfAddress, ThrottleTransportAdapter.Direction.Both, mode)));
            if (!y.System.WhenTerminated.IsCompleted)
                commands.Add(Transport(y.System).ManagementCommand(
                    new SetThrottle(Cluster.Get(x.System).SelfAddress, ThrottleTransportAdapter.Direction.Both, mode)));
        }
        var results = await Task.WhenAll(commands);
        if (results.Any(ok => !ok)) throw new InvalidOperationException("the throttler refused a command: is akka.remote.dot-netty.tcp.applied-adapters = [trttl] set?");
    }

    private static RemoteTransport Transport(ActorSystem system) => ((RemoteActorRefProvider)((ExtendedActorSystem)system).Provider).Transport;

    /// <summary>Waits until a node has been downed and its ActorSystem has stopped (the split brain resolver's verdict).</summary>
    public static async Task WaitUntilTerminatedAsync(AkkaMqTestNode node, TimeSpan timeout)
    {
        if (await Task.WhenAny(node.System.WhenTerminated, Task.Delay(timeout)) != node.System.WhenTerminated)
            throw new TimeoutException($"{node.Address} did not stop within {timeout}");
    }

    /// <summary>Waits until the surviving nodes have removed a killed node from the cluster (it was downed).</summary>
    public async Task WaitUntilRemovedAsync(AkkaMqTestNode node, TimeSpan timeout)
    {
        var address = Cluster.Get(node.System).SelfAddress;
        var deadline = DateTime.UtcNow + timeout;
        while (Nodes.Any(n => Cluster.Get(n.System).State.Members.Any(m => m.Address.Equals(address))))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{address} was not removed from the cluster within {timeout}");
            await Task.Delay(100);
        }
    }

    /// <summary>Leaves the cluster and stops (CoordinatedShutdown), as a SIGTERM would.</summary>
    public Task StopGracefullyAsync(AkkaMqTestNode node) => node.StopAsync();

    /// <summary>Starts a stopped node again with the same configuration and data (on a new port).</summary>
    public AkkaMqTestNode Restart(AkkaMqTestNode node)
    {
        var spec = SpecOf(node);
        if (!node.System.WhenTerminated.IsCompleted) throw new InvalidOperationException($"{spec.Name} is still running");
        return Start(spec);
    }

    /// <summary>Waits until a route query for topic (asked of any running NameServer node) satisfies the condition.</summary>
    public async Task<TopicRouteData> WaitForRouteAsync(string topic, Func<TopicRouteData, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        RouteInfoReply? last = null;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var ns in NameServers)
            {
                try
                {
                    last = await ns.System.ActorSelection("/user/namesrv").Ask<RouteInfoReply>(new GetRouteInfo(topic, false), TimeSpan.FromSeconds(2));
                    if (last.Route != null && condition(last.Route)) return last.Route;
                }
                catch (AskTimeoutException) { }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"routes of {topic} did not converge within {timeout}; last answer: {last?.Code} {last?.Error} " +
                                   string.Join(", ", last?.Route?.BrokerDatas.Select(b => $"{b.BrokerName}={string.Join("/", b.BrokerAddrs.Select(a => $"{a.Key}@{a.Value}"))}") ?? Array.Empty<string>()));
    }

    /// <summary>Waits until every running broker node is registered with the NameServer.</summary>
    public async Task WaitForBrokersAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var expected = Nodes.Where(n => n.Settings.IsBroker).Select(n => (n.Settings.Broker!.BrokerName, n.Settings.Broker.BrokerId, n.Address)).ToHashSet();
            foreach (var ns in NameServers)
            {
                try
                {
                    var info = await ns.System.ActorSelection("/user/namesrv").Ask<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, TimeSpan.FromSeconds(2));
                    var registered = info.Brokers.Select(b => (b.Broker.BrokerName, b.Broker.BrokerId, b.Broker.Address)).ToHashSet();
                    if (expected.IsSubsetOf(registered)) return;
                }
                catch (AskTimeoutException) { }
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"brokers did not all register within {timeout}");
            await Task.Delay(100);
        }
    }

    /// <summary>Creates a topic through any NameServer node.</summary>
    public async Task<CreateTopicReply> CreateTopicAsync(TopicConfig config, string? clusterName = null, string? brokerName = null)
    {
        var ns = NameServers.First();
        var reply = await ns.System.ActorSelection("/user/namesrv").Ask<CreateTopicReply>(new CreateTopic(config, clusterName, brokerName), TimeSpan.FromSeconds(15));
        if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "topic creation failed");
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Reverse()) await node.System.Terminate();
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }
}
