using Akka.Configuration;
using AkkaMq.Broker;
using AkkaMq.NameServer;
using AkkaMq.Protocol.Configuration;

namespace AkkaMq.Hosting;

/// <summary>
/// What a node runs and where, from its HOCON file: roles, endpoint (brokerIP1:listenPort for a
/// broker node, namesrv listenIP:listenPort otherwise) and seed nodes (the namesrvAddr list).
/// Every check names the key at fault, so a bad file stops the node with a clear message.
/// </summary>
public sealed record NodeSettings(
    IReadOnlyList<string> Roles,
    string SystemName,
    string Hostname,
    int Port,
    IReadOnlyList<string> NamesrvAddr,
    string LogLevel,
    NameServerSettings? NameServer,
    BrokerSettings? Broker,
    StoreSettings? Store)
{
    public const string NameServerRole = "nameserver";
    public const string BrokerRole = "broker";

    public static Config DefaultConfig { get; } = ProtocolConfig.Load(typeof(NodeSettings).Assembly, "AkkaMq.Hosting.reference.conf")
        .WithFallback(NameServerSettings.DefaultConfig)
        .WithFallback(BrokerSettings.DefaultConfig)
        .WithFallback(AkkaMq.Proxy.ProxySettings.DefaultConfig)
        .WithFallback(ProtocolConfig.Default);

    public bool IsNameServer => Roles.Contains(NameServerRole);
    public bool IsBroker => Roles.Contains(BrokerRole);

    public static NodeSettings Create(Config config)
    {
        var root = config.WithFallback(DefaultConfig);
        var node = root.GetConfig("akkamq.node");
        var roles = node.GetStringList("roles").Select(r => r.Trim()).Distinct().ToList();
        if (roles.Count == 0) throw new ConfigurationException("akkamq.node.roles is empty: name nameserver, broker or both");
        foreach (var r in roles)
            if (r is not (NameServerRole or BrokerRole))
                throw new ConfigurationException($"akkamq.node.roles: unknown role '{r}' (known: nameserver, broker)");
        var systemName = node.GetString("system-name");
        if (string.IsNullOrWhiteSpace(systemName) || !systemName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ConfigurationException($"akkamq.node.system-name '{systemName}' must be letters, digits, '-' or '_'");

        var ns = roles.Contains(NameServerRole) ? NameServerSettings.Create(root) : null;
        var broker = roles.Contains(BrokerRole) ? BrokerSettings.Create(root) : null;
        var store = broker != null ? StoreSettings.Create(root) : null;
        if (broker is { BrokerId: > 0 } && store is { Journal: "sqlite" })
            throw new ConfigurationException(
                $"akkamq.broker.brokerId = {broker.BrokerId} (a slave) needs a journal shared with its master (akkamq.store.journal = postgresql): " +
                "with a local SQLite journal it would serve its group from a different log when the master is down");

        string host;
        int port;
        if (broker != null)
        {
            host = broker.BrokerIP1;
            port = broker.ListenPort;
        }
        else
        {
            host = ns!.ListenIP;
            port = ns.ListenPort;
        }
        if (string.IsNullOrWhiteSpace(host)) throw new ConfigurationException(broker != null ? "akkamq.broker.brokerIP1 is empty" : "akkamq.namesrv.listenIP is empty");

        var namesrv = AkkaMq.Protocol.Configuration.NamesrvAddr.Parse(root.GetString("akkamq.broker.namesrvAddr"), "akkamq.broker.namesrvAddr");
        var self = $"{host}:{port}";
        if (ns != null && port != 0 && !namesrv.Contains(self))
            throw new ConfigurationException(
                $"akkamq.broker.namesrvAddr ({string.Join(";", namesrv)}) does not list this node ({self}), yet it has the nameserver role: " +
                "every NameServer node must be in namesrvAddr (it is also the cluster's seed list)");
        if (ns == null && namesrv.Count == 0)
            throw new ConfigurationException("akkamq.broker.namesrvAddr is empty: a node without the nameserver role must know where the NameServers are");

        return new NodeSettings(roles, systemName, host, port, namesrv, node.GetString("loglevel"), ns, broker, store)
            { RemoteProtocol = AkkaMq.Protocol.Configuration.RemoteProtocol.Of(root) };
    }

    /// <summary>Protocol of this cluster's remote addresses ("akka.tcp" unless transport adapters are applied).</summary>
    public string RemoteProtocol { get; init; } = AkkaMq.Protocol.Configuration.RemoteProtocol.Default;

    /// <summary>Cluster roles: the AkkaMq roles plus the broker group and id markers used by shard allocation.</summary>
    public IReadOnlyList<string> ClusterRoles
    {
        get
        {
            var roles = new List<string>(Roles);
            if (Broker != null)
            {
                roles.Add(BrokerRegion.GroupRole(Broker.BrokerName));
                roles.Add(BrokerRegion.IdRole(Broker.BrokerId));
            }
            return roles;
        }
    }

    /// <summary>
    /// Akka settings derived from the AkkaMq keys. With port 0 (tests) a nameserver node cannot
    /// name itself as seed; <see cref="AkkaMqNode"/> then joins it to itself after start.
    /// </summary>
    public Config ToAkkaConfig()
    {
        var seeds = Port == 0 ? "" : string.Join(", ", NamesrvAddr.Select(a => $"\"{RemoteProtocol}://{SystemName}@{a}\""));
        var roles = string.Join(", ", ClusterRoles.Select(r => $"\"{r}\""));
        return ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = {{LogLevel}}
              actor.provider = cluster
              remote.dot-netty.tcp {
                hostname = "{{Hostname}}"
                port = {{Port}}
              }
              cluster {
                roles = [{{roles}}]
                seed-nodes = [{{seeds}}]
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                sharding.state-store-mode = ddata
                sharding.remember-entities = off
              }
            }
            """);
    }
}
