using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Serialization;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>Samples of the admin messages and the store formats added with them.</summary>
internal static class AdminSamples
{
    // Fixtures/serializer-5a1ab64.txt holds these samples' bytes: add samples, never change existing ones.
    public static readonly Dictionary<string, Func<object>> All = new()
    {
        ["GetAllTopicList"] = () => GetAllTopicList.Instance,
        ["TopicList"] = () => new TopicList(new[] { new TopicListEntry("A", new[] { "broker-a", "broker-b" }), new TopicListEntry(Samples.Unicode, Array.Empty<string>()) }),
        ["TopicList-empty"] = () => new TopicList(Array.Empty<TopicListEntry>()),
        ["DeleteTopicInBroker"] = () => new DeleteTopicInBroker("broker-a", "TopicTest"),
        ["DeleteTopicInNameServer"] = () => new DeleteTopicInNameServer(Samples.LongUnicode),
        ["DeleteTopicReply"] = () => new DeleteTopicReply("TopicTest", ResponseCode.TopicNotExist, "gone", new[] { "broker-a" }),
        ["DeleteTopicReply-ok"] = () => new DeleteTopicReply("T", ResponseCode.Success, null, Array.Empty<string>()),
        ["GetBrokerRuntimeInfo"] = () => new GetBrokerRuntimeInfo("broker-a"),
        ["BrokerRuntimeInfo"] = () => new BrokerRuntimeInfo(Samples.Identity(1), 1_700_000_000_000, long.MaxValue, 0, 1234.5, double.NaN, 7,
            new Dictionary<string, string> { ["brokerRole"] = "SLAVE", [Samples.Unicode] = "" }, ResponseCode.Success, null),
        ["GetConsumerOffsets"] = () => new GetConsumerOffsets("broker-a", "group-1", "TopicTest"),
        ["ConsumerOffsets"] = () => new ConsumerOffsets("group-1", "TopicTest", new Dictionary<int, long> { [0] = 5, [3] = long.MaxValue }, 17,
            ResponseCode.Success, null),
        ["ConsumerOffsets-error"] = () => new ConsumerOffsets("g", "t", new Dictionary<int, long>(), -1, ResponseCode.TopicNotExist, "no topic"),
        ["QueryMessageKey"] = () => new QueryMessageKey("broker-a", "TopicTest", 3, "order-42", 32),
        ["MessageKeyOffsets"] = () => new MessageKeyOffsets("TopicTest", 3, "order-42", new long[] { 0, 17, long.MaxValue }, ResponseCode.Success, null),
        ["GetConsumerConnection"] = () => new GetConsumerConnection("broker-a", "group-1"),
        ["ConsumerConnectionInfo"] = () => new ConsumerConnectionInfo("broker-a", "group-1", new[]
        {
            new ConsumerConnectionEntry("10.0.0.1@4711#1", "10.0.0.1:4711", MessageModel.Clustering,
                new[] { new SubscriptionData("TopicTest", "TagA || TagB"), new SubscriptionData("%RETRY%group-1", "*") }, 1_700_000_000_000),
            new ConsumerConnectionEntry(Samples.Unicode, null, MessageModel.Broadcasting, Array.Empty<SubscriptionData>(), long.MaxValue),
        }, ResponseCode.Success, null),
        ["ConsumerConnectionInfo-error"] = () => new ConsumerConnectionInfo("b", "g", Array.Empty<ConsumerConnectionEntry>(), ResponseCode.ConsumerGroupIllegal, "bad group"),
        ["TopicConfigDeleted"] = () => new TopicConfigDeleted("TopicTest"),
        ["QueueLogKeyedSnapshot"] = () => new QueueLogKeyedSnapshot(1000, 0, 1_700_000_000_000, 2,
            new[] { new QueueIndexEntry(0, 1, 1_700_000_000_000), new QueueIndexEntry(640, 65, 1_700_000_000_050) },
            new[] { new KeyIndexEntry("k1", new long[] { 1, 2 }), new KeyIndexEntry(Samples.Unicode, new long[] { 999 }) }),
        ["QueueLogKeyedSnapshot-empty"] = () => new QueueLogKeyedSnapshot(0, 0, -1, 1, Array.Empty<QueueIndexEntry>(), Array.Empty<KeyIndexEntry>()),
        // Added after the fixture (deleteTopic purge, retention.bytes): bytes pinned in PurgeSerializerTests.
        ["TopicPurgeStarted"] = () => new TopicPurgeStarted(new TopicConfig("TopicTest", 8, 4, 6)
            { Attributes = new Dictionary<string, string> { [TopicAttributes.RetentionBytes] = "1GiB" } }),
        ["ConsumerOffsetsDeleted"] = () => new ConsumerOffsetsDeleted(1_700_000_000_000),
        ["QueueLogSizedSnapshot"] = () => new QueueLogSizedSnapshot(1000, 640, 1_700_000_000_000, 2,
            new[] { new QueueIndexEntry(640, 65, 1_700_000_000_050) }, new[] { new KeyIndexEntry("k1", new long[] { 641 }) }, long.MaxValue),
        // Offset resets reaching running consumers
        ["InvokeBrokerToResetOffset"] = () => new InvokeBrokerToResetOffset("broker-a", "group-1", "TopicTest", new Dictionary<int, long> { [0] = 0, [3] = long.MaxValue }),
        ["ResetOffsetReply"] = () => new ResetOffsetReply("broker-a", "group-1", "TopicTest", new[] { "10.0.0.1@4711#1", Samples.Unicode }, ResponseCode.Success, null),
        ["ResetOffsetReply-error"] = () => new ResetOffsetReply("b", "g", "t", Array.Empty<string>(), ResponseCode.ConsumerGroupIllegal, "bad group"),
        ["ResetConsumerClientOffset"] = () => new ResetConsumerClientOffset("broker-a", "group-1", Samples.Unicode, new Dictionary<int, long> { [1] = 17 }),
    };

