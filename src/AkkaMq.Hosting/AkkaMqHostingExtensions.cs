using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using AkkaMq.Broker;
using AkkaMq.Broker.Store;
using AkkaMq.Client;
using AkkaMq.NameServer;
using AkkaMq.Protocol.Configuration;

namespace AkkaMq.Hosting;

/// <summary>Options for <see cref="AkkaMqHostingExtensions.WithAkkaMqClient"/>; null keeps the HOCON default.</summary>
public sealed class AkkaMqClientOptions
{
    /// <summary>NameServer addresses, "host:port;host:port".</summary>
    public string? NamesrvAddr { get; set; }
    public string? ClusterSystemName { get; set; }
    public TimeSpan? SendMsgTimeout { get; set; }
    public int? RetryTimesWhenSendFailed { get; set; }
    /// <summary>Access key (username) and secret key of a cluster with auth on; requests are signed with them.</summary>
    public string? AccessKey { get; set; }
    public string? SecretKey { get; set; }

    internal Config ToConfig()
    {
        var lines = new List<string>();
        if (NamesrvAddr != null) lines.Add($"akkamq.client.namesrvAddr = \"{NamesrvAddr}\"");
        if (ClusterSystemName != null) lines.Add($"akkamq.client.cluster-system-name = \"{ClusterSystemName}\"");
        if (SendMsgTimeout != null) lines.Add($"akkamq.client.producer.sendMsgTimeout = {(long)SendMsgTimeout.Value.TotalMilliseconds}ms");
        if (RetryTimesWhenSendFailed != null) lines.Add($"akkamq.client.producer.retryTimesWhenSendFailed = {RetryTimesWhenSendFailed}");
        if (AccessKey != null) lines.Add($"akkamq.client.access-key = {Quote(AccessKey)}");
        if (SecretKey != null) lines.Add($"akkamq.client.secret-key = {Quote(SecretKey)}");
        return ConfigurationFactory.ParseString(string.Join("\n", lines));
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>Marker for the producer actor in the ActorRegistry (<c>IRequiredActor&lt;AkkaMqProducerKey&gt;</c>).</summary>
public sealed class AkkaMqProducerKey;

/// <summary>Marker for the NameServer gateway in the ActorRegistry.</summary>
public sealed class AkkaMqNameServerKey;

/// <summary>Marker for the broker gateway in the ActorRegistry.</summary>
public sealed class AkkaMqBrokerKey;

/// <summary>Akka.Hosting extensions: run AkkaMq roles or clients inside any Akka.Hosting app.</summary>
public static class AkkaMqHostingExtensions
{
    /// <summary>AkkaMq's serializer bindings and remote frame size; every other extension adds them too.</summary>
    public static AkkaConfigurationBuilder WithAkkaMqSerialization(this AkkaConfigurationBuilder builder) =>
        builder.AddHocon(ProtocolConfig.Default, HoconAddMode.Append);

    /// <summary>
    /// A whole node from its HOCON (roles, broker identity, journal): what the akkamq-node
    /// executable runs. The app must not configure clustering itself.
    /// </summary>
    public static AkkaConfigurationBuilder WithAkkaMqNode(this AkkaConfigurationBuilder builder, Config nodeConfig,
        Action<ActorSystem, NodeSettings, JournalSetup?>? onStarted = null)
    {
        var settings = NodeSettings.Create(nodeConfig);
        var (config, journal) = AkkaMqNode.Compose(settings, nodeConfig);
        builder.AddHocon(config, HoconAddMode.Prepend);
        if (journal != null) builder.AddSetup(journal.DataOptions);
        if (ClusterTls.Setup(config) is { } pinned) builder.AddSetup(pinned);
        return builder.WithActors((system, registry) =>
        {
            AkkaMqNode.StartRoles(system, settings);
            if (settings.IsNameServer) registry.Register<AkkaMqNameServerKey>(system.ActorSelection("/user/" + NameServerGateway.Name).ResolveOne(TimeSpan.FromSeconds(5)).Result);
            if (settings.IsBroker) registry.Register<AkkaMqBrokerKey>(system.ActorSelection("/user/" + BrokerGateway.Name).ResolveOne(TimeSpan.FromSeconds(5)).Result);
            onStarted?.Invoke(system, settings, journal);
        });
    }

    /// <summary>Client settings (namesrvAddr etc.) for producers and consumers created in this system.</summary>
    public static AkkaConfigurationBuilder WithAkkaMqClient(this AkkaConfigurationBuilder builder, AkkaMqClientOptions? options = null)
    {
        builder.WithAkkaMqSerialization();
        if (options != null) builder.AddHocon(options.ToConfig(), HoconAddMode.Prepend);
        return builder.AddHocon(ClientSettings.DefaultConfig, HoconAddMode.Append);
    }

    public const string DefaultProducerActorName = "akkamq-producer";

    /// <summary>
    /// Starts the app's producer and registers its actor under <see cref="AkkaMqProducerKey"/>. For constructor
    /// injection of <see cref="IAkkaMqProducer"/> add <see cref="AkkaMqServiceCollectionExtensions.AddAkkaMqProducer"/> too;
    /// both share one producer.
    /// </summary>
    public static AkkaConfigurationBuilder WithAkkaMqProducer(this AkkaConfigurationBuilder builder, AkkaMqClientOptions? options = null,
        string actorName = DefaultProducerActorName)
    {
        builder.WithAkkaMqClient(options);
        return builder.WithActors((system, registry) =>
            registry.Register<AkkaMqProducerKey>(AkkaMqProducerProvider.Get(system).GetOrCreate(actorName).Actor));
    }
}
