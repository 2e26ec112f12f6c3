using Akka.Configuration;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// Limits a data-channel server holds against hostile or broken clients (akkamq.broker.data-channel).
/// A zero count or time turns that limit off. The defaults sit far above what a working client does,
/// so normal load never meets them (docs/security.md).
/// </summary>
/// <param name="MaxConnections">Open connections the node accepts; one more is closed at once.</param>
/// <param name="MaxConnectionsPerIp">Open connections from one source address.</param>
/// <param name="HandshakeTimeout">The preamble must arrive within this of the connection opening.</param>
/// <param name="FrameTimeout">A frame begun must be complete within this (a client dribbling bytes is closed).</param>
/// <param name="IdleTimeout">A connection with nothing read and nothing in flight for this long is closed.</param>
/// <param name="MaxInflightRequests">Requests (messages of a send batch, pulls) read and not yet answered; past it, reading pauses until answers drain.</param>
/// <param name="MaxOutputBytes">Answers queued for a client that does not read them; past it the connection is closed.</param>
public sealed record DataChannelLimits(
    int MaxConnections,
    int MaxConnectionsPerIp,
    TimeSpan HandshakeTimeout,
    TimeSpan FrameTimeout,
    TimeSpan IdleTimeout,
    int MaxInflightRequests,
    long MaxOutputBytes)
{
    /// <summary>The reference.conf defaults, for servers built in code.</summary>
    public static DataChannelLimits Default { get; } = new(10_000, 1_000, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60),
        TimeSpan.FromMinutes(10), 16_384, 128L << 20);

    /// <summary>Reads the data-channel block; <paramref name="path"/> names it in errors.</summary>
    public static DataChannelLimits Create(Config c, string path)
    {
        var limits = new DataChannelLimits(
            NonNegative(c.GetInt("max-connections"), "max-connections"),
            NonNegative(c.GetInt("max-connections-per-ip"), "max-connections-per-ip"),
            Time(c, "handshake-timeout"),
            Time(c, "frame-timeout"),
            Time(c, "idle-timeout"),
            NonNegative(c.GetInt("max-inflight-requests"), "max-inflight-requests"),
            (long)(c.GetByteSize("max-output-bytes") ?? 0));
        if (limits.MaxOutputBytes < 0) throw new ConfigurationException($"{path}max-output-bytes must not be negative");
        return limits;

        int NonNegative(int v, string key) =>
            v >= 0 ? v : throw new ConfigurationException($"{path}{key} must not be negative (0 = no limit), not {v}");

        TimeSpan Time(Config cfg, string key)
        {
            var t = cfg.GetTimeSpan(key);
            return t >= TimeSpan.Zero ? t : throw new ConfigurationException($"{path}{key} must not be negative (0s = off), not {t}");
        }
    }

    /// <summary>How often the server looks for connections past a timeout: a quarter of the shortest one, 50 ms..1 s.</summary>
    public TimeSpan SweepInterval
    {
        get
        {
            var shortest = TimeSpan.FromSeconds(4);
            foreach (var t in new[] { HandshakeTimeout, FrameTimeout, IdleTimeout })
                if (t > TimeSpan.Zero && t < shortest) shortest = t;
            return TimeSpan.FromMilliseconds(Math.Clamp(shortest.TotalMilliseconds / 4, 50, 1000));
        }
    }
}
