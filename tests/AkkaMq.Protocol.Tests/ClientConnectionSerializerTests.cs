using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Protocol.Tests;

/// <summary>Samples of the client-connection messages: producer heartbeats and producerConnection, POP consumers' heartbeats.</summary>
internal static class ClientConnectionSamples
{
    private static readonly ClientChannel Grpc = new("10.0.0.9:51234", "NODE_JS", "1.0.8");
    private static readonly ClientChannel Native = new(null, "DOTNET", Samples.Unicode);

    public static readonly Dictionary<string, Func<object>> All = new()
    {
        ["ProducerHeartbeat"] = () => new ProducerHeartbeat("broker-a", "TopicTest", "10.0.0.9@4711#p1", Grpc),
        ["ProducerHeartbeat-native"] = () => new ProducerHeartbeat("broker-a", "DEFAULT_PRODUCER", Samples.Unicode, Native),
        ["ProducerHeartbeatReply"] = () => new ProducerHeartbeatReply("broker-a", "TopicTest", "c1", ResponseCode.Success, null),
        ["ProducerHeartbeatReply-error"] = () => new ProducerHeartbeatReply("b", "g", "c", ResponseCode.ConsumerGroupIllegal, "bad group"),
        ["UnregisterProducer"] = () => new UnregisterProducer("broker-a", "TopicTest", "c1"),
        ["GetProducerConnection"] = () => new GetProducerConnection("broker-a", Samples.Unicode),
        ["ProducerConnectionInfo"] = () => new ProducerConnectionInfo("broker-a", "TopicTest", new[]
        {
            new ProducerConnectionEntry("c1", Grpc, 1_700_000_000_000), new ProducerConnectionEntry(Samples.Unicode, Native, long.MaxValue),
        }, ResponseCode.Success, null),
        ["ProducerConnectionInfo-error"] = () => new ProducerConnectionInfo("b", "g", Array.Empty<ProducerConnectionEntry>(), ResponseCode.SystemError, "x"),
        ["PopConsumerHeartbeat"] = () => new PopConsumerHeartbeat("broker-a", "group-1", "c1", Grpc,
            new[] { new SubscriptionData("TopicTest", "TagA || TagB") }),
        ["ConsumerConnectionInfo-channels"] = () => new ConsumerConnectionInfo("broker-a", "group-1", new[]
        {
            new ConsumerConnectionEntry("c1", "10.0.0.9:51234", MessageModel.Clustering, new[] { new SubscriptionData("TopicTest", "*") }, 1_700_000_000_000)
                { Channel = Grpc, Pop = true },
            new ConsumerConnectionEntry("10.0.0.1@4711#1", null, MessageModel.Broadcasting, Array.Empty<SubscriptionData>(), 5),
        }, ResponseCode.Success, null),
    };

    public static readonly (Type Type, string Manifest)[] PinnedManifests =
    {
        (typeof(ProducerHeartbeat), "CKH"), (typeof(ProducerHeartbeatReply), "CKR"), (typeof(UnregisterProducer), "CKU"),
        (typeof(GetProducerConnection), "CKG"), (typeof(ProducerConnectionInfo), "CKC"), (typeof(PopConsumerHeartbeat), "CKP"),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
    public static IEnumerable<object[]> Manifests => PinnedManifests.Select(x => new object[] { x.Type.Name, x.Manifest });
}

public sealed class ClientConnectionSerializerTests : SerializerTestBase
{
    public ClientConnectionSerializerTests(SerializerFixture fx) : base(fx) { }

    [Theory]
    [MemberData(nameof(ClientConnectionSamples.Names), MemberType = typeof(ClientConnectionSamples))]
    public void Every_client_connection_sample_round_trips_field_by_field(string name) => Fx.AssertRoundTrip(ClientConnectionSamples.All[name]());

    [Theory]
    [MemberData(nameof(ClientConnectionSamples.Manifests), MemberType = typeof(ClientConnectionSamples))]
    public void Client_connection_manifests_are_pinned(string typeName, string manifest)
    {
        var sample = ClientConnectionSamples.All.Values.Select(f => f()).First(o => o.GetType().Name == typeName);
        Assert.Equal(manifest, Ser.Manifest(sample));
    }

    [Fact]
    public void A_consumer_connection_with_channels_is_ACC2_and_one_without_keeps_the_ACC_bytes()
    {
        var v2 = (ConsumerConnectionInfo)ClientConnectionSamples.All["ConsumerConnectionInfo-channels"]();
        Assert.Equal("ACC2", Ser.Manifest(v2));
        var back = RoundTrip(v2);
        Assert.Equal("NODE_JS", back.Connections[0].Channel!.Language);
        Assert.True(back.Connections[0].Pop);
        Assert.Null(back.Connections[1].Channel);
        var plain = (ConsumerConnectionInfo)AdminSamples.All["ConsumerConnectionInfo"]();
        Assert.Equal("ACC", Ser.Manifest(plain));
        // Its bytes are the fixture's (SerializerFormatFixtureTests): entries without a channel never change the "ACC" layout.
    }

    [Fact]
    public void Producer_heartbeat_bytes_are_pinned()
    {
        // broker, group, client id, then the channel: address (absent), language, version.
        Assert.Equal("026202670263000344310276", Convert.ToHexString(Ser.ToBinary(new ProducerHeartbeat("b", "g", "c", new ClientChannel(null, "D1", "v")))));
    }
}
