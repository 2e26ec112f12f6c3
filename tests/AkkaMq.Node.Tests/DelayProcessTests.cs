using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Node.Tests;

/// <summary>
/// Delayed messages acknowledged before a SIGKILL are in the timer wheel's journals: after a restart
/// every one arrives, none before its time, and those due after the restart within a second of it.
/// </summary>
public sealed class DelayProcessTests : IDisposable
{
    private const string Topic = "DelayedAfterKill";
    private const int Count = 300;
    private readonly ITestOutputHelper _output;
    private readonly StandaloneNodeProcess _process = new("akkamq-delay-");

    public DelayProcessTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _process.Dispose();

    private ActorSystem Client() => _process.Client("delay-client");

    [Fact]
    public async Task Delayed_messages_acknowledged_before_SIGKILL_arrive_after_restart_once_and_never_early()
    {
        // Due 30-33 s from now: after the kill and the restart, one bucket per 10 ms step spread over several seconds.
        var first = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 30_000;
        long DeliverAt(int i) => first + i * 10L;
        using (var node = await _process.StartAsync())
        {
            var client = Client();
            try
            {
                var producer = AkkaMqProducer.Create(client);
                await AkkaMqPullConsumer.Create(client, "delay-group").Context.CreateTopicAsync(TopicConfig.Create(Topic, 2));
                var sends = Enumerable.Range(0, Count).Select(i => producer.SendAsync(new Message(Topic, BitConverter.GetBytes(i), null, $"k{i}",
                    new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = DeliverAt(i).ToString() })));
                Assert.All(await Task.WhenAll(sends), r => Assert.Equal(SendStatus.SendOk, r.SendStatus));
            }
            finally
            {
                await client.Terminate();
            }
            node.Kill();
            _output.WriteLine($"killed node pid {node.Pid} with SIGKILL, {first - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} ms before the first delivery");
        }

        using (var node = await _process.StartAsync())
        {
            var readyAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var client = Client();
            try
            {
                var consumer = AkkaMqPullConsumer.Create(client, "delay-group");
                var queues = await consumer.FetchSubscribeMessageQueuesAsync(Topic);
                var got = new Dictionary<int, MessageExt>();
                var offsets = queues.ToDictionary(q => q, _ => 0L);
                await Eventually.AssertAsync(async () =>
                {
                    foreach (var q in queues)
                    {
                        var r = await consumer.PullAsync(q, "*", offsets[q], 100);
                        foreach (var m in r.Messages) Assert.True(got.TryAdd(BitConverter.ToInt32(m.Body), m), $"message {m.Keys} delivered twice");
                        if (r.Status == PullStatus.Found) offsets[q] = r.NextBeginOffset;
                    }
                    Assert.Equal(Count, got.Count);
                }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(200));

                var late = got.Select(kv => kv.Value.StoreTimestamp - DeliverAt(kv.Key)).ToList();
                _output.WriteLine($"restarted {readyAt - first} ms relative to the first delivery; lateness ms: min {late.Min()}, max {late.Max()}");
                Assert.All(got, kv => Assert.True(kv.Value.StoreTimestamp >= DeliverAt(kv.Key), $"{kv.Value.Keys} delivered {DeliverAt(kv.Key) - kv.Value.StoreTimestamp} ms early"));
                // Due with the node up again (and a second to settle): within a second of their time.
                foreach (var (i, m) in got)
                    if (DeliverAt(i) > readyAt + 1000) Assert.True(m.StoreTimestamp - DeliverAt(i) <= 1000, $"{m.Keys} {m.StoreTimestamp - DeliverAt(i)} ms late");
            }
            finally
            {
                await client.Terminate();
            }
            Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
