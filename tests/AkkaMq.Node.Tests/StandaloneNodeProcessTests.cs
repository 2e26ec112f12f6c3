using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;

namespace AkkaMq.Node.Tests;

/// <summary>
/// The standalone node as a real process from hocon/standalone.conf: 10,000 mixed sends, every
/// field read back, SIGKILL, restart, and every acknowledged message is still there.
/// </summary>
public sealed class StandaloneNodeProcessTests : IDisposable
{
    private const string Topic = "E2ETopic";
    private readonly ITestOutputHelper _output;
    private readonly StandaloneNodeProcess _process = new("akkamq-e2e-");

    public StandaloneNodeProcessTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _process.Dispose();

    private sealed record Expected(string Key, string? Tags, Dictionary<string, string> Props, byte[] Body, CommunicationMode Mode);

    private static Expected Make(int i)
    {
        var mode = (CommunicationMode)(i % 3);
        var body = (i % 3) switch
        {
            0 => Encoding.UTF8.GetBytes($"plain text message {i} ✓"),
            1 => Encoding.UTF8.GetBytes($"{{\"id\":{i},\"name\":\"order-{i}\",\"amount\":{i * 1.5}}}"),
            _ => Enumerable.Range(0, 64 + i % 512).Select(b => (byte)((b * 31 + i) % 256)).ToArray(),
        };
        var props = new Dictionary<string, string> { ["seq"] = i.ToString(), ["kind"] = (i % 3) switch { 0 => "text", 1 => "json", _ => "binary" } };
        return new Expected($"key-{i}", i % 4 == 0 ? null : $"Tag{i % 5}", props, body, mode);
    }

    private ActorSystem Client() => _process.Client("e2e-client");

    private static async Task<Dictionary<string, MessageExt>> ReadAll(AkkaMqPullConsumer consumer)
    {
        var all = new Dictionary<string, MessageExt>();
        foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync(Topic))
        {
            var offset = 0L;
            while (true)
            {
                var r = await consumer.PullAsync(q, "*", offset, 1000);
                if (r.Status != PullStatus.Found) break;
                foreach (var m in r.Messages) all.Add(m.Keys!, m);
                offset = r.NextBeginOffset;
            }
        }
        return all;
    }

    private static void AssertSame(Expected e, MessageExt m)
    {
        Assert.Equal(e.Body, m.Body);
        Assert.Equal(e.Tags, m.Tags);
        Assert.Equal(e.Key, m.Keys);
        Assert.Equal(e.Props, m.Properties);
        Assert.Equal(Topic, m.Topic);
    }

    [Theory]
    [InlineData("ASYNC_FLUSH")]
    [InlineData("SYNC_FLUSH")]
    public async Task Acknowledged_messages_survive_SIGKILL_and_restart(string flushDiskType)
    {
        // The shipped standalone config, with only the port, data directory and flush mode set for the test.
        _process.WriteConfig($"akkamq.broker.flushDiskType = {flushDiskType}");
        const int count = 10_000;
        var expected = Enumerable.Range(0, count).Select(Make).ToList();
        var acked = new ConcurrentDictionary<string, SendResult>();
        Dictionary<string, MessageExt> before;

        using (var node = await _process.StartAsync())
        {
            Assert.Contains(flushDiskType == "SYNC_FLUSH" ? "synchronous=FULL" : "synchronous=NORMAL", node.Output);
            var client = Client();
            try
            {
                var producer = AkkaMqProducer.Create(client);
                var consumer = AkkaMqPullConsumer.Create(client, "e2e-group");
                await consumer.Context.CreateTopicAsync(TopicConfig.Create(Topic, 4));

                var pending = new List<Task>();
                async Task SendRecorded(AkkaMqProducer p, Message m, string key) => acked[key] = await p.SendAsync(m);
                foreach (var e in expected)
                {
                    var msg = new Message(Topic, e.Body, e.Tags, e.Key, e.Props);
                    switch (e.Mode)
                    {
                        case CommunicationMode.Sync:
                            pending.Add(SendRecorded(producer, msg, e.Key));
                            break;
                        case CommunicationMode.Async:
                            var tcs = new TaskCompletionSource();
                            producer.Send(msg, (r, ex) =>
                            {
                                if (r != null) acked[e.Key] = r;
                                tcs.SetResult();
                            });
                            pending.Add(tcs.Task);
                            break;
                        default:
                            producer.SendOneway(msg);
                            break;
                    }
                }
                await Task.WhenAll(pending);
                var ackable = expected.Count(e => e.Mode != CommunicationMode.Oneway);
                Assert.Equal(ackable, acked.Count);

                // Every field of every stored message, read back by offset.
                before = await ReadAll(consumer);
                foreach (var e in expected)
                {
                    if (before.TryGetValue(e.Key, out var m)) AssertSame(e, m);
                    else Assert.Equal(CommunicationMode.Oneway, e.Mode);
                }
                foreach (var (key, r) in acked)
                {
                    Assert.Equal(r.MsgId, before[key].MsgId);
                    Assert.Equal(r.QueueOffset, before[key].QueueOffset);
                }

                var q0 = (await consumer.FetchSubscribeMessageQueuesAsync(Topic))[0];
                await consumer.UpdateConsumeOffsetAsync(q0, 123);
            }
            finally
            {
                await client.Terminate();
            }
            node.Kill();
            _output.WriteLine($"killed node pid {node.Pid} with SIGKILL");
        }

        using (var node = await _process.StartAsync())
        {
            var client = Client();
            try
            {
                var consumer = AkkaMqPullConsumer.Create(client, "e2e-group");
                var after = await ReadAll(consumer);
                foreach (var (key, r) in acked)
                {
                    Assert.True(after.TryGetValue(key, out var m), $"acknowledged message {key} ({r.MsgId}) lost");
                    AssertSame(expected[int.Parse(key[4..])], m!);
                    Assert.Equal(r.MsgId, m!.MsgId);
                }
                var onewaySent = expected.Count(e => e.Mode == CommunicationMode.Oneway);
                var onewayBefore = before.Values.Count(m => m.Properties["seq"] is var s && int.Parse(s) % 3 == 2);
                var onewayAfter = after.Values.Count(m => int.Parse(m.Properties["seq"]) % 3 == 2);
                _output.WriteLine($"acknowledged {acked.Count}, all found after restart; one-way sent {onewaySent}, stored before kill {onewayBefore}, found after restart {onewayAfter}");
                Assert.Equal(onewayBefore, onewayAfter);
                Assert.Equal(before.Count, after.Count);

                var q0 = (await consumer.FetchSubscribeMessageQueuesAsync(Topic))[0];
                Assert.Equal(123, await consumer.FetchConsumeOffsetAsync(q0));
            }
            finally
            {
                await client.Terminate();
            }
            Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("AkkaMq node stopped", node.Output);
            // Akka's singleton proxies warned of a NameServer "not found after 30 seconds" on every start and stop.
            Assert.DoesNotContain("failed to find an associated singleton", node.Output);
        }
    }
}
