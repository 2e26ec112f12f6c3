using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using AkkaMq.Auth;
using AkkaMq.Broker;
using AkkaMq.Broker.Store;
using AkkaMq.NameServer;

namespace AkkaMq.Hosting;

/// <summary>
/// Composes and starts an AkkaMq node from HOCON: the executable, the Akka.Hosting extension and
/// the in-process test clusters all go through here, so they run the same node.
/// </summary>
public static class AkkaMqNode
{
    /// <summary>
    /// The full configuration of a node: derived Akka settings over the user's file over all defaults.
    /// A broker's journal is stamped with its group, or refused (<see cref="ForeignJournalException"/>) if it is another group's.
    /// </summary>
    public static (Config Config, JournalSetup? Journal) Compose(NodeSettings settings, Config userConfig)
    {
        // Auth on without a first super user (or its secret) stops the node here, naming the setting.
        AuthSettings.Create(userConfig);
        var journal = settings.Broker != null ? JournalSetup.Create(settings.Store!, settings.Broker.FlushDiskType) : null;
        journal?.ClaimFor(settings.Broker!.BrokerClusterName, settings.Broker.BrokerName);
        var config = settings.ToAkkaConfig().WithFallback(userConfig);
        if (journal != null) config = config.WithFallback(journal.Config);
        return (config.WithFallback(NodeSettings.DefaultConfig), journal);
    }

    /// <summary>Starts a node's ActorSystem and roles (for embedding and tests; the executable uses the generic host).</summary>
    public static ActorSystem Start(Config userConfig, params Setup[] extraSetups) => Start(userConfig, null, extraSetups);

    /// <summary>As <see cref="Start(Config, Setup[])"/>, joining the cluster at joinTo (tests on port 0, where seeds cannot be named).</summary>
    public static ActorSystem Start(Config userConfig, Address? joinTo, params Setup[] extraSetups)
    {
        var settings = NodeSettings.Create(userConfig);
        var (config, journal) = Compose(settings, userConfig);
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        var setup = ActorSystemSetup.Create(bootstrap);
        if (journal != null) setup = setup.And(journal.DataOptions);
        if (ClusterTls.Setup(config) is { } pinned) setup = setup.And(pinned);
        foreach (var s in extraSetups) setup = setup.And(s);
        var system = ActorSystem.Create(settings.SystemName, setup);
        if (joinTo != null) Cluster.Get(system).Join(joinTo);
        StartRoles(system, settings, joinSelf: joinTo == null);
        return system;
    }

    /// <summary>Starts the actors of the node's roles in a running ActorSystem.</summary>
    public static void StartRoles(ActorSystem system, NodeSettings settings, bool joinSelf = true)
    {
        // On port 0 a NameServer node cannot list itself as seed; it starts the cluster itself.
        var cluster = Cluster.Get(system);
        if (joinSelf && settings.Port == 0 && settings.IsNameServer) cluster.Join(cluster.SelfAddress);
        // Users and ACLs first: the gateways check requests against this node's copy.
        AuthStore.Start(system, AuthDurableDir(system, settings));
        if (settings.NameServer != null) NameServerBootstrap.Start(system, settings.NameServer);
        if (settings.Broker != null) BrokerBootstrap.Start(system, settings.Broker, settings.NameServer?.Role ?? "nameserver");
    }

    /// <summary>akkamq.auth.durable-dir, else the auth folder of a broker's SQLite data directory; null keeps users in memory only.</summary>
    public static string? AuthDurableDir(ActorSystem system, NodeSettings settings)
    {
        var dir = system.Settings.Config.GetString("akkamq.auth.durable-dir", "");
        if (!string.IsNullOrEmpty(dir)) return dir;
        return settings.Broker != null && settings.Store is { Journal: "sqlite" } store ? Path.Combine(store.DataDir, "auth") : null;
    }

    /// <summary>One line for the log: address, roles, broker identity and journal.</summary>
    public static string Describe(ActorSystem system, NodeSettings settings, JournalSetup? journal)
    {
        var address = Cluster.Get(system).SelfAddress;
        var text = $"AkkaMq node listening on {address.Host}:{address.Port} ({address}); roles: {string.Join(", ", settings.Roles)}";
        if (settings.Broker is { } b)
            text += $"; broker {b.BrokerClusterName}/{b.BrokerName}/{b.BrokerId} ({(b.BrokerId == 0 ? "master" : "slave")}), flushDiskType {b.FlushDiskType}";
        if (journal != null) text += $"; journal {journal.Description}";
        return text;
    }
}
