using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.TestKit;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;

namespace AkkaMq.Benchmarks;

/// <summary>
/// The whole append path on a real in-process standalone node (temp SQLite journal, ASYNC_FLUSH,
/// serialize-messages off): N messages to one queue, awaiting every ack. Gateway_SendMessages is
/// one producer batch straight to /user/broker (gateway checks and split, QueueLog group commit,
/// journal write, acks); Producer_SendAsync is N sync sends through the AkkaMqProducer facade
/// (ProducerActor auto-batching on top). Allocations are process-wide, so they include the
/// journal (Akka.Persistence.Sql, linq2db, SQLite) and the node's background work.
/// </summary>
[MemoryDiagnoser]
public class NodeAppendBenchmarks
{
    [Params(1, 32, 1024)] public int N;

    private AkkaMqTestNode _node = null!;
    private IActorRef _gateway = null!;
    private IActorRef _waiter = null!;
    private SendMessages _batch = null!;
    private AkkaMqProducer _producer = null!;
    private Message[] _messages = null!;
    private MessageQueue _queue;
    private Task<SendResult>[] _sends = null!;

    [GlobalSetup]
    public void Setup()
    {
        _node = AkkaMqTestNode.StartStandalone(serializeMessages: false);
        _node.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        var brokerName = _node.Settings.Broker!.BrokerName;
        _queue = new MessageQueue(TestData.Topic, brokerName, 0);
        var clientConfig = ConfigurationFactory.ParseString($"akkamq.client.namesrvAddr = \"{_node.Address}\"")
            .WithFallback(_node.System.Settings.Config);
        _producer = AkkaMqProducer.Create(_node.System, ClientSettings.Create(clientConfig));
        _messages = TestData.Messages(N);
        _sends = new Task<SendResult>[N];
        // The first send auto-creates the topic; the gateway learns it from its shard.
        _producer.SendAsync(_messages[0], _queue).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        _gateway = _node.System.ActorSelection("/user/broker").ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        _waiter = _node.System.ActorOf(Props.Create(() => new AckWaiter()), "bench-ack-waiter");
        _batch = new SendMessages(brokerName, TestData.Entries(_messages));
        Gateway_SendMessages().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _producer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _node.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task Gateway_SendMessages()
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Told before the batch, so the waiter knows what to expect when the first acks arrive.
        _waiter.Tell(new AckWaiter.Expect(N, done));
        _gateway.Tell(_batch, _waiter);
        var failed = await done.Task;
        if (failed > 0) throw new InvalidOperationException($"{failed} of {N} sends failed");
    }

    [Benchmark]
    public async Task Producer_SendAsync()
    {
        for (var i = 0; i < N; i++) _sends[i] = _producer.SendAsync(_messages[i], _queue);
        await Task.WhenAll(_sends);
    }

    /// <summary>Counts the acks of one batch (they may come in several SendAcks, one per group commit).</summary>
    private sealed class AckWaiter : ReceiveActor
    {
        public sealed record Expect(int Count, TaskCompletionSource<int> Done);

        private int _left;
        private int _failed;
        private TaskCompletionSource<int>? _done;

        public AckWaiter()
        {
            Receive<Expect>(e =>
            {
                _left = e.Count;
                _failed = 0;
                _done = e.Done;
            });
            Receive<SendAcks>(m =>
            {
                for (var i = 0; i < m.Acks.Count; i++)
                    if (m.Acks[i].Code != ResponseCode.Success) _failed++;
                _left -= m.Acks.Count;
                if (_left <= 0) _done?.TrySetResult(_failed);
            });
        }
    }
}
