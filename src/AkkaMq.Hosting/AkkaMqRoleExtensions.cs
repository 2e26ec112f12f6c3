using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using AkkaMq.Broker;
using AkkaMq.Broker.Store;
using AkkaMq.NameServer;

namespace AkkaMq.Hosting;

/// <summary>Options for <see cref="AkkaMqRoleExtensions.WithAkkaMqBroker"/>; null keeps the HOCON default.</summary>
public sealed class AkkaMqBrokerOptions
{
    public string? BrokerClusterName { get; set; }
    public string? BrokerName { get; set; }
    public long? BrokerId { get; set; }
    public bool? AutoCreateTopicEnable { get; set; }
    public int? DefaultTopicQueueNums { get; set; }
    public int? MaxMessageSize { get; set; }
    /// <summary>"ASYNC_FLUSH" or "SYNC_FLUSH".</summary>
    public string? FlushDiskType { get; set; }
    /// <summary>Directory of the embedded SQLite journal.</summary>
    public string? DataDir { get; set; }
    /// <summary>"sqlite" or "postgresql".</summary>
    public string? Journal { get; set; }
    public string? ConnectionString { get; set; }

    public Config ToConfig()
    {
        var lines = new List<string>();
        void Add(string key, object? value, bool quote = false)
        {
            if (value == null) return;
            var text = value is bool b ? (b ? "on" : "off") : value.ToString()!;
            lines.Add(quote ? $"{key} = \"{text.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"" : $"{key} = {text}");
        }
        Add("akkamq.broker.brokerClusterName", BrokerClusterName, true);
        Add("akkamq.broker.brokerName", BrokerName, true);
        Add("akkamq.broker.brokerId", BrokerId);
        Add("akkamq.broker.autoCreateTopicEnable", AutoCreateTopicEnable);
        Add("akkamq.broker.defaultTopicQueueNums", DefaultTopicQueueNums);
        Add("akkamq.broker.maxMessageSize", MaxMessageSize);
        Add("akkamq.broker.flushDiskType", FlushDiskType, true);
        Add("akkamq.store.data-dir", DataDir, true);
        Add("akkamq.store.journal", Journal, true);
        Add("akkamq.store.connection-string", ConnectionString, true);
        return ConfigurationFactory.ParseString(string.Join("\n", lines));
    }
}

/// <summary>Options for <see cref="AkkaMqRoleExtensions.WithAkkaMqNameServer"/>; null keeps the HOCON default.</summary>
public sealed class AkkaMqNameServerOptions
{
    public TimeSpan? BrokerExpiry { get; set; }
    public TimeSpan? ScanInterval { get; set; }

    public Config ToConfig()
    {
        var lines = new List<string>();
        if (BrokerExpiry != null) lines.Add($"akkamq.namesrv.broker-expiry = {(long)BrokerExpiry.Value.TotalMilliseconds}ms");
        if (ScanInterval != null) lines.Add($"akkamq.namesrv.scan-interval = {(long)ScanInterval.Value.TotalMilliseconds}ms");
        return ConfigurationFactory.ParseString(string.Join("\n", lines));
    }
}

/// <summary>Cluster roles an app must give a node that runs AkkaMq roles under its own clustering.</summary>
public static class AkkaMqRoles
{
    public const string NameServer = NodeSettings.NameServerRole;

    /// <summary>The roles of a broker node: "broker" plus its group and id, which shard allocation reads.</summary>
    public static string[] Broker(string brokerName, long brokerId) =>
        new[] { NodeSettings.BrokerRole, BrokerRegion.GroupRole(brokerName), BrokerRegion.IdRole(brokerId) };
}

/// <summary>
/// AkkaMq roles inside an app that configures Akka.Cluster itself (e.g. Akka.Cluster.Hosting's
/// WithClustering). The node's cluster roles must include <see cref="AkkaMqRoles"/>.
/// </summary>
public static class AkkaMqRoleExtensions
{
    public static AkkaConfigurationBuilder WithAkkaMqNameServer(this AkkaConfigurationBuilder builder, AkkaMqNameServerOptions? options = null)
    {
        builder.WithAkkaMqSerialization();
        if (options != null) builder.AddHocon(options.ToConfig(), HoconAddMode.Prepend);
        builder.AddHocon(NameServerSettings.DefaultConfig, HoconAddMode.Append);
        return builder.WithActors((system, registry) =>
        {
            var settings = NameServerSettings.Create(system.Settings.Config);
            RequireRole(system, settings.Role, "WithAkkaMqNameServer");
            registry.Register<AkkaMqNameServerKey>(NameServerBootstrap.Start(system, settings));
        });
    }

    public static AkkaConfigurationBuilder WithAkkaMqBroker(this AkkaConfigurationBuilder builder, AkkaMqBrokerOptions? options = null)
    {
        builder.WithAkkaMqSerialization();
        var optionConfig = options?.ToConfig() ?? Config.Empty;
        // The journal must be known before the ActorSystem starts, so it comes from the options and defaults.
        var fromOptions = optionConfig.WithFallback(BrokerSettings.DefaultConfig);
        var brokerSettings = BrokerSettings.Create(fromOptions);
        var journal = JournalSetup.Create(StoreSettings.Create(fromOptions), brokerSettings.FlushDiskType);
        journal.ClaimFor(brokerSettings.BrokerClusterName, brokerSettings.BrokerName);
        builder.AddHocon(optionConfig, HoconAddMode.Prepend);
        builder.AddHocon(journal.Config, HoconAddMode.Prepend);
        builder.AddHocon(BrokerSettings.DefaultConfig, HoconAddMode.Append);
        builder.AddSetup(journal.DataOptions);
        return builder.WithActors((system, registry) =>
        {
            var settings = BrokerSettings.Create(system.Settings.Config);
            foreach (var role in AkkaMqRoles.Broker(settings.BrokerName, settings.BrokerId))
                RequireRole(system, role, "WithAkkaMqBroker");
            registry.Register<AkkaMqBrokerKey>(BrokerBootstrap.Start(system, settings));
        });
    }

    private static void RequireRole(ActorSystem system, string role, string what)
    {
        var roles = Cluster.Get(system).SelfRoles;
        if (!roles.Contains(role))
            throw new ConfigurationException(
                $"{what}: this node's cluster roles [{string.Join(", ", roles)}] lack '{role}'; add AkkaMqRoles to the cluster options' roles");
    }
}
