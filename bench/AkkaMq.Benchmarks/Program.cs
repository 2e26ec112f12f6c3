using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace AkkaMq.Benchmarks;

public static class Program
{
    // e.g. dotnet run -c Release --project bench/AkkaMq.Benchmarks -- --job short --filter '*Serializer*'
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args,
            DefaultConfig.Instance.AddColumn(PerMessageColumn.Time, PerMessageColumn.Allocated));
}
