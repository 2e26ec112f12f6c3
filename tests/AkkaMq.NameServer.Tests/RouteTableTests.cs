using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.NameServer.Tests;

/// <summary>The route table on its own (local provider): probes play the broker gateways.</summary>
public sealed class RouteTableTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config TestConfig = ConfigurationFactory.ParseString("""
        akka.actor.serialize-messages = on
        # A reply normally comes in milliseconds; the slack is for a stalled shared CI runner.
        akka.test.single-expect-default = 10s
        akkamq.namesrv.broker-expiry = 1s
        akkamq.namesrv.scan-interval = 100ms
        akkamq.namesrv.topic-creation-timeout = 1s
        """).WithFallback(ProtocolConfig.Default);

    private readonly IActorRef _routes;

    public RouteTableTests(ITestOutputHelper output) : base(TestConfig, output: output)
    {
        _routes = Sys.ActorOf(RouteTable.Props(NameServerSettings.Create(Sys.Settings.Config)));
    }

    private static BrokerIdentity Broker(string name, long id = 0, string cluster = "DefaultCluster") =>
        new(cluster, name, id, $"127.0.0.1:{10911 + id}");

    private void Register(TestProbe gateway, BrokerIdentity broker, bool autoCreate = true, params TopicConfig[] topics)
    {
        _routes.Tell(new RegisterBroker(broker, topics, autoCreate, 4), gateway);
        var reply = gateway.ExpectMsg<RegisterBrokerReply>();
        Assert.Equal(ResponseCode.Success, reply.Code);
    }

    private RouteInfoReply Route(string topic, bool autoCreate = false)
    {
        _routes.Tell(new GetRouteInfo(topic, autoCreate), TestActor);
        return ExpectMsg<RouteInfoReply>();
    }

    [Fact]
    public void Registered_topics_are_routed_with_queue_counts_permissions_and_every_node_of_the_group()
    {
        var a0 = CreateTestProbe();
        var a1 = CreateTestProbe();
        var b0 = CreateTestProbe();
        Register(a0, Broker("broker-a"), true, new TopicConfig("Orders", 8, 4, Perm.ReadWrite));
        Register(a1, Broker("broker-a", 1), true, new TopicConfig("Orders", 8, 4, Perm.ReadWrite));
        Register(b0, Broker("broker-b"), true, new TopicConfig("Orders", 2, 2, Perm.Read));

        var r = Route("Orders");
        Assert.Equal(ResponseCode.Success, r.Code);
        var qa = r.Route!.QueueDatas.Single(q => q.BrokerName == "broker-a");
        Assert.Equal((8, 4, Perm.ReadWrite), (qa.ReadQueueNums, qa.WriteQueueNums, qa.Perm));
        Assert.Equal(Perm.Read, r.Route.QueueDatas.Single(q => q.BrokerName == "broker-b").Perm);
        var ba = r.Route.BrokerDatas.Single(b => b.BrokerName == "broker-a");
        Assert.Equal(new[] { 0L, 1L }, ba.BrokerAddrs.Keys.OrderBy(k => k));
        Assert.Equal("127.0.0.1:10911", ba.SelectAddress());

        var missing = Route("Nope");
        Assert.Equal(ResponseCode.TopicNotExist, missing.Code);
        Assert.Contains("'Nope' does not exist", missing.Error);
    }

    [Fact]
    public void A_broker_without_heartbeat_is_dropped_after_the_expiry()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        Register(a, Broker("broker-a"), true, TopicConfig.Create("T"));
        Register(b, Broker("broker-b"), true, TopicConfig.Create("T"));
        // broker-b keeps heart-beating, broker-a stops.
        AwaitAssert(() =>
        {
            _routes.Tell(new RegisterBroker(Broker("broker-b"), new[] { TopicConfig.Create("T") }, true, 4), b);
            var r = Route("T");
            Assert.Equal(new[] { "broker-b" }, r.Route!.QueueDatas.Select(q => q.BrokerName));
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_stopped_gateway_is_dropped_at_once_and_returns_when_it_registers_again()
    {
        var a = CreateTestProbe();
        Register(a, Broker("broker-a"), true, TopicConfig.Create("T"));
        Watch(a.Ref);
        Sys.Stop(a.Ref);
        ExpectTerminated(a.Ref);
        AwaitAssert(() => Assert.Equal(ResponseCode.TopicNotExist, Route("T").Code));

        var back = CreateTestProbe();
        Register(back, Broker("broker-a"), true, TopicConfig.Create("T"));
        Assert.Equal(ResponseCode.Success, Route("T").Code);
    }

    [Fact]
    public void Unknown_topics_are_auto_created_on_brokers_that_allow_it()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        Register(a, Broker("broker-a"), autoCreate: true);
        Register(b, Broker("broker-b"), autoCreate: false);
        _routes.Tell(new GetRouteInfo("Fresh", true), TestActor);
        var update = a.ExpectMsg<UpdateTopicConfig>();
        Assert.Equal(new TopicConfig("Fresh", 4, 4, Perm.ReadWrite), update.Config);
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        a.Reply(new UpdateTopicConfigReply("broker-a", "Fresh", update.Config, ResponseCode.Success, null));
        var r = ExpectMsg<RouteInfoReply>();
        Assert.Equal(ResponseCode.Success, r.Code);
        Assert.Equal("broker-a", r.Route!.QueueDatas.Single().BrokerName);
    }

    [Fact]
    public void Auto_create_off_everywhere_gives_TOPIC_NOT_EXIST()
    {
        Register(CreateTestProbe(), Broker("broker-a"), autoCreate: false);
        var r = Route("Fresh", autoCreate: true);
        Assert.Equal(ResponseCode.TopicNotExist, r.Code);
        Assert.Contains("autoCreateTopicEnable is off", r.Error);
        Assert.Equal("TOPIC_NOT_EXIST: " + r.Error, new AkkaMqException(r.Code, r.Error!).Message);
    }

    [Fact]
    public void CreateTopic_targets_a_cluster_or_a_broker_and_reports_silent_brokers()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var c = CreateTestProbe();
        Register(a, Broker("broker-a"));
        Register(b, Broker("broker-b"));
        Register(c, Broker("broker-c", cluster: "OtherCluster"));

        _routes.Tell(new CreateTopic(new TopicConfig("Spread", 4, 4, Perm.ReadWrite), "DefaultCluster", null), TestActor);
        foreach (var (probe, name) in new[] { (a, "broker-a"), (b, "broker-b") })
        {
            var u = probe.ExpectMsg<UpdateTopicConfig>();
            probe.Reply(new UpdateTopicConfigReply(name, "Spread", u.Config, ResponseCode.Success, null));
        }
        c.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var reply = ExpectMsg<CreateTopicReply>();
        Assert.Equal(ResponseCode.Success, reply.Code);
        Assert.Equal(new[] { "broker-a", "broker-b" }, reply.Brokers.OrderBy(x => x));
        Assert.Equal(2, Route("Spread").Route!.QueueDatas.Count);

        // One broker never answers: the reply names it after the timeout.
        _routes.Tell(new CreateTopic(TopicConfig.Create("Half"), null, null), TestActor);
        var ua = a.ExpectMsg<UpdateTopicConfig>();
        a.Reply(new UpdateTopicConfigReply("broker-a", "Half", ua.Config, ResponseCode.Success, null));
        b.ExpectMsg<UpdateTopicConfig>();
        c.ExpectMsg<UpdateTopicConfig>();
        c.Reply(new UpdateTopicConfigReply("broker-c", "Half", ua.Config, ResponseCode.Success, null));
        var partial = ExpectMsg<CreateTopicReply>(TimeSpan.FromSeconds(3));
        Assert.Equal(ResponseCode.SystemError, partial.Code);
        Assert.Contains("broker-b: no answer", partial.Error);
    }

    [Theory]
    [InlineData("bad name", 4, 4, 6, "illegal character")]
    [InlineData("T", 0, 4, 6, "writeQueueNums 0")]
    [InlineData("T", 4, 5000, 6, "readQueueNums 5000")]
    [InlineData("T", 4, 4, 9, "perm 9")]
    public void CreateTopic_refuses_bad_configs(string topic, int write, int read, int perm, string error)
    {
        Register(CreateTestProbe(), Broker("broker-a"));
        _routes.Tell(new CreateTopic(new TopicConfig(topic, read, write, perm), null, null), TestActor);
        var reply = ExpectMsg<CreateTopicReply>();
        Assert.Equal(ResponseCode.MessageIllegal, reply.Code);
        Assert.Contains(error, reply.Error);
    }

    [Fact]
    public void Broker_names_with_colliding_id_hashes_are_refused()
    {
        // Find two names with one FNV-1a hash by brute force over a small space.
        var seen = new Dictionary<uint, string>();
        string first = "", second = "";
        for (var i = 0; ; i++)
        {
            var name = "b" + i;
            var h = MessageId.Hash(name);
            if (seen.TryGetValue(h, out var other)) { first = other; second = name; break; }
            seen[h] = name;
        }
        Register(CreateTestProbe(), Broker(first));
        var probe = CreateTestProbe();
        _routes.Tell(new RegisterBroker(Broker(second), Array.Empty<TopicConfig>(), true, 4), probe);
        var reply = probe.ExpectMsg<RegisterBrokerReply>();
        Assert.Equal(ResponseCode.SystemError, reply.Code);
        Assert.Contains(first, reply.Error);
    }
}
