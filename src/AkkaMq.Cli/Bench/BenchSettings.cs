namespace AkkaMq.Cli.Bench;

/// <summary>Options every bench subcommand shares, as parsed.</summary>
public sealed record BenchSettings(
    string NamesrvAddr,
    bool StartNode,
    string? NodeDll,
    string? Flush,
    string Topic,
    int Queues,
    int Size,
    int Warmup,
    double WarmupSeconds,
    double MaxSeconds,
    int BrokerPid,
    string? Tag,
    bool Verbose,
    string? ClientConfig = null,
    string? NodeConfig = null)
{
    /// <summary>The flush mode to report: the one the started node uses, what --flush claims, or unknown.</summary>
    public string FlushForReport => Flush ?? (StartNode ? "ASYNC_FLUSH" : "unknown");

    /// <summary>A fresh topic name per run, so runs never read each other's messages.</summary>
    public static string DefaultTopic() => "BenchTopic" + Guid.NewGuid().ToString("N")[..6];
}
