using Akka.Configuration;
using AkkaMq.Protocol.Configuration;

namespace AkkaMq.NameServer;

/// <summary>Settings of the NameServer, read from <c>akkamq.namesrv</c>.</summary>
public sealed record NameServerSettings(
    string Role,
    string ListenIP,
    int ListenPort,
    TimeSpan BrokerExpiry,
    TimeSpan ScanInterval,
    TimeSpan TopicCreationTimeout,
    int MaxQueueNums)
{
    public static Config DefaultConfig { get; } =
        ProtocolConfig.Load(typeof(NameServerSettings).Assembly, "AkkaMq.NameServer.reference.conf");

    public static NameServerSettings Create(Config root)
    {
        var c = root.WithFallback(DefaultConfig).GetConfig("akkamq.namesrv");
        var s = new NameServerSettings(
            c.GetString("role"),
            c.GetString("listenIP"),
            c.GetInt("listenPort"),
            c.GetTimeSpan("broker-expiry"),
            c.GetTimeSpan("scan-interval"),
            c.GetTimeSpan("topic-creation-timeout"),
            c.GetInt("max-queue-nums"));
        if (s.BrokerExpiry <= TimeSpan.Zero) throw new ConfigurationException("akkamq.namesrv.broker-expiry must be positive");
        if (s.ScanInterval <= TimeSpan.Zero) throw new ConfigurationException("akkamq.namesrv.scan-interval must be positive");
        if (s.ListenPort is < 0 or > 65535) throw new ConfigurationException($"akkamq.namesrv.listenPort {s.ListenPort} is not a port number");
        if (s.MaxQueueNums < 1) throw new ConfigurationException("akkamq.namesrv.max-queue-nums must be at least 1");
        return s;
    }
}
