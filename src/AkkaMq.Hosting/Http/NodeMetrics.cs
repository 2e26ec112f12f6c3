using System.Diagnostics.Metrics;
using Akka.Actor;
using AkkaMq.Broker.Memory;
using AkkaMq.Broker.Storage;

namespace AkkaMq.Hosting.Http;

/// <summary>Node-level instruments (meter "AkkaMq.Node"): the journal's size on disk and its disk's used ratio.</summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "AkkaMq.Node";
    private readonly Meter _meter = new(MeterName);

    /// <param name="system">The node's ActorSystem, for the disk watcher's last reading; null leaves that gauge out.</param>
    public NodeMetrics(NodeSettings settings, ActorSystem? system = null)
    {
        if (settings.Store is { Journal: "sqlite" } store)
        {
            var dir = Path.GetFullPath(store.DataDir);
            _meter.CreateObservableGauge("akkamq_storage_size", () => DirectorySize(dir), "bytes", "Bytes of the node's SQLite journal files");
        }
        if (settings.IsBroker && system != null)
        {
            var disk = DiskSpace.For(system);
            // No sample until the watcher has read the disk (or ever, on a PostgreSQL journal).
            _meter.CreateObservableGauge<double>("akkamq_storage_disk_used_ratio", () => disk.Current is { } d
                    ? new[] { new Measurement<double>(d.Usage.UsedRatio, new KeyValuePair<string, object?>("path", d.Path)) }
                    : Array.Empty<Measurement<double>>(),
                null, "Used ratio (0..1, as df) of the file system holding the data directory; sends are refused over diskSpaceWarningLevelRatio");
            var budget = MemoryBudget.For(system);
            _meter.CreateObservableGauge("akkamq_memory_budget_used_ratio", () => budget.UsedRatio, null,
                "Bytes held by queue tails, read-ahead and pending sends over akkamq.broker.memory.max-cache-bytes; caches give back above 1");
            _meter.CreateObservableGauge("akkamq_memory_budget_used_bytes", () => new[]
            {
                new Measurement<long>(budget.Cached, new KeyValuePair<string, object?>("kind", "cache")),
                new Measurement<long>(budget.Pending, new KeyValuePair<string, object?>("kind", "pending")),
            }, "bytes", "Bytes of the node's memory budget held by caches (tails, read-ahead) and by pending sends");
        }
    }

    private static long DirectorySize(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        long total = 0;
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            try { total += new FileInfo(f).Length; }
            catch (IOException) { } // a WAL file can vanish between listing and stat
        }
        return total;
    }

    public void Dispose() => _meter.Dispose();
}
