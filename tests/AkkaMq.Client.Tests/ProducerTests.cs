using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;
using System.Net;
using System.Text;

namespace AkkaMq.Client.Tests;

/// <summary>
/// The producer against wire-level fakes: two remote ActorSystems named AkkaMq host a fake
/// NameServer (/user/namesrv) and fake broker gateways (/user/broker) that forward to probes.
/// </summary>
public sealed class ProducerTests : AkkaMqTestKit
{
    private static Config Remote(string extra = "") => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.actor.serialize-messages = on
        # A reply normally comes in milliseconds; the slack is for a stalled shared CI runner.
        akka.test.single-expect-default = 10s
        {{extra}}
        """).WithFallback(ClientSettings.DefaultConfig);

    /// <summary>A fake gateway: names its data channel (port 0: none, stay on Akka.Remote) and forwards the rest.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target) : this(target, () => 0) { }

        public Forwarder(IActorRef target, Func<int> dataPort)
        {
            Receive<GetDataChannel>(m => Sender.Tell(new DataChannelAddress(m.BrokerName, "127.0.0.1", dataPort())));
            // Producer heartbeats are not what these tests watch; the gateway answers them as the broker does.
            Receive<ProducerHeartbeat>(m => Sender.Tell(new ProducerHeartbeatReply(m.BrokerName, m.ProducerGroup, m.ClientId, ResponseCode.Success, null)));
            Receive<UnregisterProducer>(_ => { });
            ReceiveAny(m => target.Forward(m));
        }
    }

    private readonly ActorSystem _a;
    private readonly ActorSystem _b;
    private readonly TestProbe _nameServer;
    private readonly TestProbe _brokerA;
    private readonly TestProbe _brokerB;
    private readonly IActorRef _gatewayA;
    // The data channel broker-b's fake gateway names; 0 = none.
    private int _dataPortB;

    public ProducerTests(ITestOutputHelper output) : base(Remote(), "client", output)
    {
        _a = ActorSystem.Create("AkkaMq", Remote());
        _b = ActorSystem.Create("AkkaMq", Remote());
        _nameServer = CreateTestProbe("namesrv");
        _brokerA = CreateTestProbe("broker-a");
        _brokerB = CreateTestProbe("broker-b");
        _a.ActorOf(Props.Create(() => new Forwarder(_nameServer)), "namesrv");
        _gatewayA = _a.ActorOf(Props.Create(() => new Forwarder(_brokerA)), "broker");
        _b.ActorOf(Props.Create(() => new Forwarder(_brokerB, () => Volatile.Read(ref _dataPortB))), "broker");
    }

    private static string AddressOf(ActorSystem s)
    {
        var a = ((ExtendedActorSystem)s).Provider.DefaultAddress;
        return $"{a.Host}:{a.Port}";
    }

    private AkkaMqProducer Producer(string extra = "") => AkkaMqProducer.Create(Sys, ClientSettings.Create(
        ConfigurationFactory.ParseString($"""
            akkamq.client.namesrvAddr = "{AddressOf(_a)}"
            akkamq.client.producer.sendMsgTimeout = 1500ms
            {extra}
            """).WithFallback(Sys.Settings.Config)));

    private TopicRouteData Route(int queuesA = 2, int queuesB = 2) => new(
        new[] { new QueueData("broker-a", queuesA, queuesA, Perm.ReadWrite), new QueueData("broker-b", queuesB, queuesB, Perm.ReadWrite) },
        new[]
        {
            new BrokerData("DefaultCluster", "broker-a", new Dictionary<long, string> { [0] = AddressOf(_a) }),
            new BrokerData("DefaultCluster", "broker-b", new Dictionary<long, string> { [0] = AddressOf(_b) }),
        });

    private void AnswerRoutes(TopicRouteData route) => _nameServer.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
    {
        if (msg is GetRouteInfo g) sender.Tell(new RouteInfoReply(g.Topic, ResponseCode.Success, null, route));
        return AutoPilot.KeepRunning;
    }));

    private static void Answer(TestProbe broker, ResponseCode code, string? error = null)
    {
        long next = 0;
        broker.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            if (msg is SendMessages m)
                sender.Tell(new SendAcks(m.BrokerName, m.Entries.Where(e => !e.Oneway)
                    .Select(e => new SendAck(e.CorrelationId, code, error, SendStatus.SendOk, e.QueueId, code == ResponseCode.Success ? next++ : -1)).ToList()));
            return AutoPilot.KeepRunning;
        }));
    }

    public override async Task DisposeAsync()
    {
        await Task.WhenAll(_a.Terminate(), _b.Terminate());
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Round_robin_spreads_sends_over_every_writable_queue()
    {
        AnswerRoutes(Route());
        Answer(_brokerA, ResponseCode.Success);
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer();
        var used = new List<MessageQueue>();
        for (var i = 0; i < 8; i++) used.Add((await producer.SendAsync(Message.FromText("T", "x"))).MessageQueue);
        Assert.Equal(4, used.Distinct().Count());
        Assert.Equal(used.Take(4), used.Skip(4));
        var result = await producer.SendAsync(Message.FromText("T", "x"));
        Assert.True(MessageId.TryParse(result.MsgId, out var id));
        Assert.Equal(MessageId.Hash(result.MessageQueue.BrokerName), id.BrokerHash);
        Assert.Equal(result.QueueOffset, id.QueueOffset);
    }

    [Fact]
    public async Task A_caller_chosen_queue_is_used_as_given()
    {
        AnswerRoutes(Route());
        Answer(_brokerA, ResponseCode.Success);
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer();
        var target = new MessageQueue("T", "broker-b", 1);
        for (var i = 0; i < 3; i++)
            Assert.Equal(target, (await producer.SendAsync(Message.FromText("T", "x"), target)).MessageQueue);
        Assert.All(ReceiveEntries(_brokerB), e => Assert.Equal(1, e.QueueId));
        Assert.Empty(ReceiveEntries(_brokerA));
    }

    [Fact]
    public async Task A_retriable_failure_is_sent_again_on_another_broker()
    {
        AnswerRoutes(Route());
        Answer(_brokerA, ResponseCode.SystemBusy, "broker busy");
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer();
        for (var i = 0; i < 6; i++)
        {
            var r = await producer.SendAsync(Message.FromText("T", "x"));
            Assert.Equal("broker-b", r.MessageQueue.BrokerName);
        }
    }

    [Fact]
    public async Task An_ack_from_an_earlier_attempt_on_another_broker_names_that_broker()
    {
        AnswerRoutes(Route(queuesA: 2, queuesB: 2));
        // Broker-b stays silent; broker-a's gateway dies with the send in flight, so the producer
        // sends it again on broker-b. Broker-a's queue had stored the first attempt.
        // Round-robin per message (no sticky queue), so the four sends reach both brokers, and
        // room for the resends beside the two batches broker-b never answers.
        var producer = Producer("""
            akkamq.client.producer.sendMsgTimeout = 10s
            akkamq.client.producer.sticky-queue-messages = 1
            akkamq.client.producer.max-inflight-batches-per-broker = 4
            """);
        var sends = Enumerable.Range(0, 4).Select(i => producer.SendAsync(Message.FromText("T", $"m{i}"))).ToList();
        var toA = new List<(SendEntry Entry, IActorRef Producer)>();
        AwaitAssert(() =>
        {
            while (_brokerA.HasMessages) foreach (var e in _brokerA.ExpectMsg<SendMessages>().Entries) toA.Add((e, _brokerA.LastSender));
            Assert.NotEmpty(toA);
        }, TimeSpan.FromSeconds(5));
        Watch(_gatewayA);
        Sys.Stop(_gatewayA);
        ExpectTerminated(_gatewayA);
        var resent = new List<SendEntry>();
        AwaitAssert(() =>
        {
            while (_brokerB.HasMessages) resent.AddRange(_brokerB.ExpectMsg<SendMessages>().Entries);
            Assert.Superset(toA.Select(t => t.Entry.CorrelationId).ToHashSet(), resent.Select(e => e.CorrelationId).ToHashSet());
        }, TimeSpan.FromSeconds(5));
        var (first, to) = toA[0];
        to.Tell(new SendAcks("broker-a", new[] { new SendAck(first.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, first.QueueId, 5) }));
        var done = await Task.WhenAny(sends);
        var r = await done;
        Assert.Equal("broker-a", r.MessageQueue.BrokerName);
        Assert.Equal(first.QueueId, r.MessageQueue.QueueId);
        Assert.Equal(5, r.QueueOffset);
    }

    [Fact]
    public async Task When_a_groups_gateway_dies_sends_go_through_another_node_of_the_group()
    {
        // broker-a has a master (system _a) and a slave (its own system): any node of the group
        // forwards into the group's shard, so the producer need not wait for a new route.
        using var slaveSystem = ActorSystem.Create("AkkaMq", Remote());
        var slave = CreateTestProbe("broker-a-slave");
        slaveSystem.ActorOf(Props.Create(() => new Forwarder(slave)), "broker");
        var route = new TopicRouteData(new[] { new QueueData("broker-a", 2, 2, Perm.ReadWrite) },
            new[] { new BrokerData("DefaultCluster", "broker-a", new Dictionary<long, string> { [0] = AddressOf(_a), [1] = AddressOf(slaveSystem) }) });
        AnswerRoutes(route);
        var producer = Producer("akkamq.client.producer.sendMsgTimeout = 10s");
        var queue = new MessageQueue("T", "broker-a", 1);
        var first = producer.SendAsync(Message.FromText("T", "first"), queue);
        _brokerA.ExpectMsg<SendMessages>(TimeSpan.FromSeconds(5));
        Watch(_gatewayA);
        Sys.Stop(_gatewayA);
        ExpectTerminated(_gatewayA);

        // The in-flight send and a new one reach the slave's gateway, still addressed to broker-a.
        var second = producer.SendAsync(Message.FromText("T", "second"), queue);
        var entries = new List<SendEntry>();
        IActorRef? producerRef = null;
        AwaitAssert(() =>
        {
            while (slave.HasMessages)
            {
                var m = slave.ExpectMsg<SendMessages>();
                Assert.Equal("broker-a", m.BrokerName);
                entries.AddRange(m.Entries);
                producerRef = slave.LastSender;
            }
            Assert.Equal(2, entries.Count);
        }, TimeSpan.FromSeconds(10));
        producerRef!.Tell(new SendAcks("broker-a", entries.Select((e, i) => new SendAck(e.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, 1, 10 + i)).ToList()));
        Assert.Equal(queue, (await first).MessageQueue);
        Assert.Equal(queue, (await second).MessageQueue);
        await slaveSystem.Terminate();
    }

    [Fact]
    public async Task Sends_go_over_the_data_channel_a_gateway_names_and_come_back_over_Akka_Remote_when_it_closes()
    {
        var listener = DataChannelServer.Bind("127.0.0.1", 0);
        Volatile.Write(ref _dataPortB, ((IPEndPoint)listener.LocalEndPoint!).Port);
        var server = _b.ActorOf(DataChannelServer.Props(listener, _brokerB.Ref, m => m is SendMessages, 1 << 20));
        AnswerRoutes(Route());
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer("akkamq.client.producer.sendMsgTimeout = 10s");
        var queue = new MessageQueue("T", "broker-b", 1);

        Assert.Equal(queue, (await producer.SendAsync(Message.FromText("T", "over tcp"), queue)).MessageQueue);
        Assert.Equal("over tcp", Encoding.UTF8.GetString(_brokerB.ExpectMsg<SendMessages>().Entries.Single().Message.Body));
        Assert.StartsWith("session-", _brokerB.LastSender.Path.Name); // a data-channel session, not the producer

        // The channel closes (its node side goes) and the gateway now names none: the producer
        // reconnects through the gateway and the next send goes over Akka.Remote.
        Volatile.Write(ref _dataPortB, 0);
        Assert.True(await server.GracefulStop(TimeSpan.FromSeconds(10)));
        Assert.Equal(queue, (await producer.SendAsync(Message.FromText("T", "over remoting"), queue)).MessageQueue);
        AwaitAssert(() => Assert.Equal("over remoting", Encoding.UTF8.GetString(_brokerB.ExpectMsg<SendMessages>().Entries.Single().Message.Body)));
        Assert.False(_brokerB.LastSender.Path.Name.StartsWith("session-"));
    }

    [Fact]
    public async Task A_data_channel_that_cannot_be_opened_leaves_sends_on_Akka_Remote()
    {
        int closed;
        using (var s = DataChannelServer.Bind("127.0.0.1", 0)) closed = ((IPEndPoint)s.LocalEndPoint!).Port;
        Volatile.Write(ref _dataPortB, closed); // named by the gateway, but nothing listens there
        AnswerRoutes(Route());
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer("akkamq.client.producer.sendMsgTimeout = 10s");
        var queue = new MessageQueue("T", "broker-b", 0);

        for (var i = 0; i < 3; i++) Assert.Equal(queue, (await producer.SendAsync(Message.FromText("T", $"m{i}"), queue)).MessageQueue);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"m{i}", Encoding.UTF8.GetString(_brokerB.ExpectMsg<SendMessages>().Entries.Single().Message.Body));
            Assert.False(_brokerB.LastSender.Path.Name.StartsWith("session-"));
        }
    }

    [Fact]
    public async Task Pulls_go_through_the_gateway_when_its_data_channel_cannot_be_opened()
    {
        int closed;
        using (var s = DataChannelServer.Bind("127.0.0.1", 0)) closed = ((IPEndPoint)s.LocalEndPoint!).Port;
        Volatile.Write(ref _dataPortB, closed);
        var context = new ClientContext(Sys, ClientSettings.Create(
            ConfigurationFactory.ParseString($"akkamq.client.namesrvAddr = \"{AddressOf(_a)}\"").WithFallback(Sys.Settings.Config)));

        var pullVia = await context.PullChannelAsync(AddressOf(_b));
        Assert.Equal(await context.GatewayAsync(AddressOf(_b)), pullVia);
        Assert.Equal(pullVia, await context.PullChannelAsync(AddressOf(_b))); // and stays there for a while
    }

    [Fact]
    public async Task A_refused_message_is_not_retried()
    {
        AnswerRoutes(Route());
        Answer(_brokerA, ResponseCode.MessageIllegal, "body too large");
        Answer(_brokerB, ResponseCode.MessageIllegal, "body too large");
        var producer = Producer();
        var e = await Assert.ThrowsAsync<AkkaMqException>(() => producer.SendAsync(Message.FromText("T", "x")));
        Assert.Equal(ResponseCode.MessageIllegal, e.Code);
        Assert.Contains("body too large", e.Message);
    }

    [Fact]
    public async Task Retries_stop_after_retryTimesWhenSendFailed()
    {
        AnswerRoutes(Route());
        Answer(_brokerA, ResponseCode.SystemError, "disk on fire");
        Answer(_brokerB, ResponseCode.SystemError, "disk on fire");
        var producer = Producer("akkamq.client.producer.retryTimesWhenSendFailed = 2");
        var e = await Assert.ThrowsAsync<AkkaMqException>(() => producer.SendAsync(Message.FromText("T", "x")));
        Assert.Equal(ResponseCode.SystemError, e.Code);
        var attempts = ReceiveEntries(_brokerA).Count + ReceiveEntries(_brokerB).Count;
        Assert.Equal(3, attempts);
    }

    private static List<SendEntry> ReceiveEntries(TestProbe probe)
    {
        var list = new List<SendEntry>();
        while (probe.HasMessages) list.AddRange(probe.ExpectMsg<SendMessages>().Entries);
        return list;
    }

    [Fact]
    public async Task A_silent_broker_ends_in_SEND_TIMEOUT_by_the_deadline()
    {
        AnswerRoutes(Route());
        var producer = Producer();
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<AkkaMqException>(() => producer.SendAsync(Message.FromText("T", "x")));
        var elapsed = DateTime.UtcNow - started;
        Assert.Equal(ResponseCode.SendTimeout, e.Code);
        Assert.Contains("1500 ms", e.Message);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(1400), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_acknowledged_send_is_not_held_until_its_deadline()
    {
        AnswerRoutes(Route());
        Answer(_brokerA, ResponseCode.Success);
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer("akkamq.client.producer.sendMsgTimeout = 60s");
        var (task, message) = StartSend(producer);
        Assert.Equal(SendStatus.SendOk, (await task!).SendStatus);
        task = null;
        // Long before the 60 s deadline nothing in the producer keeps the acknowledged message
        // (held to the deadline, every acked message outlived gen0 and gen1 in the app's heap).
        AwaitAssert(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.False(message.IsAlive, "the producer still references an acknowledged message");
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
    }

    // Not inlined, so that no local of the test method holds the message.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (Task<SendResult>?, WeakReference) StartSend(AkkaMqProducer producer)
    {
        var m = Message.FromText("T", "held?");
        return (producer.SendAsync(m), new WeakReference(m));
    }

    [Fact]
    public async Task The_same_sharding_key_always_goes_to_the_same_queue()
    {
        AnswerRoutes(Route(4, 4));
        Answer(_brokerA, ResponseCode.Success);
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer();
        var byKey = new Dictionary<string, HashSet<MessageQueue>>();
        for (var i = 0; i < 60; i++)
        {
            var key = "order-" + (i % 6);
            var r = await producer.SendOrderlyAsync(Message.FromText("T", "x"), key);
            (byKey.TryGetValue(key, out var set) ? set : byKey[key] = new()).Add(r.MessageQueue);
        }
        Assert.All(byKey.Values, set => Assert.Single(set));
        Assert.True(byKey.Values.Select(s => s.First()).Distinct().Count() > 1, "keys should spread over queues");
    }

    /// <summary>
    /// broker-a alone with 4 queues, one batch in flight per broker: the first send resolves the
    /// route and the connection and its batch is held unanswered; then `count` sends are made,
    /// which wait behind it.
    /// </summary>
    private (AkkaMqProducer Producer, SendMessages FirstBatch, IActorRef ProducerRef, List<Task<SendResult>> Waiting, Task<SendResult> First)
        SendBehindAHeldBatch(int count, string extra = "")
    {
        AnswerRoutes(new TopicRouteData(new[] { new QueueData("broker-a", 4, 4, Perm.ReadWrite) },
            new[] { new BrokerData("DefaultCluster", "broker-a", new Dictionary<long, string> { [0] = AddressOf(_a) }) }));
        var producer = Producer("akkamq.client.producer.max-inflight-batches-per-broker = 1\n" + extra);
        var first = producer.SendAsync(Message.FromText("T", "first"));
        var firstBatch = _brokerA.ExpectMsg<SendMessages>(TimeSpan.FromSeconds(5));
        var producerRef = _brokerA.LastSender;
        var waiting = Enumerable.Range(0, count).Select(i => producer.SendAsync(Message.FromText("T", $"m{i}"))).ToList();
        _brokerA.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        return (producer, firstBatch, producerRef, waiting, first);
    }

    private static void AckAll(IActorRef producer, SendMessages batch) =>
        producer.Tell(new SendAcks("broker-a", batch.Entries.Select((e, i) => new SendAck(e.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, e.QueueId, i)).ToList()));

    [Fact]
    public async Task Concurrent_sends_to_one_broker_are_batched_while_a_batch_is_in_flight()
    {
        var (_, firstBatch, producerRef, rest, first) = SendBehindAHeldBatch(100);
        Answer(_brokerA, ResponseCode.Success);
        AckAll(producerRef, firstBatch);
        await first;
        await Task.WhenAll(rest);
        Assert.Single(firstBatch.Entries);
        // The 100 sends that arrived while the first batch was in flight travelled together.
        var batches = 0;
        var entries = 0;
        while (_brokerA.HasMessages)
        {
            batches++;
            entries += _brokerA.ExpectMsg<SendMessages>().Entries.Count;
        }
        Assert.Equal(100, entries);
        Assert.True(batches <= 2, $"100 concurrent sends took {batches} batches");
    }

    [Fact]
    public async Task Sends_queued_behind_an_in_flight_batch_share_one_queue_and_the_next_batch_moves_on()
    {
        var (producer, firstBatch, producerRef, rest, first) = SendBehindAHeldBatch(50);
        AckAll(producerRef, firstBatch);
        await first;
        // Everything that waited went out as one batch to one queue (one journal write at the broker)...
        var second = _brokerA.ExpectMsg<SendMessages>(TimeSpan.FromSeconds(5));
        Assert.Equal(50, second.Entries.Count);
        var stuck = second.Entries[0].QueueId;
        Assert.All(second.Entries, e => Assert.Equal(stuck, e.QueueId));
        Assert.NotEqual(firstBatch.Entries[0].QueueId, stuck);
        Answer(_brokerA, ResponseCode.Success);
        AckAll(producerRef, second);
        Assert.All(await Task.WhenAll(rest), r => Assert.Equal(stuck, r.MessageQueue.QueueId));
        // ...and once it left, sends take the next queue again, one queue after another while nothing waits.
        var after = new List<int>();
        for (var i = 0; i < 4; i++) after.Add((await producer.SendAsync(Message.FromText("T", "x"))).MessageQueue.QueueId);
        Assert.Equal((stuck + 1) % 4, after[0]);
        Assert.Equal(4, after.Distinct().Count());
    }

    [Fact]
    public async Task A_waiting_burst_moves_to_the_next_queue_after_sticky_queue_messages()
    {
        // 40 sends wait: 10 to a queue, then the next queue.
        var (_, firstBatch, producerRef, rest, first) = SendBehindAHeldBatch(40, "akkamq.client.producer.sticky-queue-messages = 10");
        Answer(_brokerA, ResponseCode.Success);
        AckAll(producerRef, firstBatch);
        await first;
        var queues = (await Task.WhenAll(rest)).Select(r => r.MessageQueue.QueueId).ToList();
        Assert.Equal(4, queues.Distinct().Count());
        Assert.All(queues.Chunk(10), run => Assert.Single(run.Distinct()));
    }

    [Fact]
    public async Task Unknown_topic_without_auto_create_fails_with_TOPIC_NOT_EXIST()
    {
        _nameServer.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            if (msg is GetRouteInfo g) sender.Tell(new RouteInfoReply(g.Topic, ResponseCode.TopicNotExist, $"topic '{g.Topic}' does not exist", null));
            return AutoPilot.KeepRunning;
        }));
        var producer = Producer();
        var e = await Assert.ThrowsAsync<AkkaMqException>(() => producer.SendAsync(Message.FromText("Ghost", "x")));
        Assert.Equal(ResponseCode.TopicNotExist, e.Code);
        Assert.StartsWith("TOPIC_NOT_EXIST", e.Message);
        Assert.Contains("Ghost", e.Message);
    }

    [Fact]
    public async Task Invalid_messages_fail_on_the_client_before_any_network_call()
    {
        var producer = Producer();
        var empty = await Assert.ThrowsAsync<AkkaMqException>(() => producer.SendAsync(new Message("T", Array.Empty<byte>())));
        Assert.Equal(ResponseCode.MessageIllegal, empty.Code);
        var badTopic = await Assert.ThrowsAsync<AkkaMqException>(() => producer.SendAsync(Message.FromText("a/b", "x")));
        Assert.Contains("'/'", badTopic.Message);
        _nameServer.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Async_and_oneway_sends_complete_by_callback_and_without_ack()
    {
        AnswerRoutes(Route());
        Answer(_brokerA, ResponseCode.Success);
        Answer(_brokerB, ResponseCode.Success);
        var producer = Producer();
        var done = new TaskCompletionSource<SendResult>();
        producer.Send(Message.FromText("T", "async"), (r, e) =>
        {
            if (e != null) done.SetException(e);
            else done.SetResult(r!);
        });
        Assert.Equal(SendStatus.SendOk, (await done.Task.WaitAsync(TimeSpan.FromSeconds(30))).SendStatus);

        producer.SendOneway(Message.FromText("T", "oneway"));
        AwaitAssert(() =>
        {
            var entries = ReceiveEntries(_brokerA).Concat(ReceiveEntries(_brokerB)).ToList();
            Assert.Contains(entries, e => e.Oneway && System.Text.Encoding.UTF8.GetString(e.Message.Body) == "oneway");
        }, TimeSpan.FromSeconds(5));
    }
}
