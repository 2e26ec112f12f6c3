using System.Diagnostics.Metrics;

namespace AkkaMq.Hosting.Http;

/// <summary>Node-level instruments (meter "AkkaMq.Node"): the journal's size on disk.</summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "AkkaMq.Node";
    private readonly Meter _meter = new(MeterName);

    public NodeMetrics(NodeSettings settings)
    {
        if (settings.Store is { Journal: "sqlite" } store)
        {
            var dir = Path.GetFullPath(store.DataDir);
            _meter.CreateObservableGauge("akkamq_storage_size", () => DirectorySize(dir), "bytes", "Bytes of the node's SQLite journal files");
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
