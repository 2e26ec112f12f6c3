using Akka.Actor;
using AkkaMq.Broker.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests;

public sealed class ConsumerGroupManagerTests : BrokerTestBase
{
    public ConsumerGroupManagerTests(ITestOutputHelper output) : base(output, StartNode()) { }

    private static readonly SubscriptionData[] Subs = { new("T", "*") };

    private void Heartbeat(Akka.TestKit.TestProbe member, string clientId, string group = "cg")
    {
        Gateway.Tell(new ConsumerHeartbeat(BrokerName, group, clientId, MessageModel.Clustering, Subs), member.Ref);
        var reply = member.FishForMessage<ConsumerHeartbeatReply>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(ResponseCode.Success, reply.Code);
    }

    private IReadOnlyList<string> Members(string group = "cg")
    {
        Gateway.Tell(new GetConsumerList(BrokerName, group), TestActor);
        var list = ExpectMsg<ConsumerList>(TimeSpan.FromSeconds(10));
        Assert.Equal(ResponseCode.Success, list.Code);
        return list.ClientIds;
    }

    [Fact]
    public void Members_join_by_heartbeat_and_leave_by_unregister_or_death_and_the_others_are_told_at_once()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var c = CreateTestProbe();
        Heartbeat(a, "z-client");
        a.ExpectMsg<ConsumerIdsChanged>(); // its own join
        Heartbeat(b, "a-client");
        a.ExpectMsg<ConsumerIdsChanged>(m => Assert.Equal("cg", m.ConsumerGroup));
        b.ExpectMsg<ConsumerIdsChanged>();
        Heartbeat(c, "m-client");
        a.ExpectMsg<ConsumerIdsChanged>();
        b.ExpectMsg<ConsumerIdsChanged>();
        c.ExpectMsg<ConsumerIdsChanged>();
        Assert.Equal(new[] { "a-client", "m-client", "z-client" }, Members()); // sorted: every member allocates from the same list

        // A repeated heartbeat is no change.
        Heartbeat(a, "z-client");
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Gateway.Tell(new UnregisterConsumer(BrokerName, "cg", "m-client"), c.Ref);
        a.ExpectMsg<ConsumerIdsChanged>();
        b.ExpectMsg<ConsumerIdsChanged>();
        Assert.Equal(new[] { "a-client", "z-client" }, Members());

