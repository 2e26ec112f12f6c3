using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Hosting;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.TestKit;

/// <summary>
/// An AkkaMq node running inside the test process on 127.0.0.1 with a free port and a temporary
/// SQLite journal: the same composition the akkamq-node executable runs.
/// </summary>
public sealed class AkkaMqTestNode : IAsyncDisposable
{
    private readonly bool _ownsDataDir;

    internal AkkaMqTestNode(ActorSystem system, string dataDir, bool ownsDataDir, NodeSettings settings)
    {
        System = system;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        Settings = settings;
    }

    public ActorSystem System { get; }
    public string DataDir { get; }
    public NodeSettings Settings { get; }

    /// <summary>host:port of the node, as namesrvAddr and routes name it.</summary>
    public string Address
    {
        get
        {
            var a = Akka.Cluster.Cluster.Get(System).SelfAddress;
            return $"{a.Host}:{a.Port}";
        }
    }

    /// <summary>
    /// Starts a standalone node (nameserver + broker). extraHocon overrides anything (e.g. broker
    /// settings); dataDir reuses a journal (for restart tests), otherwise a fresh temp dir is used.
    /// </summary>
    public static AkkaMqTestNode StartStandalone(string? extraHocon = null, string? dataDir = null, bool serializeMessages = true) =>
        Start("akkamq.node.roles = [nameserver, broker]", extraHocon, dataDir, serializeMessages, joinTo: null);

    /// <summary>
    /// Starts a broker-only node that joins the cluster of the NameServer node at namesrvAddr
    /// (host:port of a running test node).
    /// </summary>
    public static AkkaMqTestNode StartBroker(string namesrvAddr, string brokerName, long brokerId = 0, string? extraHocon = null,
        string? dataDir = null, bool serializeMessages = true) =>
        Start($$"""
            akkamq.node.roles = [broker]
            akkamq.broker.brokerName = "{{brokerName}}"
            akkamq.broker.brokerId = {{brokerId}}
            akkamq.broker.namesrvAddr = "{{namesrvAddr}}"
            """, extraHocon, dataDir, serializeMessages, joinTo: namesrvAddr);

    private static AkkaMqTestNode Start(string roleHocon, string? extraHocon, string? dataDir, bool serializeMessages, string? joinTo)
    {
        var owns = dataDir == null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "akkamq-test-" + Guid.NewGuid().ToString("N"));
        var config = ConfigurationFactory.ParseString(extraHocon ?? "")
            .WithFallback(ConfigurationFactory.ParseString(roleHocon))
            .WithFallback(ConfigurationFactory.ParseString($$"""
                akkamq.node.loglevel = WARNING
                akkamq.broker.brokerIP1 = "127.0.0.1"
                akkamq.broker.listenPort = 0
                akkamq.store.data-dir = "{{dataDir.Replace("\\", "/")}}"
                akka.actor.serialize-messages = {{(serializeMessages ? "on" : "off")}}
                akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                akka.cluster.run-coordinated-shutdown-when-down = off
                # TestKit's default wait (3 s) is too tight for a node on a stalled shared runner.
                akka.test.single-expect-default = 10s
                """))
            .WithFallback(ConfigurationFactory.ParseString(LocalOnlyPassThroughSerializer.Hocon));
        var settings = NodeSettings.Create(config);
        // Port 0 leaves seed-nodes empty: a broker-only node joins the NameServer node explicitly.
        var join = joinTo == null ? null : Akka.Actor.Address.Parse($"{settings.RemoteProtocol}://{settings.SystemName}@{joinTo}");
        var system = AkkaMqNode.Start(config, join);
        return new AkkaMqTestNode(system, dataDir, owns, settings);
    }

    /// <summary>Waits until the broker has registered with the NameServer (routes can be served).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null, int brokers = 1)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var gateway = Settings.IsNameServer ? System.ActorSelection("/user/namesrv") : System.ActorSelection("/user/broker-namesrv-proxy");
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var info = await gateway.Ask<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, TimeSpan.FromSeconds(2));
                if (Settings.Broker is { } b
                        ? info.Brokers.Any(x => x.Broker.BrokerName == b.BrokerName && x.Broker.BrokerId == b.BrokerId && x.Broker.Address == Address)
                        : info.Brokers.Count >= brokers)
                    return;
            }
            catch (AskTimeoutException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"AkkaMq test node {Address} did not become ready");
    }

    /// <summary>Client settings for an ActorSystem that talks to this node over Akka.Remote.</summary>
    public Config ClientConfig(bool serializeMessages = true) => ClientConfigFor(Address, serializeMessages);

    public static Config ClientConfigFor(string namesrvAddr, bool serializeMessages = true) =>
        ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
            akka.remote.dot-netty.tcp.port = 0
            akka.actor.serialize-messages = {{(serializeMessages ? "on" : "off")}}
            akkamq.client.namesrvAddr = "{{namesrvAddr}}"
            """).WithFallback(AkkaMq.Client.ClientSettings.DefaultConfig);

    /// <summary>Stops the node gracefully (CoordinatedShutdown), keeping its data directory.</summary>
    public async Task StopAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await System.WhenTerminated;
    }

    public async ValueTask DisposeAsync()
    {
        if (!System.WhenTerminated.IsCompleted) await StopAsync();
        if (_ownsDataDir)
        {
            try { Directory.Delete(DataDir, true); }
            catch (IOException) { }
        }
    }
}
