using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>Persisted store events and snapshots round-trip field by field.</summary>
public sealed class StoreSerializerTests : SerializerTestBase
{
    public StoreSerializerTests(SerializerFixture fx) : base(fx) { }

    [Fact]
    public void MessagesAppended_round_trips_every_field()
    {
        var m = (MessagesAppended)Samples.Get("MessagesAppended");
        var back = RoundTrip(m);
        Assert.Equal(m.BaseOffset, back.BaseOffset);
        Assert.Equal(m.StoreTimestamp, back.StoreTimestamp);
        Assert.Equal(m.Messages.Count, back.Messages.Count);
        for (var i = 0; i < m.Messages.Count; i++) AssertStored(m.Messages[i], back.Messages[i]);
        Assert.Null(back.Messages[1].Tags);
        Assert.Null(back.Messages[1].Keys);
        Assert.Empty(back.Messages[1].Properties);
        Assert.Equal(Samples.AllByteValues, back.Messages[0].Body);
    }

    [Fact]
    public void MessagesAppended_with_no_messages_round_trips()
    {
        var back = RoundTrip(new MessagesAppended(-1, -1, Array.Empty<StoredMessage>()));
        Assert.Equal(-1, back.BaseOffset);
        Assert.Equal(-1, back.StoreTimestamp);
        Assert.Empty(back.Messages);
    }

    [Fact]
    public void MessagesAppended_with_1MiB_body_round_trips_byte_for_byte()
    {
        var m = (MessagesAppended)Samples.Get("MessagesAppended-1MiB");
        var back = RoundTrip(m);
        Assert.Single(back.Messages);
        AssertStored(m.Messages[0], back.Messages[0]);
    }

    [Fact]
    public void QueueLogSnapshot_round_trips_every_field()
    {
        var m = (QueueLogSnapshot)Samples.Get("QueueLogSnapshot");
        var back = RoundTrip(m);
        Assert.Equal(m.NextOffset, back.NextOffset);
        Assert.Equal(m.MinOffset, back.MinOffset);
        Assert.Equal(m.LastStoreTimestamp, back.LastStoreTimestamp);
        Assert.Equal(m.IndexStride, back.IndexStride);
        Assert.Equal(m.Index.ToArray(), back.Index.ToArray());

        var empty = RoundTrip((QueueLogSnapshot)Samples.Get("QueueLogSnapshot-empty"));
        Assert.Empty(empty.Index);
        Assert.Equal(-1, empty.LastStoreTimestamp);
        Assert.Equal(1, empty.IndexStride);
    }

    [Fact]
    public void ConsumerOffsetsCommitted_and_snapshot_round_trip()
    {
        var c = (ConsumerOffsetsCommitted)Samples.Get("ConsumerOffsetsCommitted");
        var back = RoundTrip(c);
        AssertOffsets(c.Offsets, back.Offsets);
        Assert.Equal(c.Timestamp, back.Timestamp);

        var ce = RoundTrip(new ConsumerOffsetsCommitted(new Dictionary<int, long>(), -1));
        Assert.Empty(ce.Offsets);
        Assert.Equal(-1, ce.Timestamp);

        var s = (ConsumerOffsetsSnapshot)Samples.Get("ConsumerOffsetsSnapshot");
        var back2 = RoundTrip(s);
        AssertOffsets(s.Offsets, back2.Offsets);
        Assert.Equal(s.LastCommitTimestamp, back2.LastCommitTimestamp);
        Assert.Empty(RoundTrip(new ConsumerOffsetsSnapshot(new Dictionary<int, long>(), 0)).Offsets);
    }

    [Fact]
    public void TopicConfigChanged_and_snapshot_round_trip()
    {
        var c = (TopicConfigChanged)Samples.Get("TopicConfigChanged");
        Assert.Equal(c.Config, RoundTrip(c).Config);

        var s = (TopicConfigsSnapshot)Samples.Get("TopicConfigsSnapshot");
        Assert.Equal(s.Configs.ToArray(), RoundTrip(s).Configs.ToArray());
        Assert.Empty(RoundTrip(new TopicConfigsSnapshot(Array.Empty<TopicConfig>())).Configs);
    }
}