        // A member whose actor dies (client stopped or crashed) leaves without unregistering.
        Sys.Stop(b.Ref);
        a.ExpectMsg<ConsumerIdsChanged>(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { "z-client" }, Members());
        Assert.Empty(Members("other-group"));
    }

    [Fact]
    public void An_offset_reset_is_passed_on_to_the_clustering_members_subscribed_to_the_topic_and_the_reply_names_them()
    {
        var subscribed = CreateTestProbe();
        var otherTopic = CreateTestProbe();
        var broadcasting = CreateTestProbe();
        Heartbeat(subscribed, "c-sub", "reset-cg");
        Gateway.Tell(new ConsumerHeartbeat(BrokerName, "reset-cg", "c-other", MessageModel.Clustering, new[] { new SubscriptionData("U", "*") }), otherTopic.Ref);
        Gateway.Tell(new ConsumerHeartbeat(BrokerName, "reset-cg", "c-bcast", MessageModel.Broadcasting, Subs), broadcasting.Ref);
        Assert.Equal(3, Members("reset-cg").Count);
        var offsets = new Dictionary<int, long> { [0] = 5, [1] = 0 };

        Gateway.Tell(new InvokeBrokerToResetOffset(BrokerName, "reset-cg", "T", offsets), TestActor);

        var reply = ExpectMsg<ResetOffsetReply>(TimeSpan.FromSeconds(10));
        Assert.Equal(ResponseCode.Success, reply.Code);
        Assert.Equal(new[] { "c-sub" }, reply.ClientIds);
        var notice = subscribed.FishForMessage<ResetConsumerClientOffset>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(("reset-cg", "T", 5L), (notice.ConsumerGroup, notice.Topic, notice.Offsets[0]));
        foreach (var probe in new[] { otherTopic, broadcasting })
            Assert.DoesNotContain(probe.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m), m => m is ResetConsumerClientOffset);

        // No member: nobody is told; a bad group is refused naming it.
        Gateway.Tell(new InvokeBrokerToResetOffset(BrokerName, "idle-cg", "T", offsets), TestActor);
        Assert.Empty(ExpectMsg<ResetOffsetReply>(TimeSpan.FromSeconds(10)).ClientIds);
        Gateway.Tell(new InvokeBrokerToResetOffset(BrokerName, "bad group!", "T", offsets), TestActor);
        var bad = ExpectMsg<ResetOffsetReply>();
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, bad.Code);
        Assert.Contains("'bad group!'", bad.Error);
    }

    [Fact]
    public void Bad_consumer_requests_are_refused_naming_the_problem()
    {
        Gateway.Tell(new ConsumerHeartbeat(BrokerName, "bad group!", "c1", MessageModel.Clustering, Subs), TestActor);
        var r1 = ExpectMsg<ConsumerHeartbeatReply>();
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, r1.Code);
        Assert.Contains("'bad group!'", r1.Error);

        Gateway.Tell(new ConsumerHeartbeat("broker-zz", "cg", "c1", MessageModel.Clustering, Subs), TestActor);
        Assert.Contains("not 'broker-zz'", ExpectMsg<ConsumerHeartbeatReply>().Error);

        Gateway.Tell(new ConsumerHeartbeat(BrokerName, "cg", " ", MessageModel.Clustering, Subs), TestActor);
        Assert.Contains("empty client id", ExpectMsg<ConsumerHeartbeatReply>().Error);

        Gateway.Tell(new GetConsumerList(BrokerName, ""), TestActor);
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, ExpectMsg<ConsumerList>().Code);

        Gateway.Tell(new LockBatchMQ(BrokerName, "cg", "c1", new[] { new MessageQueue("bad topic", BrokerName, 0) }), TestActor);
        var r2 = ExpectMsg<LockBatchMQReply>();
        Assert.Equal(ResponseCode.MessageIllegal, r2.Code);
        Assert.Contains("'bad topic'", r2.Error);
        Assert.Empty(r2.LockOKMQSet);

        Gateway.Tell(new LockBatchMQ(BrokerName, "cg", "c1", new[] { new MessageQueue("T", "broker-zz", 0) }), TestActor);
        Assert.Contains("not on broker", ExpectMsg<LockBatchMQReply>().Error);
    }

    [Fact]
    public void Queue_locks_are_exclusive_renewable_and_expire_on_a_controllable_clock()
    {
        var now = 1_000_000L;
        var settings = new ConsumerManagerSettings(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
        var manager = Sys.ActorOf(ConsumerGroupManager.Props(BrokerName, "lock-group", settings, () => Volatile.Read(ref now)));
        var q0 = new MessageQueue("T", BrokerName, 0);
        var q1 = new MessageQueue("T", BrokerName, 1);

        IReadOnlyList<MessageQueue> Lock(string client, params MessageQueue[] qs)
        {
            manager.Tell(new LockBatchMQ(BrokerName, "lock-group", client, qs), TestActor);
            var r = ExpectMsg<LockBatchMQReply>();
            Assert.Equal(client, r.ClientId);
            return r.LockOKMQSet;
        }

        Assert.Equal(new[] { q0, q1 }, Lock("A", q0, q1));
        Assert.Empty(Lock("B", q0, q1));                      // held by A
        Volatile.Write(ref now, now + 59_000);
        Assert.Equal(new[] { q0 }, Lock("A", q0));            // A renews q0 only
        Volatile.Write(ref now, now + 2_000);                 // q1: 61 s since A's lock, q0: 2 s since renewal
        Assert.Equal(new[] { q1 }, Lock("B", q0, q1));
        Assert.Equal(new[] { q0 }, Lock("A", q0, q1));        // A lost q1 to B

        manager.Tell(new UnlockBatchMQ(BrokerName, "lock-group", "B", new[] { q0 }), TestActor); // not B's: ignored
        Assert.Empty(Lock("C", q0));
        manager.Tell(new UnlockBatchMQ(BrokerName, "lock-group", "A", new[] { q0 }), TestActor);
        Assert.Equal(new[] { q0 }, Lock("C", q0));

        // A member's locks go with it when it leaves, so the next owner need not wait for expiry.
        var d = CreateTestProbe();
        manager.Tell(new ConsumerHeartbeat(BrokerName, "lock-group", "D", MessageModel.Clustering, Subs), d.Ref);
        d.ExpectMsg<ConsumerHeartbeatReply>();
        Volatile.Write(ref now, now + 61_000);                // every earlier lock has expired
        Assert.Equal(new[] { q0, q1 }, Lock("D", q0, q1));
        manager.Tell(new UnregisterConsumer(BrokerName, "lock-group", "D"), d.Ref);
        Assert.Equal(new[] { q0, q1 }, Lock("E", q0, q1));
    }

    [Fact]
    public void A_member_without_heartbeats_for_channelExpiredTimeout_is_removed_and_the_rest_told()
    {
        var now = 5_000_000L;
        var settings = new ConsumerManagerSettings(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
        var manager = Sys.ActorOf(ConsumerGroupManager.Props(BrokerName, "expiry-group", settings, () => Volatile.Read(ref now)));
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        manager.Tell(new ConsumerHeartbeat(BrokerName, "expiry-group", "A", MessageModel.Clustering, Subs), a.Ref);
        a.ExpectMsg<ConsumerHeartbeatReply>();
        a.ExpectMsg<ConsumerIdsChanged>();
        Volatile.Write(ref now, now + 100_000);
        manager.Tell(new ConsumerHeartbeat(BrokerName, "expiry-group", "B", MessageModel.Clustering, Subs), b.Ref);
        b.ExpectMsg<ConsumerHeartbeatReply>();
        a.ExpectMsg<ConsumerIdsChanged>();
        b.ExpectMsg<ConsumerIdsChanged>();
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(300));       // scans run, nobody is late yet

        Volatile.Write(ref now, now + 30_000);                // A: 130 s silent, B: 30 s
        b.ExpectMsg<ConsumerIdsChanged>(TimeSpan.FromSeconds(5));
        manager.Tell(new GetConsumerList(BrokerName, "expiry-group"), TestActor);
        Assert.Equal(new[] { "B" }, ExpectMsg<ConsumerList>().ClientIds);
    }
}
