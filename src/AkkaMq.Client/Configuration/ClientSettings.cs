using Akka.Configuration;
using AkkaMq.Protocol.Configuration;

namespace AkkaMq.Client;

public sealed record ProducerSettings(
    string Group,
    TimeSpan SendMsgTimeout,
    int RetryTimesWhenSendFailed,
    int MaxMessageSize,
    int MaxBatchMessages,
    long MaxBatchBytes,
    int MaxInflightBatchesPerBroker,
    int MaxOutstandingSends,
    int StickyQueueMessages = 64)
{
    /// <summary>RocketMQ's latency-based broker fault avoidance (latencyMax / notAvailableDuration).</summary>
    public FaultAvoidanceSettings FaultAvoidance { get; init; } = FaultAvoidanceSettings.Default;

    /// <summary>How often a transaction producer tells every broker group it is a live member of its producer group (heartbeatBrokerInterval).</summary>
    public TimeSpan HeartbeatBrokerInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Check-backs a transaction producer answers at once; more are dropped and asked again (checkRequestHoldMax).</summary>
    public int CheckRequestHoldMax { get; init; } = 2000;

    /// <summary>False for a transaction producer's sends: its TransactionCheckActor heartbeats the group under the same client id.</summary>
    internal bool SendsHeartbeats { get; init; } = true;
}

/// <summary>Client settings, read from <c>akkamq.client</c>.</summary>
public sealed record ClientSettings(
    IReadOnlyList<string> NamesrvAddr,
    string ClusterSystemName,
    TimeSpan PollNameServerInterval,
    TimeSpan RequestTimeout,
    ProducerSettings Producer)
{
    public static Config DefaultConfig { get; } = ProtocolConfig.Load(typeof(ClientSettings).Assembly, "AkkaMq.Client.reference.conf")
        .WithFallback(ProtocolConfig.Default);

    public static ClientSettings Create(Config root)
    {
        var c = root.WithFallback(DefaultConfig).GetConfig("akkamq.client");
        var p = c.GetConfig("producer");
        var addrs = AkkaMq.Protocol.Configuration.NamesrvAddr.Parse(c.GetString("namesrvAddr"), "akkamq.client.namesrvAddr");
        if (addrs.Count == 0) throw new ConfigurationException("akkamq.client.namesrvAddr is empty: name at least one NameServer as host:port");
        var producer = new ProducerSettings(
            p.GetString("group"),
            p.GetTimeSpan("sendMsgTimeout"),
            p.GetInt("retryTimesWhenSendFailed"),
            p.GetInt("maxMessageSize"),
            Math.Max(1, p.GetInt("max-batch-messages")),
            (long)p.GetByteSize("max-batch-bytes")!,
            Math.Max(1, p.GetInt("max-inflight-batches-per-broker")),
            Math.Max(1, p.GetInt("max-outstanding-sends")),
            p.GetInt("sticky-queue-messages"))
        {
            FaultAvoidance = new FaultAvoidanceSettings(p.GetLongList("latencyMax").ToArray(), p.GetLongList("notAvailableDuration").ToArray())
                { SendLatencyFaultEnable = p.GetBoolean("sendLatencyFaultEnable"), DetectInterval = p.GetTimeSpan("detectInterval") }.Validated("akkamq.client.producer"),
            HeartbeatBrokerInterval = p.GetTimeSpan("heartbeatBrokerInterval"),
            CheckRequestHoldMax = p.GetInt("checkRequestHoldMax"),
        };
        if (producer.HeartbeatBrokerInterval <= TimeSpan.Zero) throw new ConfigurationException("akkamq.client.producer.heartbeatBrokerInterval must be positive");
        if (producer.CheckRequestHoldMax < 1) throw new ConfigurationException("akkamq.client.producer.checkRequestHoldMax must be at least 1");
        if (producer.SendMsgTimeout <= TimeSpan.Zero) throw new ConfigurationException("akkamq.client.producer.sendMsgTimeout must be positive");
        if (producer.StickyQueueMessages < 0) throw new ConfigurationException("akkamq.client.producer.sticky-queue-messages must not be negative");
        if (producer.RetryTimesWhenSendFailed < 0) throw new ConfigurationException("akkamq.client.producer.retryTimesWhenSendFailed must not be negative");
        return new ClientSettings(addrs, c.GetString("cluster-system-name"), c.GetTimeSpan("pollNameServerInterval"),
            c.GetTimeSpan("request-timeout"), producer)
        {
            RemoteProtocol = AkkaMq.Protocol.Configuration.RemoteProtocol.Of(root),
            DataChannel = c.GetBoolean("data-channel"),
            MaxFrameBytes = ProtocolConfig.MaxFrameBytes(root),
            ChannelSecurity = new AkkaMq.Protocol.Remoting.DataChannelClientSecurity(
                AkkaMq.Protocol.Security.TlsClientSettings.Create(root.WithFallback(DefaultConfig), "akkamq.client.tls"),
                c.GetString("access-key", "") ?? "", c.GetString("secret-key", "") ?? ""),
        };
    }

    /// <summary>TLS trust (akkamq.client.tls) and the credentials the data channel's handshake answers with.</summary>
    public AkkaMq.Protocol.Remoting.DataChannelClientSecurity ChannelSecurity { get; init; } = AkkaMq.Protocol.Remoting.DataChannelClientSecurity.None;

    /// <summary>Send over the broker's data channel (plain TCP) where the broker has one; else over Akka.Remote.</summary>
    public bool DataChannel { get; init; } = true;

    /// <summary>Largest data-channel frame (Akka.Remote's maximum-frame-size).</summary>
    public int MaxFrameBytes { get; init; } = ProtocolConfig.DefaultMaxFrameBytes;

    /// <summary>Protocol of the cluster's remote addresses (from the transport's config).</summary>
    public string RemoteProtocol { get; init; } = AkkaMq.Protocol.Configuration.RemoteProtocol.Default;

    /// <summary>Actor path of the NameServer gateway on a node.</summary>
    public string NameServerPath(string address) => $"{RemoteProtocol}://{ClusterSystemName}@{address}/user/namesrv";

    /// <summary>Actor path of the broker gateway on a node.</summary>
    public string BrokerPath(string address) => $"{RemoteProtocol}://{ClusterSystemName}@{address}/user/broker";
}
