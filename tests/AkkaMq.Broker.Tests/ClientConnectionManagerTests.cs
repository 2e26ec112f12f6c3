using Akka.Actor;
using AkkaMq.Broker.Consumer;
using AkkaMq.Broker.Producer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests;

/// <summary>gRPC (POP) consumers in a group's members, and producer groups: joined by heartbeat, left by unregister or silence.</summary>
public sealed class ClientConnectionManagerTests : BrokerTestBase
{
    public ClientConnectionManagerTests(ITestOutputHelper output) : base(output, StartNode()) { }

    private static readonly SubscriptionData[] Subs = { new("T", "*") };
    private static readonly ClientChannel Grpc = new("10.0.0.9:5000", "NODE_JS", "1.0.8");
    private static readonly ConsumerManagerSettings Fast = new(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

    [Fact]
    public void A_pop_consumer_is_listed_with_its_channel_but_owns_no_queue_in_the_native_rebalance()
    {
        var native = CreateTestProbe();
        Gateway.Tell(new ConsumerHeartbeat(BrokerName, "mixed-cg", "native-1", MessageModel.Clustering, Subs), native.Ref);
        native.FishForMessage<ConsumerHeartbeatReply>(_ => true, TimeSpan.FromSeconds(10));
        native.ExpectMsg<ConsumerIdsChanged>();

        Gateway.Tell(new PopConsumerHeartbeat(BrokerName, "mixed-cg", "grpc-1", Grpc, Subs), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<ConsumerHeartbeatReply>(TimeSpan.FromSeconds(10)).Code);
        native.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no rebalance for a POP consumer

        Gateway.Tell(new GetConsumerList(BrokerName, "mixed-cg"), TestActor);
        Assert.Equal(new[] { "native-1" }, ExpectMsg<ConsumerList>().ClientIds);
        Gateway.Tell(new GetConsumerConnection(BrokerName, "mixed-cg"), TestActor);
        var connections = ExpectMsg<ConsumerConnectionInfo>().Connections;
        var pop = Assert.Single(connections, c => c.ClientId == "grpc-1");
        Assert.True(pop.Pop);
        Assert.Equal(Grpc, pop.Channel);
        Assert.Equal("10.0.0.9:5000", pop.Address);
        Assert.False(Assert.Single(connections, c => c.ClientId == "native-1").Pop);

        Gateway.Tell(new UnregisterConsumer(BrokerName, "mixed-cg", "grpc-1"), TestActor);
        native.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Gateway.Tell(new GetConsumerConnection(BrokerName, "mixed-cg"), TestActor);
        Assert.Equal("native-1", Assert.Single(ExpectMsg<ConsumerConnectionInfo>().Connections).ClientId);
    }

    [Fact]
    public void A_pop_consumer_whose_heartbeats_stop_is_removed_after_channelExpiredTimeout()
    {
        var now = 5_000_000L;
        var manager = Sys.ActorOf(ConsumerGroupManager.Props(BrokerName, "pop-expiry", Fast, () => Volatile.Read(ref now)));
        manager.Tell(new PopConsumerHeartbeat(BrokerName, "pop-expiry", "grpc-1", Grpc, Subs), TestActor);
        ExpectMsg<ConsumerHeartbeatReply>();
        Volatile.Write(ref now, now + 119_000);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // scans run; not late yet
        manager.Tell(new GetConsumerConnection(BrokerName, "pop-expiry"), TestActor);
        Assert.Single(ExpectMsg<ConsumerConnectionInfo>().Connections);

        Volatile.Write(ref now, now + 2_000);
        AwaitAssert(() =>
        {
            manager.Tell(new GetConsumerConnection(BrokerName, "pop-expiry"), TestActor);
            Assert.Empty(ExpectMsg<ConsumerConnectionInfo>().Connections);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Producers_join_by_heartbeat_and_leave_by_unregister_or_when_heartbeats_stop()
    {
        var now = 5_000_000L;
        var manager = Sys.ActorOf(ProducerGroupManager.Props(BrokerName, "TopicP", Fast, () => Volatile.Read(ref now)));
        manager.Tell(new ProducerHeartbeat(BrokerName, "TopicP", "grpc-p", Grpc), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<ProducerHeartbeatReply>().Code);
        Volatile.Write(ref now, now + 60_000);
        var native = new ClientChannel("127.0.0.1:4000", "DOTNET", "1.0.0");
        manager.Tell(new ProducerHeartbeat(BrokerName, "TopicP", "native-p", native), TestActor);
        ExpectMsg<ProducerHeartbeatReply>();
        manager.Tell(new ProducerHeartbeat(BrokerName, "TopicP", "gone-p", native), TestActor);
        ExpectMsg<ProducerHeartbeatReply>();

        manager.Tell(new GetProducerConnection(BrokerName, "TopicP"), TestActor);
        var all = ExpectMsg<ProducerConnectionInfo>().Connections;
        Assert.Equal(new[] { "gone-p", "grpc-p", "native-p" }, all.Select(c => c.ClientId));
        Assert.Equal(new ProducerConnectionEntry("native-p", native, now), all[2]);

        manager.Tell(new UnregisterProducer(BrokerName, "TopicP", "gone-p"));
        Volatile.Write(ref now, now + 61_000); // grpc-p: 121 s silent, native-p: 61 s
        AwaitAssert(() =>
        {
            manager.Tell(new GetProducerConnection(BrokerName, "TopicP"), TestActor);
            Assert.Equal(new[] { "native-p" }, ExpectMsg<ProducerConnectionInfo>().Connections.Select(c => c.ClientId));
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Through_the_gateway_a_bad_producer_group_is_refused_and_the_broker_keeps_serving()
    {
        Gateway.Tell(new ProducerHeartbeat(BrokerName, "bad group!", "c1", Grpc), TestActor);
        var refused = ExpectMsg<ProducerHeartbeatReply>(TimeSpan.FromSeconds(10));
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, refused.Code);
        Assert.Contains("bad group!", refused.Error);
        Gateway.Tell(new ProducerHeartbeat(BrokerName, "good-group", "c1", Grpc), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<ProducerHeartbeatReply>(TimeSpan.FromSeconds(10)).Code);
        Gateway.Tell(new GetProducerConnection(BrokerName, "good-group"), TestActor);
        Assert.Equal("c1", Assert.Single(ExpectMsg<ProducerConnectionInfo>(TimeSpan.FromSeconds(10)).Connections).ClientId);
    }

    [Fact]
    public void Check_backs_go_to_the_heartbeat_senders_of_the_group_in_turn_and_a_stopped_one_leaves_the_listing()
    {
        var manager = Sys.ActorOf(ProducerGroupManager.Props(BrokerName, "tx-pg", Fast));
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        manager.Tell(new ProducerHeartbeat(BrokerName, "tx-pg", "a", Grpc), a.Ref);
        a.ExpectMsg<ProducerHeartbeatReply>();
        manager.Tell(new ProducerHeartbeat(BrokerName, "tx-pg", "b", Grpc), b.Ref);
        b.ExpectMsg<ProducerHeartbeatReply>();
        CheckTransactionState Check(string tx) =>
            new(BrokerName, "tx-pg", tx, 1, new MessageExt("T", BrokerName, 0, 0, null, null, new Dictionary<string, string>(), new byte[] { 1 }, 0, 0));

        foreach (var tx in new[] { "t1", "t2", "t3", "t4" }) manager.Tell(Check(tx));
        Assert.Equal(new[] { "t1", "t3" }, new[] { a.ExpectMsg<CheckTransactionState>().TransactionId, a.ExpectMsg<CheckTransactionState>().TransactionId });
        Assert.Equal(new[] { "t2", "t4" }, new[] { b.ExpectMsg<CheckTransactionState>().TransactionId, b.ExpectMsg<CheckTransactionState>().TransactionId });

        Sys.Stop(a.Ref);
        AwaitAssert(() =>
        {
            manager.Tell(new GetProducerConnection(BrokerName, "tx-pg"), TestActor);
            Assert.Equal(new[] { "b" }, ExpectMsg<ProducerConnectionInfo>().Connections.Select(c => c.ClientId));
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        manager.Tell(Check("t5"));
        Assert.Equal("t5", b.ExpectMsg<CheckTransactionState>().TransactionId);
    }
}
