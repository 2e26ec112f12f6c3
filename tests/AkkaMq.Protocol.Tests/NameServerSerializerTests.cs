using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Tests;

/// <summary>NameServer wire messages round-trip field by field.</summary>
public sealed class NameServerSerializerTests : SerializerTestBase
{
    public NameServerSerializerTests(SerializerFixture fx) : base(fx) { }

    [Fact]
    public void RegisterBroker_round_trips_every_field()
    {
        var m = (RegisterBroker)Samples.Get("RegisterBroker");
        var back = RoundTrip(m);
        AssertIdentity(m.Broker, back.Broker);
        Assert.Equal(m.Topics.ToArray(), back.Topics.ToArray());
        Assert.True(back.AutoCreateTopicEnable);
        Assert.Equal(8, back.DefaultTopicQueueNums);

        var slave = (RegisterBroker)Samples.Get("RegisterBroker-slave-noTopics");
        var back2 = RoundTrip(slave);
        AssertIdentity(slave.Broker, back2.Broker);
        Assert.False(back2.Broker.IsMaster);
        Assert.Empty(back2.Topics);
        Assert.False(back2.AutoCreateTopicEnable);
        Assert.Equal(0, back2.DefaultTopicQueueNums);
    }

    [Theory]
    [InlineData(ResponseCode.Success, null)]
    [InlineData(ResponseCode.SystemError, "")]
    [InlineData(ResponseCode.SystemBusy, "busy " + Samples.Unicode)]
    [InlineData((ResponseCode)12345, "unknown code survives")]
    public void RegisterBrokerReply_round_trips(ResponseCode code, string? error)
    {
        var back = RoundTrip(new RegisterBrokerReply(code, error));
        Assert.Equal(code, back.Code);
        Assert.Equal(error, back.Error);
    }

    [Fact]
    public void UnregisterBroker_round_trips()
    {
        var m = new UnregisterBroker("DefaultCluster", "broker-a", long.MaxValue);
        var back = RoundTrip(m);
        Assert.Equal(m, back);
        Assert.Equal(long.MaxValue, back.BrokerId);
    }

    [Theory]
    [InlineData("TopicTest", true)]
    [InlineData(Samples.Unicode, false)]
    public void GetRouteInfo_round_trips(string topic, bool allowAutoCreate)
    {
        var back = RoundTrip(new GetRouteInfo(topic, allowAutoCreate));
        Assert.Equal(topic, back.Topic);
        Assert.Equal(allowAutoCreate, back.AllowAutoCreate);
    }

    [Fact]
    public void RouteInfoReply_with_route_round_trips_every_field()
    {
        var m = (RouteInfoReply)Samples.Get("RouteInfoReply");
        var back = RoundTrip(m);
        Assert.Equal(m.Topic, back.Topic);
        Assert.Equal(m.Code, back.Code);
        Assert.Null(back.Error);
        Assert.NotNull(back.Route);
        Assert.Equal(m.Route!.QueueDatas.ToArray(), back.Route!.QueueDatas.ToArray());
        Assert.Equal(m.Route.BrokerDatas.Count, back.Route.BrokerDatas.Count);
        for (var i = 0; i < m.Route.BrokerDatas.Count; i++)
        {
            var e = m.Route.BrokerDatas[i];
            var a = back.Route.BrokerDatas[i];
            Assert.Equal(e.Cluster, a.Cluster);
            Assert.Equal(e.BrokerName, a.BrokerName);
            Assert.Equal(e.BrokerAddrs.OrderBy(kv => kv.Key), a.BrokerAddrs.OrderBy(kv => kv.Key));
            Assert.Equal(e.SelectAddress(), a.SelectAddress());
        }
    }

    [Fact]
    public void RouteInfoReply_without_route_round_trips_null_route()
    {
        var m = (RouteInfoReply)Samples.Get("RouteInfoReply-noRoute");
        var back = RoundTrip(m);
        Assert.Equal(m.Topic, back.Topic);
        Assert.Equal(ResponseCode.TopicNotExist, back.Code);
        Assert.Equal(m.Error, back.Error);
        Assert.Null(back.Route);

        var empty = RoundTrip((RouteInfoReply)Samples.Get("RouteInfoReply-emptyRoute"));
        Assert.NotNull(empty.Route);
        Assert.Empty(empty.Route!.QueueDatas);
        Assert.Empty(empty.Route.BrokerDatas);
    }

    [Theory]
    [InlineData("DefaultCluster", null)]
    [InlineData(null, "broker-a")]
    [InlineData(null, null)]
    [InlineData(Samples.Unicode, Samples.Unicode)]
    public void CreateTopic_round_trips_optional_targets(string? cluster, string? broker)
    {
        var m = new CreateTopic(new TopicConfig("TopicTest", 8, 16, Perm.Write), cluster, broker);
        var back = RoundTrip(m);
        Assert.Equal(m.Config, back.Config);
        Assert.Equal(cluster, back.ClusterName);
        Assert.Equal(broker, back.BrokerName);
    }

    [Fact]
    public void CreateTopicReply_round_trips_every_field()
    {
        var m = (CreateTopicReply)Samples.Get("CreateTopicReply");
        var back = RoundTrip(m);
        Assert.Equal(m.Topic, back.Topic);
        Assert.Equal(m.Code, back.Code);
        Assert.Null(back.Error);
        Assert.Equal(m.Brokers.ToArray(), back.Brokers.ToArray());

        var empty = (CreateTopicReply)Samples.Get("CreateTopicReply-empty");
        var back2 = RoundTrip(empty);
        Assert.Equal(ResponseCode.ServiceNotAvailable, back2.Code);
        Assert.Equal("no brokers", back2.Error);
        Assert.Empty(back2.Brokers);
    }

    [Fact]
    public void Singletons_serialize_to_nothing_and_come_back_as_the_instance()
    {
        Assert.Empty(Ser.ToBinary(GetBrokerClusterInfo.Instance));
        Assert.Empty(Ser.ToBinary(RequestBrokerRegistration.Instance));
        Assert.Same(GetBrokerClusterInfo.Instance, RoundTrip(GetBrokerClusterInfo.Instance));
        Assert.Same(RequestBrokerRegistration.Instance, RoundTrip(RequestBrokerRegistration.Instance));
    }

    [Fact]
    public void BrokerClusterInfo_round_trips_every_field()
    {
        var m = (BrokerClusterInfo)Samples.Get("BrokerClusterInfo");
        var back = RoundTrip(m);
        Assert.Equal(m.Brokers.Count, back.Brokers.Count);
        for (var i = 0; i < m.Brokers.Count; i++)
        {
            AssertIdentity(m.Brokers[i].Broker, back.Brokers[i].Broker);
            Assert.Equal(m.Brokers[i].LastUpdateTimestamp, back.Brokers[i].LastUpdateTimestamp);
            Assert.Equal(m.Brokers[i].TopicCount, back.Brokers[i].TopicCount);
        }
        Assert.Empty(RoundTrip(new BrokerClusterInfo(Array.Empty<BrokerRegistrationInfo>())).Brokers);
    }
}
