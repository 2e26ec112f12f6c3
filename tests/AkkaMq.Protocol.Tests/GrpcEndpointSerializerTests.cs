using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Tests;

/// <summary>
/// A registration or route that names gRPC endpoints travels under "NRB3"/"NRI3"; without endpoints every message keeps its
/// earlier manifest and bytes, so nodes without the endpoint talk as before.
/// </summary>
public sealed class GrpcEndpointSerializerTests : SerializerTestBase
{
    public GrpcEndpointSerializerTests(SerializerFixture fx) : base(fx) { }

    [Fact]
    public void A_registration_with_an_endpoint_is_NRB3_and_one_without_keeps_NRB()
    {
        var plain = new RegisterBroker(Samples.Identity(), new[] { TopicConfig.Create("A") }, true, 4);
        var withEndpoint = plain with { GrpcEndpoint = "127.0.0.1:8081" };
        Assert.Equal("NRB", Ser.Manifest(plain));
        Assert.Equal("NRB3", Ser.Manifest(withEndpoint));
        var back = RoundTrip(withEndpoint);
        Assert.Equal("127.0.0.1:8081", back.GrpcEndpoint);
        Assert.Equal(plain.Topics, back.Topics);
        Assert.Null(((RegisterBroker)Ser.FromBinary(Ser.ToBinary(plain), "NRB")).GrpcEndpoint);
    }

    [Fact]
    public void A_route_keeps_each_nodes_endpoint_and_the_serving_nodes_is_selected()
    {
        var m = (RouteInfoReply)Samples.Get("RouteInfoReply-grpc");
        Assert.Equal("NRI3", Ser.Manifest(m));
        var back = RoundTrip(m);
        Assert.Equal("10.0.0.1:8081", back.Route!.BrokerDatas[0].SelectGrpcEndpoint());
        Assert.Equal("[::1]:8081", back.Route.BrokerDatas[0].GrpcEndpoints[1]);
        Assert.Null(back.Route.BrokerDatas[1].SelectGrpcEndpoint());
        Assert.Equal(m.Route!.QueueDatas[0].Attributes, back.Route.QueueDatas[0].Attributes);
        // Without endpoints the route keeps its earlier manifest.
        Assert.Equal("NRI2", Ser.Manifest((RouteInfoReply)Samples.Get("RouteInfoReply-attributes")));
        Assert.Equal("NRI", Ser.Manifest((RouteInfoReply)Samples.Get("RouteInfoReply")));
    }

    [Fact]
    public void After_a_failover_the_lowest_live_id_with_an_endpoint_is_the_one_selected()
    {
        var slaveOnly = new BrokerData("C", "b", new Dictionary<long, string> { [1] = "h:1" })
        {
            GrpcEndpoints = new Dictionary<long, string> { [1] = "h:8082" },
        };
        Assert.Equal("h:8082", slaveOnly.SelectGrpcEndpoint());
        var masterWithout = slaveOnly with { BrokerAddrs = new Dictionary<long, string> { [0] = "m:1", [1] = "h:1" } };
        Assert.Null(masterWithout.SelectGrpcEndpoint());
    }
}
