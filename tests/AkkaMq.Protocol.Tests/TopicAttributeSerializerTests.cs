using System.Text;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>
/// Topic configs with attributes travel and persist under the "..2" manifests; without attributes every message keeps
/// its version 1 manifest and bytes, and version 1 payloads read back as configs with no attributes.
/// </summary>
public sealed class TopicAttributeSerializerTests : SerializerTestBase
{
    public TopicAttributeSerializerTests(SerializerFixture fx) : base(fx) { }

    private static readonly IReadOnlyDictionary<string, string> TenMinutes = new Dictionary<string, string> { ["retention.time"] = "10m" };

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    // "T", read 1, write 2, perm 6: zigzag varints 2, 4, 12.
    private static readonly byte[] V1Config = { 0x02, (byte)'T', 0x02, 0x04, 0x0C };

    // The version 1 layout, then the attribute map: count 1, "retention.time", "10m" (strings carry length + 1).
    private static readonly byte[] V2Config = V1Config.Concat(new byte[] { 0x01, 0x0F }).Concat(Ascii("retention.time"))
        .Concat(new byte[] { 0x04 }).Concat(Ascii("10m")).ToArray();

    [Fact]
    public void TopicConfigChanged_with_attributes_is_STC2_and_its_bytes_are_pinned()
    {
        var e = new TopicConfigChanged(new TopicConfig("T", 1, 2, 6) { Attributes = TenMinutes });
        Assert.Equal("STC2", Ser.Manifest(e));
        Assert.Equal(V2Config, Ser.ToBinary(e));
        var back = Assert.IsType<TopicConfigChanged>(Ser.FromBinary(V2Config, "STC2"));
        Assert.Equal(e, back);
        Assert.Equal(TimeSpan.FromMinutes(10), back.Config.RetentionTime);
    }

    [Fact]
    public void A_config_without_attributes_keeps_the_version_1_manifest_and_bytes()
    {
        var e = new TopicConfigChanged(new TopicConfig("T", 1, 2, 6));
        Assert.Equal("STC1", Ser.Manifest(e));
        Assert.Equal(V1Config, Ser.ToBinary(e));
        Assert.Equal("STS1", Ser.Manifest(new TopicConfigsSnapshot(new[] { e.Config })));
        Assert.Equal("BUT", Ser.Manifest(new UpdateTopicConfig("b", e.Config)));
        Assert.Equal("BUR", Ser.Manifest(new UpdateTopicConfigReply("b", "T", e.Config, ResponseCode.Success, null)));
        Assert.Equal("BTC", Ser.Manifest(new TopicConfigs("b", new[] { e.Config })));
        Assert.Equal("NRB", Ser.Manifest(new RegisterBroker(Samples.Identity(), new[] { e.Config }, true, 4)));
        Assert.Equal("NCT", Ser.Manifest(new CreateTopic(e.Config, null, null)));
    }

    [Fact]
    public void A_version_1_payload_reads_as_a_config_with_no_attributes()
    {
        var back = Assert.IsType<TopicConfigChanged>(Ser.FromBinary(V1Config, "STC1"));
        Assert.Equal(new TopicConfig("T", 1, 2, 6), back.Config);
        Assert.Empty(back.Config.Attributes);
        Assert.Null(back.Config.RetentionTime);
    }

    [Fact]
    public void One_config_with_attributes_makes_the_whole_snapshot_version_2()
    {
        var s = new TopicConfigsSnapshot(new[] { new TopicConfig("A", 1, 1, 6), new TopicConfig("T", 1, 2, 6) { Attributes = TenMinutes } });
        Assert.Equal("STS2", Ser.Manifest(s));
        // count 2, "A" 1 1 6 with an empty map, then the pinned config.
        var expected = new byte[] { 0x02, 0x02, (byte)'A', 0x02, 0x02, 0x0C, 0x00 }.Concat(V2Config).ToArray();
        Assert.Equal(expected, Ser.ToBinary(s));
        var back = RoundTrip(s);
        Assert.Empty(back.Configs[0].Attributes);
        Assert.Equal("10m", back.Configs[1].Attributes["retention.time"]);
    }

    [Fact]
    public void Attributes_are_written_in_name_order_whatever_order_they_were_given_in()
    {
        var forward = new TopicConfigChanged(TopicConfig.Create("T") with { Attributes = Samples.Attributes() });
        var reversed = new TopicConfigChanged(TopicConfig.Create("T") with { Attributes = Samples.Attributes().Reverse().ToDictionary() });
        Assert.Equal(Ser.ToBinary(forward), Ser.ToBinary(reversed));
        Assert.Equal(new[] { "message.type", "retention.bytes", "retention.time" }, RoundTrip(forward).Config.Attributes.Keys);
    }

    [Fact]
    public void The_route_carries_each_broker_groups_attributes()
    {
        var reply = (RouteInfoReply)Samples.Get("RouteInfoReply-attributes");
        Assert.Equal("NRI2", Ser.Manifest(reply));
        var back = RoundTrip(reply);
        Assert.Equal("10m", back.Route!.QueueDatas[0].Attributes["retention.time"]);
        Assert.Empty(back.Route.QueueDatas[1].Attributes);
        Assert.Equal("NRI", Ser.Manifest(reply with { Route = new TopicRouteData(new[] { new QueueData("b", 1, 1, 6) }, Array.Empty<BrokerData>()) }));
    }

    [Theory]
    [InlineData("UpdateTopicConfig-attributes", "BUT2")]
    [InlineData("UpdateTopicConfigReply-attributes", "BUR2")]
    [InlineData("TopicConfigs-attributes", "BTC2")]
    [InlineData("RegisterBroker-attributes", "NRB2")]
    [InlineData("RouteInfoReply-attributes", "NRI2")]
    [InlineData("CreateTopic-attributes", "NCT2")]
    [InlineData("TopicConfigChanged-attributes", "STC2")]
    [InlineData("TopicConfigsSnapshot-attributes", "STS2")]
    public void Every_message_with_attributes_uses_its_version_2_manifest_and_round_trips(string sample, string manifest)
    {
        var m = Samples.Get(sample);
        Assert.Equal(manifest, Ser.Manifest(m));
        Deep.Equal(m, Ser.FromBinary(Ser.ToBinary(m), manifest));
    }

    [Fact]
    public void The_alteration_map_of_an_update_survives_the_wire()
    {
        var back = RoundTrip((CreateTopic)Samples.Get("CreateTopic-attributes"));
        Assert.Equal("72h", back.Config.Attributes["+retention.time"]);
        Assert.Equal("", back.Config.Attributes["-retention.bytes"]);
        Assert.Equal("broker-a", back.BrokerName);
    }
}
