using AkkaMq.Protocol;
using BenchmarkDotNet.Attributes;

namespace AkkaMq.Benchmarks;

/// <summary>MessageId.Encode, which the producer runs for every acked message (SendResult.MsgId).</summary>
[MemoryDiagnoser]
public class MessageIdBenchmarks
{
    [Benchmark]
    public string Encode() => MessageId.Encode(TestData.BrokerName, TestData.Topic, 3, 1_000_000);
}
