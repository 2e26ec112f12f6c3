using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Serialization;

namespace AkkaMq.Protocol.Tests;

/// <summary>Samples of the POP consumption messages and the POP entity's persisted formats.</summary>
internal static class PopSamples
{
    private static PoppedMessage Popped(long offset, byte[] body, string handle, int attempt) =>
        new(Samples.Ext(offset, "TagA", "k1 k2", Samples.Props(), body), handle, attempt, 1_700_000_030_000);

    public static readonly Dictionary<string, Func<object>> All = new()
    {
        ["PopMessage"] = () => new PopMessage("broker-a", "group-1", "TopicTest", PopLimits.AnyQueue, 32, "TagA || TagB", 30_000, 20_000, true,
            "attempt-" + Samples.Unicode, 17),
        ["PopMessage-plain"] = () => new PopMessage("broker-a", "g", "T", 3, 1, "*", PopLimits.MaxInvisibleMillis, 0, false, null, 1),
        ["PopResult"] = () => new PopResult("broker-a", "group-1", "TopicTest", new[]
        {
            Popped(42, Samples.AllByteValues, new ReceiptHandle("broker-a", "TopicTest", 3, 42, "group-1", 7).Encode(), 1),
            Popped(long.MaxValue, Array.Empty<byte>(), Samples.LongUnicode, int.MaxValue),
        }, ResponseCode.Success, null),
        ["PopResult-empty"] = () => new PopResult("b", "g", Samples.Unicode, Array.Empty<PoppedMessage>(), ResponseCode.IllegalInvisibleTime, "too short"),
        ["AckMessage"] = () => new AckMessage("broker-a", "group-1", "TopicTest", new ReceiptHandle("broker-a", "TopicTest", 0, 1, "group-1", 2).Encode()),
        ["AckResult"] = () => new AckResult("h", ResponseCode.InvalidReceiptHandle, "stale " + Samples.Unicode),
        ["ChangeInvisibleTime"] = () => new ChangeInvisibleTime("broker-a", "group-1", "TopicTest", "h", 60_000),
        ["ChangeInvisibleTimeResult"] = () => new ChangeInvisibleTimeResult("old", "new", 1_700_000_060_000, ResponseCode.Success, null),
        ["ChangeInvisibleTimeResult-failed"] = () => new ChangeInvisibleTimeResult("old", null, -1, ResponseCode.InvalidReceiptHandle, "acked"),
        ["ForwardToDeadLetterQueue"] = () => new ForwardToDeadLetterQueue("broker-a", "group-1", "TopicTest", Samples.LongAscii),
        ["ForwardToDeadLetterQueueResult"] = () => new ForwardToDeadLetterQueueResult("h", ResponseCode.Success, null),
        ["PopMessagesDelivered"] = () => new PopMessagesDelivered(100, "a1", new[]
        {
            new PopDelivery(97, 1, 5, 1_700_000_030_000), new PopDelivery(long.MaxValue, int.MaxValue, long.MaxValue, -1),
        }),
        ["PopMessagesDelivered-skip"] = () => new PopMessagesDelivered(7, null, Array.Empty<PopDelivery>()),
        ["PopMessagesDone"] = () => new PopMessagesDone(new long[] { 0, 5, long.MaxValue }),
        ["PopInvisibleTimeChanged"] = () => new PopInvisibleTimeChanged(42, 9, 1_700_000_090_000),
        ["PopQueueSnapshot"] = () => new PopQueueSnapshot(40, 100, 9, new[]
        {
            new PopEntrySnapshot(40, 2, 8, 1_700_000_000_000, false), new PopEntrySnapshot(41, 1, 9, 5, true),
        }, "a1", new[] { new PopDelivery(40, 2, 8, 1_700_000_000_000) }),
        ["PopQueueSnapshot-empty"] = () => new PopQueueSnapshot(0, 0, 0, Array.Empty<PopEntrySnapshot>(), null, Array.Empty<PopDelivery>()),
    };

    public static readonly (Type Type, string Manifest)[] PinnedManifests =
    {
        (typeof(PopMessage), "PPM"), (typeof(PopResult), "PPR"), (typeof(AckMessage), "PAK"), (typeof(AckResult), "PAR"),
        (typeof(ChangeInvisibleTime), "PCI"), (typeof(ChangeInvisibleTimeResult), "PCR"), (typeof(ForwardToDeadLetterQueue), "PFD"),
        (typeof(ForwardToDeadLetterQueueResult), "PFR"), (typeof(PopMessagesDelivered), "PSD1"), (typeof(PopMessagesDone), "PSA1"),
        (typeof(PopInvisibleTimeChanged), "PSC1"), (typeof(PopQueueSnapshot), "PSS1"),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
    public static IEnumerable<object[]> Manifests => PinnedManifests.Select(x => new object[] { x.Type.Name, x.Manifest });
}

public sealed class PopSerializerTests : IClassFixture<SerializerFixture>
{
    private readonly SerializerFixture _fx;
    public PopSerializerTests(SerializerFixture fx) => _fx = fx;
    private AkkaMqSerializer Ser => _fx.Serializer;

    [Theory]
    [MemberData(nameof(PopSamples.Names), MemberType = typeof(PopSamples))]
    public void Every_POP_sample_round_trips_field_by_field(string name)
    {
        _fx.AssertRoundTrip(PopSamples.All[name]());
    }

    [Theory]
    [MemberData(nameof(PopSamples.Manifests), MemberType = typeof(PopSamples))]
    public void POP_manifests_are_pinned(string typeName, string manifest)
    {
        var sample = PopSamples.All.Values.Select(f => f()).First(o => o.GetType().Name == typeName);
        Assert.Equal(manifest, Ser.Manifest(sample));
        // Wire messages start with 'P'; the entity's persisted formats with "PS" and end in a version digit.
        Assert.True(manifest.StartsWith('P') && (!manifest.StartsWith("PS") || char.IsDigit(manifest[^1])), manifest);
    }

    [Theory]
    [MemberData(nameof(PopSamples.Names), MemberType = typeof(PopSamples))]
    public void Truncated_POP_payloads_are_refused(string name)
    {
        var m = PopSamples.All[name]();
        var bytes = Ser.ToBinary(m);
        for (var cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 50))
        {
            var ex = Record.Exception(() => Ser.FromBinary(bytes[..cut], Ser.Manifest(m)));
            Assert.True(ex != null, $"{name}: {cut} of {bytes.Length} bytes were accepted");
        }
    }

    [Fact]
    public void The_delivered_event_format_is_pinned()
    {
        var m = new PopMessagesDelivered(3, null, new[] { new PopDelivery(2, 1, 1, 0) });
        // next 3 -> 06; attempt id null -> 00 (as every absent string); one delivery: offset 2 -> 04, attempt 1 -> 02, version 1 -> 02, visibleAt 0 -> 00
        Assert.Equal(new byte[] { 0x06, 0x00, 0x01, 0x04, 0x02, 0x02, 0x00 }, Ser.ToBinary(m));
    }
}
