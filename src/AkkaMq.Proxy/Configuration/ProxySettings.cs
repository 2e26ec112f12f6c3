using Akka.Configuration;
using AkkaMq.Protocol.Configuration;

namespace AkkaMq.Proxy;

/// <summary>The gRPC endpoint's settings, from <c>akkamq.proxy</c>.</summary>
public sealed record ProxySettings(int GrpcPort, TimeSpan RequestTimeout, int ProducerMaxAttempts, int ReceiveBatchSize,
    TimeSpan LongPollingTimeout, int ConsumerMaxAttempts)
{
    public static Config DefaultConfig { get; } = ProtocolConfig.Load(typeof(ProxySettings).Assembly, "AkkaMq.Proxy.reference.conf");

    public static ProxySettings Default { get; } = Create(DefaultConfig);

    /// <summary>False when akkamq.proxy.grpc.port is -1.</summary>
    public bool Enabled => GrpcPort >= 0;

    public static ProxySettings Create(Config config)
    {
        var c = (ReferenceEquals(config, DefaultConfig) ? config : config.WithFallback(DefaultConfig)).GetConfig("akkamq.proxy");
        var port = c.GetInt("grpc.port");
        if (port is < -1 or > 65535) throw new ConfigurationException($"akkamq.proxy.grpc.port {port} is not a port number (-1 turns the endpoint off)");
        var settings = new ProxySettings(port, c.GetTimeSpan("request-timeout"), c.GetInt("producer.max-attempts"),
            c.GetInt("consumer.receive-batch-size"), c.GetTimeSpan("consumer.long-polling-timeout"), c.GetInt("consumer.max-attempts"));
        if (settings.RequestTimeout <= TimeSpan.Zero) throw new ConfigurationException("akkamq.proxy.request-timeout must be positive");
        if (settings.ProducerMaxAttempts < 1) throw new ConfigurationException("akkamq.proxy.producer.max-attempts must be at least 1");
        if (settings.ReceiveBatchSize < 1) throw new ConfigurationException("akkamq.proxy.consumer.receive-batch-size must be at least 1");
        if (settings.LongPollingTimeout <= TimeSpan.Zero) throw new ConfigurationException("akkamq.proxy.consumer.long-polling-timeout must be positive");
        if (settings.ConsumerMaxAttempts < 1) throw new ConfigurationException("akkamq.proxy.consumer.max-attempts must be at least 1");
        return settings;
    }
}
