using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AkkaMq.Benchmarks;

/// <summary>Mean time and allocated bytes divided by the benchmark's N (messages per operation).</summary>
public sealed class PerMessageColumn : IColumn
{
    public static readonly PerMessageColumn Time = new(bytes: false);
    public static readonly PerMessageColumn Allocated = new(bytes: true);

    private readonly bool _bytes;

    private PerMessageColumn(bool bytes) => _bytes = bytes;

    public string Id => _bytes ? "AllocatedPerMessage" : "MeanPerMessage";
    public string ColumnName => _bytes ? "Alloc/msg" : "Mean/msg";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => _bytes ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => _bytes ? "Allocated bytes per operation / N" : "Mean time per operation / N";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var n = 1;
        foreach (var p in benchmarkCase.Parameters.Items)
            if (p.Name == "N" && p.Value is int v) n = Math.Max(1, v);
        var report = summary[benchmarkCase];
        if (report == null) return "NA";
        if (_bytes)
        {
            var bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes == null ? "NA" : $"{(double)bytes.Value / n:N0} B";
        }
        var mean = report.ResultStatistics?.Mean;
        return mean == null ? "NA" : $"{mean.Value / n:N0} ns";
    }
}
