using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Serialization;

namespace AkkaMq.Protocol.Tests;

internal static class SubscriptionGroupSamples
{
    public static SubscriptionGroupConfig Custom() => new("group-orders", ConsumeEnable: false, ConsumeFromMinEnable: false,
        ConsumeBroadcastEnable: false, ConsumeMessageOrderly: true, RetryQueueNums: 2, RetryMaxTimes: 3, BrokerId: 1,
        WhichBrokerWhenConsumeSlowly: 0, NotifyConsumerIdsChangedEnable: false);

    public static readonly Dictionary<string, Func<object>> All = new()
    {
        ["UpdateSubscriptionGroup"] = () => new UpdateSubscriptionGroup("broker-a", Custom()),
        ["UpdateSubscriptionGroup-auto"] = () => new UpdateSubscriptionGroup("broker-a", new SubscriptionGroupConfig(Samples.Unicode), OnlyIfAbsent: true),
        ["DeleteSubscriptionGroup"] = () => new DeleteSubscriptionGroup("broker-a", "group-orders"),
        ["GetSubscriptionGroup"] = () => new GetSubscriptionGroup("broker-a", "group-orders"),
        ["SubscriptionGroupReply"] = () => new SubscriptionGroupReply("broker-a", "group-orders", Custom(), ResponseCode.Success, null),
        ["SubscriptionGroupReply-default"] = () => new SubscriptionGroupReply("broker-a", "g", new SubscriptionGroupConfig("g"), ResponseCode.Success, null, Stored: false),
        ["SubscriptionGroupReply-failed"] = () => new SubscriptionGroupReply("broker-a", "g", null, ResponseCode.SubscriptionGroupNotExist, "no such group"),
        ["GetSubscriptionGroups"] = () => new GetSubscriptionGroups("broker-a"),
        ["SubscriptionGroups"] = () => new SubscriptionGroups("broker-a", new[] { Custom(), new SubscriptionGroupConfig("g") }, ResponseCode.Success, null),
        ["SubscriptionGroups-failed"] = () => new SubscriptionGroups("b", Array.Empty<SubscriptionGroupConfig>(), ResponseCode.SystemError, "wrong broker"),
        ["SubscriptionGroupChanged"] = () => new SubscriptionGroupChanged(Custom()),
        ["SubscriptionGroupDeleted"] = () => new SubscriptionGroupDeleted("group-orders"),
        ["SubscriptionGroupsSnapshot"] = () => new SubscriptionGroupsSnapshot(new[] { new SubscriptionGroupConfig("a"), Custom() }),
        ["SubscriptionGroupsSnapshot-empty"] = () => new SubscriptionGroupsSnapshot(Array.Empty<SubscriptionGroupConfig>()),
    };

    public static readonly (Type Type, string Manifest)[] PinnedManifests =
    {
        (typeof(UpdateSubscriptionGroup), "AGU"), (typeof(DeleteSubscriptionGroup), "AGD"), (typeof(GetSubscriptionGroup), "AGG"),
        (typeof(SubscriptionGroupReply), "AGR"), (typeof(GetSubscriptionGroups), "AGL"), (typeof(SubscriptionGroups), "AGS"),
        (typeof(SubscriptionGroupChanged), "SGC1"), (typeof(SubscriptionGroupDeleted), "SGD1"), (typeof(SubscriptionGroupsSnapshot), "SGS1"),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
    public static IEnumerable<object[]> Manifests => PinnedManifests.Select(x => new object[] { x.Type.Name, x.Manifest });
}

public sealed class SubscriptionGroupSerializerTests : IClassFixture<SerializerFixture>
{
    private readonly SerializerFixture _fx;
    public SubscriptionGroupSerializerTests(SerializerFixture fx) => _fx = fx;
    private AkkaMqSerializer Ser => _fx.Serializer;

    [Theory]
    [MemberData(nameof(SubscriptionGroupSamples.Names), MemberType = typeof(SubscriptionGroupSamples))]
    public void Every_subscription_group_sample_round_trips_field_by_field(string name)
    {
        _fx.AssertRoundTrip(SubscriptionGroupSamples.All[name]());
    }

    [Theory]
    [MemberData(nameof(SubscriptionGroupSamples.Manifests), MemberType = typeof(SubscriptionGroupSamples))]
    public void Subscription_group_manifests_are_pinned(string typeName, string manifest)
    {
        var sample = SubscriptionGroupSamples.All.Values.Select(f => f()).First(o => o.GetType().Name == typeName);
        Assert.Equal(manifest, Ser.Manifest(sample));
        // Wire messages start with "AG", persisted events with "SG" and end in a version digit.
        Assert.True(manifest.StartsWith("AG") || (manifest.StartsWith("SG") && char.IsDigit(manifest[^1])), manifest);
    }

    [Fact]
    public void The_persisted_config_layout_is_frozen()
    {
        // SGC1: group name, six flags and numbers in field order. A change is a new manifest (SGC2), this one stays readable.
        var bytes = Ser.ToBinary(new SubscriptionGroupChanged(new SubscriptionGroupConfig("g")));
        Assert.Equal(new byte[] { 0x02, (byte)'g', 1, 1, 1, 0, 0x02, 0x20, 0x00, 0x02, 1 }, bytes);
        var back = Assert.IsType<SubscriptionGroupChanged>(Ser.FromBinary(bytes, "SGC1"));
        Assert.Equal(new SubscriptionGroupConfig("g"), back.Config);
    }

    [Fact]
    public void A_truncated_config_fails_with_a_clear_error()
    {
        var bytes = Ser.ToBinary(SubscriptionGroupSamples.All["SubscriptionGroupChanged"]());
        Assert.NotNull(Record.Exception(() => Ser.FromBinary(bytes[..^2], "SGC1")));
    }
}
