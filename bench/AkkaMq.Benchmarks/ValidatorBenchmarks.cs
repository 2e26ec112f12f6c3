using AkkaMq.Protocol;
using BenchmarkDotNet.Attributes;

namespace AkkaMq.Benchmarks;

/// <summary>Validators.CheckMessage, which the producer and the broker gateway run on every message.</summary>
[MemoryDiagnoser]
public class ValidatorBenchmarks
{
    [Params(32)] public int N;

    [Params(0, 2)] public int Props;

    private Message[] _messages = null!;

    [GlobalSetup]
    public void Setup() => _messages = TestData.Messages(N, Props);

    [Benchmark]
    public int CheckMessages()
    {
        var errors = 0;
        foreach (var m in _messages)
            if (Validators.CheckMessage(m, MessageLimits.Default) != null) errors++;
        return errors;
    }
}
