using Akka.Configuration;

namespace AkkaMq.Hosting.Http;

/// <summary>The node's HTTP endpoint settings, from <c>akkamq.node.http</c>.</summary>
public sealed record NodeHttpSettings(bool Enabled, string Hostname, int Port, TimeSpan JournalCheckTimeout)
{
    public static NodeHttpSettings Create(Config config)
    {
        var c = config.WithFallback(NodeSettings.DefaultConfig).GetConfig("akkamq.node.http");
        var port = c.GetInt("port");
        if (port is < 0 or > 65535) throw new ConfigurationException($"akkamq.node.http.port {port} is not a port number");
        var host = c.GetString("hostname");
        if (string.IsNullOrWhiteSpace(host)) throw new ConfigurationException("akkamq.node.http.hostname is empty");
        var timeout = c.GetTimeSpan("journal-check-timeout");
        if (timeout <= TimeSpan.Zero) throw new ConfigurationException("akkamq.node.http.journal-check-timeout must be positive");
        return new NodeHttpSettings(c.GetBoolean("enabled"), host, port, timeout);
    }
}
