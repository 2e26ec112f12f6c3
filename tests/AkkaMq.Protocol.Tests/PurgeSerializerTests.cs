using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>The store formats of deleteTopic's purge and of retention.bytes: new manifests with pinned bytes.</summary>
public sealed class PurgeSerializerTests : SerializerTestBase
{
    public PurgeSerializerTests(SerializerFixture fx) : base(fx) { }

    [Fact]
    public void TopicPurgeStarted_is_SAP1_and_carries_the_config_with_its_attributes()
    {
        var e = new TopicPurgeStarted(new TopicConfig("T", 1, 2, 6));
        Assert.Equal("SAP1", Ser.Manifest(e));
        // "T", read 1, write 2, perm 6, an empty attribute map.
        Assert.Equal(new byte[] { 0x02, (byte)'T', 0x02, 0x04, 0x0C, 0x00 }, Ser.ToBinary(e));
        var sample = (TopicPurgeStarted)AdminSamples.All["TopicPurgeStarted"]();
        var back = RoundTrip(sample);
        Assert.Equal(sample.Config, back.Config);
        Assert.Equal(1L << 30, back.Config.RetentionBytes);
    }

    [Fact]
    public void ConsumerOffsetsDeleted_is_SAO1_with_its_timestamp()
    {
        var e = new ConsumerOffsetsDeleted(5);
        Assert.Equal("SAO1", Ser.Manifest(e));
        Assert.Equal(new byte[] { 0x0A }, Ser.ToBinary(e));
        Assert.Equal(1_700_000_000_000, RoundTrip((ConsumerOffsetsDeleted)AdminSamples.All["ConsumerOffsetsDeleted"]()).Timestamp);
    }

    [Fact]
    public void QueueLogSizedSnapshot_is_SAQ2_the_keyed_layout_then_the_stored_bytes()
    {
        var keyed = new QueueLogKeyedSnapshot(3, 1, 7, 1, Array.Empty<QueueIndexEntry>(), Array.Empty<KeyIndexEntry>());
        var sized = new QueueLogSizedSnapshot(3, 1, 7, 1, Array.Empty<QueueIndexEntry>(), Array.Empty<KeyIndexEntry>(), 64);
        Assert.Equal("SAQ2", Ser.Manifest(sized));
        Assert.Equal(Ser.ToBinary(keyed).Concat(new byte[] { 0x80, 0x01 }).ToArray(), Ser.ToBinary(sized));

        var sample = (QueueLogSizedSnapshot)AdminSamples.All["QueueLogSizedSnapshot"]();
        var back = RoundTrip(sample);
        Assert.Equal((sample.NextOffset, sample.MinOffset, sample.LastStoreTimestamp, sample.IndexStride, sample.StoredBytes),
            (back.NextOffset, back.MinOffset, back.LastStoreTimestamp, back.IndexStride, back.StoredBytes));
        Assert.Equal(sample.Index.ToArray(), back.Index.ToArray());
        Assert.Equal("k1", Assert.Single(back.Keys).Key);
        Assert.Equal(new long[] { 641 }, back.Keys[0].Offsets);
    }
}
