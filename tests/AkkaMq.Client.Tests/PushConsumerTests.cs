using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.TestKit;

namespace AkkaMq.Client.Tests;

/// <summary>One node and one client system for the push consumer tests (they use distinct topics and groups).</summary>
public sealed class PushConsumerFixture : IAsyncLifetime
{
    private NodeAndClient _nodeAndClient = null!;

    public AkkaMqTestNode Node => _nodeAndClient.Node;
    public ActorSystem Client => _nodeAndClient.Client;
    public AkkaMqProducer Producer => _nodeAndClient.Producer;

    // Short delay levels (level n = n * 100 ms) so retries come back within the test.
    public async Task InitializeAsync() => _nodeAndClient = await NodeAndClient.StartAsync("""
        akkamq.broker.messageDelayLevel = "100ms 200ms 300ms 400ms 500ms 600ms 700ms 800ms 900ms 1s 1100ms 1200ms 1300ms 1400ms 1500ms 1600ms 1700ms 1800ms"
        """);

    public async Task DisposeAsync() => await _nodeAndClient.DisposeAsync();
}

public sealed class PushConsumerTests : IClassFixture<PushConsumerFixture>, IAsyncLifetime
{
    private readonly PushConsumerFixture _fx;
    private readonly ITestOutputHelper _out;
    private readonly List<AkkaMqPushConsumer> _started = new();
    private readonly string _tempDir = Path.Combine(Path.GetTempPath(), "akkamq-offsets-" + Guid.NewGuid().ToString("N"));

