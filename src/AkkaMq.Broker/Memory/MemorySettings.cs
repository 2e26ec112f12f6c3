using Akka.Configuration;

namespace AkkaMq.Broker.Memory;

/// <summary>
/// The node's memory budget (akkamq.broker.memory) and the cap on queues auto-create may add
/// (akkamq.broker.autoCreateQueueLimit). Invariant: MaxCacheBytes &gt;= 1 MiB, AutoCreateQueueLimit &gt;= 0.
/// </summary>
/// <param name="MaxCacheBytes">Bytes of tails, read-ahead ranges and pending sends the node's queue logs hold together.</param>
/// <param name="AutoCreateQueueLimit">Auto-create is refused once the broker group holds this many queues; 0 = no auto-create.</param>
public sealed record MemorySettings(long MaxCacheBytes, int AutoCreateQueueLimit)
{
    public const string MaxCacheBytesKey = "memory.max-cache-bytes";
    public const string AutoCreateQueueLimitKey = "autoCreateQueueLimit";
    public const string CollectAfterGivenBackKey = "memory.collect-after-given-back";

    /// <summary>auto for collect-after-given-back: a quarter of the budget, at most this, so the GC's slack stays a constant.</summary>
    public const long CollectAutoCap = 64L << 20;

    /// <summary>auto: this fraction of the memory the GC may use (the container's limit, or the machine's), within the floor and cap.</summary>
    public const double AutoFraction = 0.25;
    public const long AutoFloor = 64L << 20;
    public const long AutoCap = 2L << 30;

    public static readonly MemorySettings Default = new(Auto(), 10_000) { CollectAfterGivenBack = CollectAuto(Auto()) };

    /// <summary>
    /// Bytes the caches may give back before the node asks for a background gen2 collection
    /// (<see cref="GivenBackCollector"/>); 0 = never ask.
    /// </summary>
    public long CollectAfterGivenBack { get; init; }

    /// <summary>A quarter of the budget, at most <see cref="CollectAutoCap"/>.</summary>
    public static long CollectAuto(long maxCacheBytes) => Math.Min(maxCacheBytes / 4, CollectAutoCap);

    /// <summary>A quarter of the memory the GC may use, at least 64 MiB and at most 2 GiB.</summary>
    public static long Auto() => Auto(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    public static long Auto(long availableBytes) => Math.Clamp((long)(availableBytes * AutoFraction), AutoFloor, AutoCap);

    /// <summary>Reads and checks the keys of <c>akkamq.broker</c> (defaults from the embedded reference.conf); a bad value throws naming its key.</summary>
    public static MemorySettings Create(Config brokerConfig)
    {
        const string p = "akkamq.broker.";
        var c = brokerConfig.WithFallback(BrokerSettings.DefaultConfig.GetConfig("akkamq.broker"));
        var text = c.GetString(MaxCacheBytesKey)?.Trim() ?? "auto";
        long bytes;
        if (text == "auto") bytes = Auto();
        else
        {
            long? parsed;
            try { parsed = c.GetByteSize(MaxCacheBytesKey); }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{p}{MaxCacheBytesKey} must be auto or a size such as 512 MiB, not '{text}'");
            }
            bytes = parsed ?? throw new ConfigurationException($"{p}{MaxCacheBytesKey} must be auto or a size such as 512 MiB, not '{text}'");
            if (bytes < 1L << 20) throw new ConfigurationException($"{p}{MaxCacheBytesKey} must be at least 1 MiB, not {bytes} bytes");
        }
        var limitText = c.GetString(AutoCreateQueueLimitKey);
        if (!int.TryParse(limitText, out var limit) || limit < 0)
            throw new ConfigurationException($"{p}{AutoCreateQueueLimitKey} must be a whole number of queues, 0 or more, not '{limitText}'");
        var collectText = c.GetString(CollectAfterGivenBackKey)?.Trim() ?? "auto";
        long collect;
        if (collectText == "auto") collect = CollectAuto(bytes);
        else
        {
            long? parsed;
            try { parsed = c.GetByteSize(CollectAfterGivenBackKey); }
            catch (Exception e) when (e is not ConfigurationException) { parsed = null; }
            if (parsed is not { } v || v < 0)
                throw new ConfigurationException($"{p}{CollectAfterGivenBackKey} must be auto, 0 (off) or a size such as 64 MiB, not '{collectText}'");
            collect = v;
        }
        return new MemorySettings(bytes, limit) { CollectAfterGivenBack = collect };
    }
}
