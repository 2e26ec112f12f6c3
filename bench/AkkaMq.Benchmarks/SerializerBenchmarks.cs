using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Serialization;
using AkkaMq.Protocol.Store;
using BenchmarkDotNet.Attributes;

namespace AkkaMq.Benchmarks;

/// <summary>
/// AkkaMqSerializer on the hot messages: a producer batch (SendMessages), its acks (SendAcks), a
/// pull reply (PullResult) and the group-commit event (MessagesAppended), N messages each.
/// </summary>
[MemoryDiagnoser]
public class SerializerBenchmarks
{
    [Params(1, 32, 1024)] public int N;

    /// <summary>User properties per message (0: the common case; 2: e.g. a trace id and a region).</summary>
    [Params(0, 2)] public int Props;

    private ActorSystem _system = null!;
    private AkkaMqSerializer _serializer = null!;
    private SendMessages _send = null!;
    private SendAcks _acks = null!;
    private PullResult _pull = null!;
    private MessagesAppended _appended = null!;
    private byte[] _sendBytes = null!, _acksBytes = null!, _pullBytes = null!, _appendedBytes = null!;
    private string _sendManifest = null!, _acksManifest = null!, _pullManifest = null!, _appendedManifest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench-serializer", "akka.loglevel = WARNING");
        _serializer = new AkkaMqSerializer((ExtendedActorSystem)_system);
        var msgs = TestData.Messages(N, Props);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _send = new SendMessages(TestData.BrokerName, TestData.Entries(msgs));
        var acks = new SendAck[N];
        for (var i = 0; i < N; i++) acks[i] = new SendAck(i + 1, ResponseCode.Success, null, SendStatus.SendOk, 0, 1_000_000 + i);
        _acks = new SendAcks(TestData.BrokerName, acks);
        var exts = new MessageExt[N];
        for (var i = 0; i < N; i++)
            exts[i] = new MessageExt(TestData.Topic, TestData.BrokerName, 0, 1_000_000 + i, msgs[i].Tags, msgs[i].Keys, msgs[i].Properties,
                msgs[i].Body, now, now);
        _pull = new PullResult(PullStatus.Found, 1_000_000 + N, 0, 1_000_000 + N, TestData.Topic, TestData.BrokerName, 0, exts,
            ResponseCode.Success, null);
        _appended = new MessagesAppended(1_000_000, now, TestData.Stored(msgs));

        _sendManifest = _serializer.Manifest(_send);
        _acksManifest = _serializer.Manifest(_acks);
        _pullManifest = _serializer.Manifest(_pull);
        _appendedManifest = _serializer.Manifest(_appended);
        _sendBytes = _serializer.ToBinary(_send);
        _acksBytes = _serializer.ToBinary(_acks);
        _pullBytes = _serializer.ToBinary(_pull);
        _appendedBytes = _serializer.ToBinary(_appended);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark] public byte[] SendMessages_ToBinary() => _serializer.ToBinary(_send);
    [Benchmark] public object SendMessages_FromBinary() => _serializer.FromBinary(_sendBytes, _sendManifest);
    [Benchmark] public byte[] SendAcks_ToBinary() => _serializer.ToBinary(_acks);
    [Benchmark] public object SendAcks_FromBinary() => _serializer.FromBinary(_acksBytes, _acksManifest);
    [Benchmark] public byte[] PullResult_ToBinary() => _serializer.ToBinary(_pull);
    [Benchmark] public object PullResult_FromBinary() => _serializer.FromBinary(_pullBytes, _pullManifest);
    [Benchmark] public byte[] MessagesAppended_ToBinary() => _serializer.ToBinary(_appended);
    [Benchmark] public object MessagesAppended_FromBinary() => _serializer.FromBinary(_appendedBytes, _appendedManifest);
}