    public static readonly (Type Type, string Manifest)[] PinnedManifests =
    {
        (typeof(GetAllTopicList), "ATL"), (typeof(TopicList), "ATR"), (typeof(DeleteTopicInBroker), "ADB"),
        (typeof(DeleteTopicInNameServer), "ADN"), (typeof(DeleteTopicReply), "ADR"), (typeof(GetBrokerRuntimeInfo), "ABI"),
        (typeof(BrokerRuntimeInfo), "ABR"), (typeof(GetConsumerOffsets), "AGO"), (typeof(ConsumerOffsets), "AOR"),
        (typeof(QueryMessageKey), "AQK"), (typeof(MessageKeyOffsets), "AKO"), (typeof(GetConsumerConnection), "AGC"), (typeof(ConsumerConnectionInfo), "ACC"),
        (typeof(TopicConfigDeleted), "SAD1"),
        (typeof(QueueLogKeyedSnapshot), "SAQ1"),
        (typeof(TopicPurgeStarted), "SAP1"), (typeof(ConsumerOffsetsDeleted), "SAO1"), (typeof(QueueLogSizedSnapshot), "SAQ2"),
        (typeof(InvokeBrokerToResetOffset), "ARO"), (typeof(ResetOffsetReply), "ARR"), (typeof(ResetConsumerClientOffset), "ARC"),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
    public static IEnumerable<object[]> Manifests => PinnedManifests.Select(x => new object[] { x.Type.Name, x.Manifest });
}

public sealed class AdminSerializerTests : IClassFixture<SerializerFixture>
{
    private readonly SerializerFixture _fx;
    public AdminSerializerTests(SerializerFixture fx) => _fx = fx;
    private AkkaMqSerializer Ser => _fx.Serializer;

    [Theory]
    [MemberData(nameof(AdminSamples.Names), MemberType = typeof(AdminSamples))]
    public void Every_admin_sample_round_trips_field_by_field(string name)
    {
        _fx.AssertRoundTrip(AdminSamples.All[name]());
    }

    [Theory]
    [MemberData(nameof(AdminSamples.Manifests), MemberType = typeof(AdminSamples))]
    public void Admin_manifests_are_pinned_and_kept_apart(string typeName, string manifest)
    {
        var sample = AdminSamples.All.Values.Select(f => f()).First(o => o.GetType().Name == typeName);
        Assert.Equal(manifest, Ser.Manifest(sample));
        // Admin wire messages start with 'A', admin store formats with "SA" and end in a version digit.
        Assert.True(manifest.StartsWith('A') || (manifest.StartsWith("SA") && char.IsDigit(manifest[^1])), manifest);
    }

    [Fact]
    public void Broker_runtime_info_keeps_fractional_tps()
    {
        var m = new BrokerRuntimeInfo(new BrokerIdentity("C", "b", 0, "127.0.0.1:1"), 1, 2, 3, 0.1, 12345.678, 0,
            new Dictionary<string, string>(), ResponseCode.Success, null);
        var back = (BrokerRuntimeInfo)Ser.FromBinary(Ser.ToBinary(m), "ABR");
        Assert.Equal(0.1, back.PutTps);
        Assert.Equal(12345.678, back.GetTps);
    }

    [Fact]
    public void Old_queue_snapshots_stay_readable_next_to_the_keyed_one()
    {
        var old = new QueueLogSnapshot(5, 0, 9, 1, new[] { new QueueIndexEntry(0, 1, 9) });
        Assert.Equal("SQS1", Ser.Manifest(old));
        var back = Assert.IsType<QueueLogSnapshot>(Ser.FromBinary(Ser.ToBinary(old), "SQS1"));
        Assert.Equal(5, back.NextOffset);
    }

    [Fact]
    public void Offset_reset_bytes_are_pinned()
    {
        // Not in the 5a1ab64 fixture: these bytes freeze the layout (broker, group, topic, offsets; the reply's client ids and status).
        var offsets = new Dictionary<int, long> { [1] = 300 };
        Assert.Equal("0262026702740102D804", Convert.ToHexString(Ser.ToBinary(new InvokeBrokerToResetOffset("b", "g", "t", offsets))));
        Assert.Equal("0262026702740102D804", Convert.ToHexString(Ser.ToBinary(new ResetConsumerClientOffset("b", "g", "t", offsets))));
        Assert.Equal("0262026702740102630000", Convert.ToHexString(Ser.ToBinary(new ResetOffsetReply("b", "g", "t", new[] { "c" }, ResponseCode.Success, null))));
    }

    [Fact]
    public void Truncated_admin_payloads_fail_with_a_clear_error()
    {
        var bytes = Ser.ToBinary(AdminSamples.All["MessageKeyOffsets"]());
        var ex = Record.Exception(() => Ser.FromBinary(bytes[..^3], "AKO"));
        Assert.NotNull(ex);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Ser.FromBinary(bytes, "AZZ"));
    }
}