    public PushConsumerTests(PushConsumerFixture fx, ITestOutputHelper output)
    {
        _fx = fx;
        _out = output;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _started) await c.ShutdownAsync();
        if (Directory.Exists(_tempDir)) Directory.Delete(_tempDir, true);
    }

    private PushConsumerSettings Defaults => PushConsumerSettings.Create(_fx.Client.Settings.Config) with
    {
        ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
        OffsetStoreDir = _tempDir,
    };

    private AkkaMqPushConsumer NewConsumer(string group, string topic, MessageListenerConcurrently listener, PushConsumerSettings? settings = null)
    {
        var c = AkkaMqPushConsumer.Create(_fx.Client, group, settings ?? Defaults);
        c.Subscribe(topic);
        c.RegisterMessageListener(listener);
        return c;
    }

    private async Task StartAsync(AkkaMqPushConsumer c)
    {
        await c.StartAsync();
        _started.Add(c);
    }

    private async Task StopAsync(AkkaMqPushConsumer c)
    {
        _started.Remove(c);
        await c.ShutdownAsync();
    }

    private static string Body(MessageExt m) => Encoding.UTF8.GetString(m.Body);

    private static Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe) =>
        AkkaMq.Tests.Eventually.TrueAsync(condition, describe, timeout);

    private Task SendAll(string topic, IEnumerable<string> bodies) =>
        Task.WhenAll(bodies.Select(b => _fx.Producer.SendAsync(Message.FromText(topic, b))));

    /// <summary>Waits until the members' owned queues are exactly a partition of the topic's queues.</summary>
    private static async Task AwaitPartition(IReadOnlyList<AkkaMqPushConsumer> members, string topic, int queues)
    {
        IReadOnlyList<MessageQueue>[] owned = Array.Empty<IReadOnlyList<MessageQueue>>();
        await Eventually(async () =>
        {
            owned = await Task.WhenAll(members.Select(async m => (IReadOnlyList<MessageQueue>)(await m.GetRuntimeInfoAsync()).OwnedQueues.Where(q => q.Topic == topic).ToList()));
            var all = owned.SelectMany(x => x).ToList();
            return all.Count == queues && all.Distinct().Count() == queues && owned.All(o => o.Count > 0);
        }, TimeSpan.FromSeconds(20), () => "owned: " + string.Join(" | ", owned.Select(o => string.Join(",", o.Select(q => q.QueueId)))));
    }

    [Fact]
    public async Task Group_of_three_consumes_each_message_once_then_takes_over_a_stopped_members_queues_without_a_gap()
    {
        const string topic = "PushGroupTopic";
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 8));
        var received = new ConcurrentDictionary<string, int>();
        var byMember = new ConcurrentDictionary<string, int>();
        MessageListenerConcurrently Listener(string name) => (msgs, _) =>
        {
            foreach (var m in msgs)
            {
                received.AddOrUpdate(Body(m), 1, (_, n) => n + 1);
                byMember.AddOrUpdate(name, 1, (_, n) => n + 1);
            }
            return Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess);
        };
        var members = new[] { "a", "b", "c" }.Select(n => NewConsumer("push-group", topic, Listener(n))).ToList();
        foreach (var m in members) await StartAsync(m);
        await AwaitPartition(members, topic, 8);

        // Steady state: every message exactly once, spread over all three members.
        var phase1 = Enumerable.Range(0, 2000).Select(i => $"p1-{i}").ToList();
        await SendAll(topic, phase1);
        await Eventually(() => Task.FromResult(phase1.All(received.ContainsKey)), TimeSpan.FromSeconds(30),
            () => $"{phase1.Count(received.ContainsKey)} of {phase1.Count} received");
        Assert.All(phase1, b => Assert.Equal(1, received[b]));
        Assert.Equal(3, byMember.Count);
        _out.WriteLine("per member: " + string.Join(", ", byMember.Select(kv => $"{kv.Key}={kv.Value}")));

        // Stop c while messages keep coming: a and b take over its queues from its committed offsets.
        var phase2 = Enumerable.Range(0, 1500).Select(i => $"p2-{i}").ToList();
        var sending = SendAll(topic, phase2);
        await Eventually(() => Task.FromResult(received.Keys.Count(k => k.StartsWith("p2-")) >= 300), TimeSpan.FromSeconds(20), () => "phase 2 started");
        await StopAsync(members[2]);
        await sending;
        await AwaitPartition(members.Take(2).ToList(), topic, 8);
        await Eventually(() => Task.FromResult(phase2.All(received.ContainsKey)), TimeSpan.FromSeconds(30),
            () => $"{phase2.Count(received.ContainsKey)} of {phase2.Count} received; missing e.g. {string.Join(",", phase2.Where(b => !received.ContainsKey(b)).Take(5))}");
        _out.WriteLine($"phase 2 duplicates after the takeover: {phase2.Count(b => received[b] > 1)}");

        // And the group's committed offsets cover everything once consumers settle (nothing left behind).
        var phase3 = Enumerable.Range(0, 200).Select(i => $"p3-{i}").ToList();
        await SendAll(topic, phase3);
        await Eventually(() => Task.FromResult(phase3.All(received.ContainsKey)), TimeSpan.FromSeconds(20), () => "phase 3");
        Assert.All(phase3, b => Assert.Equal(1, received[b]));
    }

    [Fact]
    public async Task Broadcasting_delivers_every_message_to_every_member_and_resumes_from_local_offsets()
    {
        const string topic = "PushBroadcastTopic";
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 4));
        var got = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        MessageListenerConcurrently Listener(string name) => (msgs, _) =>
        {
            foreach (var m in msgs) got.GetOrAdd(name, _ => new()).Add(Body(m));
            return Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess);
        };
        PushConsumerSettings Settings(string instance) => Defaults with { MessageModel = MessageModel.Broadcasting, InstanceName = instance };
        var x = NewConsumer("push-broadcast", topic, Listener("x"), Settings("x"));
        var y = NewConsumer("push-broadcast", topic, Listener("y"), Settings("y"));
        await StartAsync(x);
        await StartAsync(y);
        await Eventually(async () => (await x.GetRuntimeInfoAsync()).OwnedQueues.Count == 4 && (await y.GetRuntimeInfoAsync()).OwnedQueues.Count == 4,
            TimeSpan.FromSeconds(20), () => "both own all 4 queues");

        var bodies = Enumerable.Range(0, 300).Select(i => $"b-{i}").ToList();
        await SendAll(topic, bodies);
        await Eventually(() => Task.FromResult(got.Count == 2 && got.Values.All(b => b.Count >= bodies.Count)), TimeSpan.FromSeconds(20),
            () => string.Join(", ", got.Select(kv => $"{kv.Key}={kv.Value.Count}")));
        Assert.Equal(bodies.ToHashSet(), got["x"].ToHashSet());
        Assert.Equal(bodies.ToHashSet(), got["y"].ToHashSet());
        Assert.Equal(bodies.Count, got["x"].Count);

        // x stops (offsets to its local file); restarted with the same instance name it reads only what is new.
        await StopAsync(x);
        Assert.True(File.Exists(Path.Combine(_tempDir, "x", "push-broadcast", "offsets.json")));
        got.Clear();
        var x2 = NewConsumer("push-broadcast", topic, Listener("x"), Settings("x"));
        await StartAsync(x2);
        var more = Enumerable.Range(0, 20).Select(i => $"m-{i}").ToList();
        await Eventually(async () => (await x2.GetRuntimeInfoAsync()).OwnedQueues.Count == 4, TimeSpan.FromSeconds(20), () => "x2 owns all queues");
        await SendAll(topic, more);
        await Eventually(() => Task.FromResult(got.TryGetValue("x", out var b) && b.Count >= more.Count), TimeSpan.FromSeconds(20), () => "x2 got the new ones");
        Assert.Equal(more.ToHashSet(), got["x"].ToHashSet());
    }

    [Fact]
    public async Task Pulls_pause_while_the_queue_cache_is_full_and_resume_as_the_listener_catches_up()
    {
        const string topic = "PushFlowTopic";
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 1));
        await SendAll(topic, Enumerable.Range(0, 200).Select(i => $"f-{i}"));
        var gate = new TaskCompletionSource();
        var consumed = new ConcurrentDictionary<string, bool>();
        var c = NewConsumer("push-flow", topic, async (msgs, _) =>
        {
            await gate.Task;
            foreach (var m in msgs) consumed[Body(m)] = true;
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        }, Defaults with { PullThresholdForQueue = 10, PullBatchSize = 5, ConsumeThreadMax = 2 });
        await StartAsync(c);
        await Eventually(async () => (await c.GetRuntimeInfoAsync()).FlowControlTimes > 3, TimeSpan.FromSeconds(20), () => "flow control engaged");
        var info = await c.GetRuntimeInfoAsync();
        // At most threshold - 1 cached before the last pull, plus that pull's batch.
        Assert.InRange(info.CachedMessages, 10, 14);
        gate.SetResult();
        await Eventually(() => Task.FromResult(consumed.Count == 200), TimeSpan.FromSeconds(20), () => $"{consumed.Count} of 200 consumed");
    }

    [Fact]
    public async Task Failed_messages_come_back_through_the_retry_topic_then_go_to_the_DLQ_after_maxReconsumeTimes()
    {
        const string topic = "PushRetryTopic";
        const string group = "push-retry";
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 2));
        var deliveries = new ConcurrentQueue<(string Body, int Reconsume, string Topic, string? Origin, string MsgId)>();
        var c = NewConsumer(group, topic, (msgs, _) =>
        {
            var m = msgs[0];
            var n = MessageConst.ReconsumeTimes(m);
            deliveries.Enqueue((Body(m), n, m.Topic, m.Properties.GetValueOrDefault(MessageConst.OriginMessageId), m.MsgId));
            return Body(m) switch
            {
                "throws" when n == 0 => throw new InvalidOperationException("listener bug"),
                "twice" when n < 2 => Task.FromResult(ConsumeConcurrentlyStatus.ReconsumeLater),
                "poison" => Task.FromResult(ConsumeConcurrentlyStatus.ReconsumeLater),
                _ => Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess),
            };
        }, Defaults with { MaxReconsumeTimes = 2 });
        await StartAsync(c);
        await Eventually(async () => (await c.GetRuntimeInfoAsync()).OwnedQueues.Count == 3, TimeSpan.FromSeconds(20), () => "owns 2 queues + its retry queue");
        var sent = new Dictionary<string, string>();
        foreach (var b in new[] { "ok", "throws", "twice", "poison" })
            sent[b] = (await _fx.Producer.SendAsync(Message.FromText(topic, b))).MsgId;

        var pull = new AkkaMqPullConsumer(c.Context, "dlq-reader");
        IReadOnlyList<MessageQueue>? dlq = null;
        try { dlq = await pull.FetchSubscribeMessageQueuesAsync(MessageConst.GetDlqTopic(group)); }
        catch (AkkaMqException) { } // the DLQ topic may not exist yet
        await Eventually(async () =>
        {
            try
            {
                var q = new MessageQueue(MessageConst.GetDlqTopic(group), _fx.Node.Settings.Broker!.BrokerName, 0);
                return (await pull.PullAsync(q, "*", 0, 10)).Messages.Count == 1 && deliveries.Count(d => d.Body == "twice") == 3;
            }
            catch (AkkaMqException) { return false; }
        }, TimeSpan.FromSeconds(30), () => string.Join(", ", deliveries.Select(d => $"{d.Body}#{d.Reconsume}")));

        var byBody = deliveries.GroupBy(d => d.Body).ToDictionary(g => g.Key, g => g.OrderBy(d => d.Reconsume).ToList());
        Assert.Single(byBody["ok"]);
        Assert.Equal(new[] { 0, 1 }, byBody["throws"].Select(d => d.Reconsume));
        Assert.Equal(new[] { 0, 1, 2 }, byBody["twice"].Select(d => d.Reconsume));
        Assert.Equal(new[] { 0, 1, 2 }, byBody["poison"].Select(d => d.Reconsume)); // first delivery + maxReconsumeTimes retries
        // A retried message shows its first topic and carries the first message id.
        Assert.All(deliveries, d => Assert.Equal(topic, d.Topic));
        Assert.All(deliveries.Where(d => d.Reconsume > 0), d => Assert.Equal(sent[d.Body], d.Origin));

        var dead = (await pull.PullAsync(new MessageQueue(MessageConst.GetDlqTopic(group), _fx.Node.Settings.Broker!.BrokerName, 0), "*", 0, 10)).Messages.Single();
        Assert.Equal("poison", Body(dead));
        Assert.Equal("3", dead.Properties[MessageConst.ReconsumeTime]);
        Assert.Equal(sent["poison"], dead.Properties[MessageConst.OriginMessageId]);
        _ = dlq;
    }

    [Fact]
    public async Task Orderly_consumers_keep_per_key_order_of_20000_messages_through_a_consumer_crash_and_rebalance()
    {
        const string topic = "PushOrderTopic";
        const string group = "push-orderly";
        const int keys = 100, perKey = 200;
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 8));

        var gate = new object();
        var maxSeen = new Dictionary<string, int>();
        var violations = new List<string>();
        var inQueue = new ConcurrentDictionary<int, int>();
        var deliveries = 0;
        var victimCrashed = false;
        var never = new TaskCompletionSource<ConsumeOrderlyStatus>();
        MessageListenerOrderly Listener(string name) => (msgs, ctx) =>
        {
            // A crashed process runs no more code: its leftover calls never finish and record nothing.
            if (name == "victim" && Volatile.Read(ref victimCrashed)) return never.Task;
            if (inQueue.AddOrUpdate(ctx.MessageQueue.QueueId, 1, (_, n) => n + 1) > 1)
                lock (gate) violations.Add($"two consumers in queue {ctx.MessageQueue.QueueId} at once");
            foreach (var m in msgs)
            {
                var parts = Body(m).Split(':');
                var seq = int.Parse(parts[1]);
                lock (gate)
                {
                    var last = maxSeen.GetValueOrDefault(parts[0], -1);
                    // A redelivery after the crash may repeat what was seen (at-least-once); a new message must be the next one.
                    if (seq > last + 1) violations.Add($"{parts[0]}: {seq} after {last}");
                    if (seq == last + 1) maxSeen[parts[0]] = seq;
                }
            }
            Interlocked.Add(ref deliveries, msgs.Count);
            inQueue.AddOrUpdate(ctx.MessageQueue.QueueId, 0, (_, n) => n - 1);
            return Task.FromResult(ConsumeOrderlyStatus.Success);
        };

        // The victim lives in its own client system, so it can "crash": terminated without shutting the consumer down.
        var victimSystem = ActorSystem.Create("victim", _fx.Node.ClientConfig());
        try
        {
            var victim = AkkaMqPushConsumer.Create(victimSystem, group, Defaults);
            victim.Subscribe(topic);
            victim.RegisterMessageListener(Listener("victim"));
            await victim.StartAsync();
            var survivor = AkkaMqPushConsumer.Create(_fx.Client, group, Defaults);
            survivor.Subscribe(topic);
            survivor.RegisterMessageListener(Listener("survivor"));
            await StartAsync(survivor);
            await AwaitPartition(new[] { victim, survivor }, topic, 8);

            var sending = Task.WhenAll(Enumerable.Range(0, keys).Select(async k =>
            {
                for (var i = 0; i < perKey; i++)
                    await _fx.Producer.SendOrderlyAsync(Message.FromText(topic, $"key{k}:{i}"), $"key{k}");
            }));
            await Eventually(() => Task.FromResult(Volatile.Read(ref deliveries) >= 5000), TimeSpan.FromSeconds(60), () => $"{deliveries} delivered");
            Volatile.Write(ref victimCrashed, true);
            await victimSystem.Terminate();
            await sending;

            await Eventually(() =>
            {
                lock (gate) return Task.FromResult(maxSeen.Count == keys && maxSeen.Values.All(v => v == perKey - 1));
            }, TimeSpan.FromSeconds(90), () =>
            {
                lock (gate) return $"{maxSeen.Values.Sum(v => v + 1)} of {keys * perKey} in order, {deliveries} deliveries";
            });
            lock (gate) Assert.Empty(violations);
            _out.WriteLine($"{deliveries} deliveries for {keys * perKey} messages (redeliveries after the crash: {deliveries - keys * perKey})");
            Assert.Equal(8, (await survivor.GetRuntimeInfoAsync()).OwnedQueues.Count(q => q.Topic == topic));
        }
        finally
        {
            await victimSystem.Terminate();
        }
    }

    [Fact]
    public async Task A_new_group_from_the_last_offset_gets_only_new_matching_messages_and_commits_them_periodically()
    {
        const string topic = "PushLastTopic";
        const string group = "push-last";
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 2));
        var queues = new[] { 0, 1 }.Select(i => new MessageQueue(topic, _fx.Node.Settings.Broker!.BrokerName, i)).ToList();
        foreach (var q in queues) await _fx.Producer.SendAsync(Message.FromText(topic, "old", tags: "TagA"), q);
        var got = new ConcurrentQueue<string>();
        var c = AkkaMqPushConsumer.Create(_fx.Client, group, Defaults with
        {
            ConsumeFromWhere = ConsumeFromWhere.ConsumeFromLastOffset,
            PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(200),
        });
        c.Subscribe(topic, "TagA || TagB");
        c.RegisterMessageListener((msgs, _) =>
        {
            foreach (var m in msgs) got.Enqueue($"{m.Tags}:{Body(m)}");
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        });
        await StartAsync(c);
        await Eventually(async () => (await c.GetRuntimeInfoAsync()).Offsets.Count(kv => kv.Key.Topic == topic) == 2, TimeSpan.FromSeconds(20), () => "started on both queues");

        foreach (var q in queues)
        {
            await _fx.Producer.SendAsync(Message.FromText(topic, "new", tags: "TagA"), q);
            await _fx.Producer.SendAsync(Message.FromText(topic, "skip", tags: "TagC"), q);
            await _fx.Producer.SendAsync(Message.FromText(topic, "new", tags: "TagB"), q);
        }
        await Eventually(() => Task.FromResult(got.Count >= 4), TimeSpan.FromSeconds(20), () => string.Join(",", got));
        Assert.Equal(new[] { "TagA:new", "TagA:new", "TagB:new", "TagB:new" }, got.OrderBy(x => x));

        // Committed at the broker without a shutdown: past every message, the filtered-out ones included.
        var pull = new AkkaMqPullConsumer(c.Context, group);
        await Eventually(async () =>
        {
            foreach (var q in queues)
                if (await pull.FetchConsumeOffsetAsync(q) != 4) return false;
            return true;
        }, TimeSpan.FromSeconds(20), () => "offsets committed");
    }

    [Fact]
    public async Task A_listener_exceeding_consumeTimeout_counts_as_reconsume_later()
    {
        const string topic = "PushTimeoutTopic";
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 1));
        var attempts = new ConcurrentQueue<int>();
        var c = NewConsumer("push-timeout", topic, async (msgs, _) =>
        {
            var n = MessageConst.ReconsumeTimes(msgs[0]);
            attempts.Enqueue(n);
            // The first call hangs far past consumeTimeout; its late success must not count.
            if (n == 0) await Task.Delay(TimeSpan.FromSeconds(5));
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        }, Defaults with { ConsumeTimeout = TimeSpan.FromMilliseconds(300) });
        await StartAsync(c);
        await Eventually(async () => (await c.GetRuntimeInfoAsync()).OwnedQueues.Count == 2, TimeSpan.FromSeconds(20), () => "started");
        await _fx.Producer.SendAsync(Message.FromText(topic, "slow"));
        await Eventually(() => Task.FromResult(attempts.Contains(1)), TimeSpan.FromSeconds(20), () => string.Join(",", attempts));
        Assert.Equal(new[] { 0, 1 }, attempts.ToArray());
    }

    [Fact]
    public async Task Orderly_broadcasting_members_each_get_every_message_in_key_order_without_broker_locks()
    {
        const string topic = "PushOrderBroadcastTopic";
        await TestNodes.CreateTopicAsync(_fx.Client, TopicConfig.Create(topic, 2));
        var seen = new ConcurrentDictionary<string, ConcurrentQueue<string>>();
        AkkaMqPushConsumer Member(string name)
        {
            var c = AkkaMqPushConsumer.Create(_fx.Client, "push-order-broadcast",
                Defaults with { MessageModel = MessageModel.Broadcasting, InstanceName = name });
            c.Subscribe(topic);
            c.RegisterMessageListener((msgs, _) =>
            {
                foreach (var m in msgs) seen.GetOrAdd(name, _ => new()).Enqueue(Body(m));
                return ConsumeOrderlyStatus.Success;
            });
            return c;
        }
        var x = Member("ox");
        var y = Member("oy");
        await StartAsync(x);
        await StartAsync(y);
        await Eventually(async () => (await x.GetRuntimeInfoAsync()).OwnedQueues.Count == 2 && (await y.GetRuntimeInfoAsync()).OwnedQueues.Count == 2,
            TimeSpan.FromSeconds(20), () => "both own both queues");
        await Task.WhenAll(Enumerable.Range(0, 5).Select(async k =>
        {
            for (var i = 0; i < 20; i++) await _fx.Producer.SendOrderlyAsync(Message.FromText(topic, $"k{k}:{i}"), $"k{k}");
        }));
        await Eventually(() => Task.FromResult(seen.Count == 2 && seen.Values.All(q => q.Count >= 100)), TimeSpan.FromSeconds(20),
            () => string.Join(", ", seen.Select(kv => $"{kv.Key}={kv.Value.Count}")));
        foreach (var (_, bodies) in seen)
        {
            Assert.Equal(100, bodies.Count);
            foreach (var key in bodies.GroupBy(b => b.Split(':')[0]))
                Assert.Equal(Enumerable.Range(0, 20), key.Select(b => int.Parse(b.Split(':')[1])));
        }
    }

    [Fact]
    public async Task Bad_group_topic_and_expression_are_refused_naming_the_problem()
    {
        var e1 = Assert.Throws<AkkaMqException>(() => AkkaMqPushConsumer.Create(_fx.Client, "bad group"));
        Assert.Contains("'bad group'", e1.Message);
        var e2 = Assert.Throws<AkkaMqException>(() => AkkaMqPushConsumer.Create(_fx.Client, "%RETRY%x"));
        Assert.Contains("%RETRY%", e2.Message);
        var c = AkkaMqPushConsumer.Create(_fx.Client, "good-group");
        Assert.Contains("illegal character", Assert.Throws<AkkaMqException>(() => c.Subscribe("bad/topic")).Message);
        Assert.Equal(ResponseCode.SubscriptionParseFailed, Assert.Throws<AkkaMqException>(() => c.Subscribe("T", "A || ")).Code);
        Assert.Contains("subscribe", (await Assert.ThrowsAsync<InvalidOperationException>(() => c.StartAsync())).Message);
    }
}
