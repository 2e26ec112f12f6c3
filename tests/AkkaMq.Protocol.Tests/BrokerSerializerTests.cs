using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>Broker wire messages round-trip field by field.</summary>
public sealed class BrokerSerializerTests : SerializerTestBase
{
    public BrokerSerializerTests(SerializerFixture fx) : base(fx) { }

    [Fact]
    public void SendMessages_round_trips_every_field()
    {
        var m = (SendMessages)Samples.Get("SendMessages");
        var back = RoundTrip(m);
        Assert.Equal(m.BrokerName, back.BrokerName);
        AssertEntries(m.Entries, back.Entries);
        Assert.Null(back.Entries[1].Message.Tags);
        Assert.Null(back.Entries[1].Message.Keys);
        Assert.Empty(back.Entries[1].Message.Properties);
        Assert.Empty(back.Entries[1].Message.Body);
        Assert.Equal("", back.Entries[2].Message.Keys); // empty string is not null
        Assert.Equal(Samples.Unicode, back.Entries[1].Message.Topic);
        Assert.Equal(Samples.LongAscii, back.Entries[2].Message.Topic);
    }

    [Fact]
    public void SendMessages_with_no_entries_round_trips()
    {
        var back = RoundTrip(new SendMessages("b", Array.Empty<SendEntry>()));
        Assert.Equal("b", back.BrokerName);
        Assert.Empty(back.Entries);
    }

    [Fact]
    public void SendMessages_with_1MiB_body_round_trips_byte_for_byte()
    {
        var m = (SendMessages)Samples.Get("SendMessages-1MiB");
        var bytes = Ser.ToBinary(m);
        Assert.InRange(bytes.Length, Samples.OneMiB, Samples.OneMiB + 2048); // bodies are copied, not re-encoded
        var back = Assert.IsType<SendMessages>(Ser.FromBinary(bytes, Ser.Manifest(m)));
        AssertEntries(m.Entries, back.Entries);
    }

    [Fact]
    public void Reusing_the_writer_across_small_and_pooled_sizes_gives_the_same_bytes()
    {
        // Past 64 KiB the writer's buffer comes from the shared pool; past 1 MiB it goes back after the call.
        static SendMessages Batch(int bodies, int bodySize) => new("broker-a", Enumerable.Range(0, bodies)
            .Select(i => new SendEntry(i, 0, false, 5, new Message("TopicTest", Samples.RandomBytes(bodySize, i), "TagA", "k" + i, Samples.Props())))
            .ToArray());
        var sizes = new[] { Batch(1, 10), Batch(4, 50_000), Batch(3, 900_000), Batch(2, 100) };
        var first = sizes.Select(m => Ser.ToBinary(m)).ToArray();
        for (var round = 0; round < 2; round++)
            for (var i = 0; i < sizes.Length; i++)
            {
                var bytes = Ser.ToBinary(sizes[i]);
                Assert.Equal(first[i], bytes);
                AssertEntries(sizes[i].Entries, Assert.IsType<SendMessages>(Ser.FromBinary(bytes, Ser.Manifest(sizes[i]))).Entries);
            }
    }

    [Fact]
    public void SendAcks_round_trips_every_field()
    {
        var m = (SendAcks)Samples.Get("SendAcks");
        var back = RoundTrip(m);
        Assert.Equal(m.BrokerName, back.BrokerName);
        Assert.Equal(m.Acks.Count, back.Acks.Count);
        for (var i = 0; i < m.Acks.Count; i++)
        {
            // SendAck holds only scalars and strings, so record equality compares every field.
            Assert.Equal(m.Acks[i], back.Acks[i]);
            Assert.Equal(m.Acks[i].Error, back.Acks[i].Error);
            Assert.Equal(m.Acks[i].QueueOffset, back.Acks[i].QueueOffset);
        }
        Assert.Null(back.Acks[0].Error);
        Assert.Equal(-1, back.Acks[1].QueueOffset);
        Assert.Equal(int.MinValue, back.Acks[2].QueueId);
    }

    [Fact]
    public void AppendMessages_round_trips_every_field()
    {
        var m = (AppendMessages)Samples.Get("AppendMessages");
        var back = RoundTrip(m);
        Assert.Equal(m.BrokerName, back.BrokerName);
        Assert.Equal(m.Topic, back.Topic);
        Assert.Equal(m.QueueId, back.QueueId);
        Assert.Equal(m.EntityId, back.EntityId);
        AssertEntries(m.Entries, back.Entries);
    }

    [Fact]
    public void AppendMessages_entries_take_the_batch_topic()
    {
        // The per-entry topic is not written: the queue's topic is the batch's.
        var m = new AppendMessages("b", "TopicTest", 0, new[] { new SendEntry(1, 0, false, 0, new Message("Other", new byte[] { 1 })) });
        var back = RoundTrip(m);
        Assert.Equal("TopicTest", back.Entries[0].Message.Topic);
    }

    [Theory]
    [InlineData("broker-a", "group", "TopicTest", 0, 0L, 32, "*", 0L)]
    [InlineData("broker-a", "group", "TopicTest", 3, -1L, 1, "TagA || TagB", 15000L)]
    [InlineData(Samples.Unicode, Samples.Unicode, Samples.Unicode, int.MaxValue, long.MaxValue, int.MaxValue, "", -1L)]
    [InlineData("b", "g", "t", int.MinValue, long.MinValue, int.MinValue, "x", long.MinValue)]
    public void PullMessage_round_trips_every_field(string broker, string group, string topic, int queueId, long offset, int max,
        string sub, long suspend)
    {
        var m = new PullMessage(broker, group, topic, queueId, offset, max, sub, suspend);
        var back = RoundTrip(m);
        Assert.Equal(m, back);
        Assert.Equal(broker, back.BrokerName);
        Assert.Equal(group, back.ConsumerGroup);
        Assert.Equal(topic, back.Topic);
        Assert.Equal(queueId, back.QueueId);
        Assert.Equal(offset, back.QueueOffset);
        Assert.Equal(max, back.MaxMsgNums);
        Assert.Equal(sub, back.SubExpression);
        Assert.Equal(suspend, back.SuspendTimeoutMillis);
    }

    [Fact]
    public void PullMessage_with_long_strings_round_trips()
    {
        var m = (PullMessage)Samples.Get("PullMessage-unicode");
        Assert.Equal(m, RoundTrip(m));
    }

    [Fact]
    public void PullResult_found_round_trips_every_field()
    {
        var m = (PullResult)Samples.Get("PullResult-found");
        var back = RoundTrip(m);
        Assert.Equal(m.Status, back.Status);
        Assert.Equal(m.NextBeginOffset, back.NextBeginOffset);
        Assert.Equal(m.MinOffset, back.MinOffset);
        Assert.Equal(m.MaxOffset, back.MaxOffset);
        Assert.Equal(m.Topic, back.Topic);
        Assert.Equal(m.BrokerName, back.BrokerName);
        Assert.Equal(m.QueueId, back.QueueId);
        Assert.Equal(m.Code, back.Code);
        Assert.Null(back.Error);
        Assert.Equal(m.Messages.Count, back.Messages.Count);
        for (var i = 0; i < m.Messages.Count; i++) AssertExt(m.Messages[i], back.Messages[i]);
    }

    [Fact]
    public void PullResult_failed_round_trips_with_negative_bounds_and_error()
    {
        var m = (PullResult)Samples.Get("PullResult-failed");
        var back = RoundTrip(m);
        Assert.Equal(PullStatus.OffsetIllegal, back.Status);
        Assert.Equal(Samples.Pull.QueueOffset, back.NextBeginOffset);
        Assert.Equal(-1, back.MinOffset);
        Assert.Equal(-1, back.MaxOffset);
        Assert.Equal(ResponseCode.OffsetIllegal, back.Code);
        Assert.Equal(m.Error, back.Error);
        Assert.Equal(m.Topic, back.Topic);
        Assert.Equal(m.BrokerName, back.BrokerName);
        Assert.Equal(m.QueueId, back.QueueId);
        Assert.Empty(back.Messages);
    }

    [Theory]
    [InlineData(PullStatus.Found)]
    [InlineData(PullStatus.NoNewMsg)]
    [InlineData(PullStatus.NoMatchedMsg)]
    [InlineData(PullStatus.OffsetIllegal)]
    public void PullResult_status_round_trips(PullStatus status)
    {
        var m = new PullResult(status, 1, 2, 3, "T", "b", 4, Array.Empty<MessageExt>(), ResponseCode.PullNotFound, "e");
        var back = RoundTrip(m);
        Assert.Equal(status, back.Status);
        Assert.Equal(ResponseCode.PullNotFound, back.Code);
    }

    [Fact]
    public void QueryQueueOffset_round_trips_every_kind()
    {
        foreach (var kind in Enum.GetValues<QueueOffsetKind>())
        {
            var m = new QueryQueueOffset("broker-a", "TopicTest", 7, kind, kind == QueueOffsetKind.ByTimestamp ? 1_700_000_000_000 : -1);
            var back = RoundTrip(m);
            Assert.Equal(m, back);
            Assert.Equal(kind, back.Kind);
            Assert.Equal(m.Timestamp, back.Timestamp);
        }
    }

    [Fact]
    public void QueueOffsetReply_round_trips_every_field()
    {
        var m = (QueueOffsetReply)Samples.Get("QueueOffsetReply");
        var back = RoundTrip(m);
        Assert.Equal(m, back);
        Assert.Equal(-1, back.Offset);
        Assert.Equal(long.MaxValue, back.MaxOffset);
        Assert.Equal(-1, back.LastStoreTimestamp);
        Assert.Equal("none", back.Error);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(63L)]
    [InlineData(64L)]
    [InlineData(-64L)]
    [InlineData(-65L)]
    [InlineData(127L)]
    [InlineData(128L)]
    [InlineData(1L << 35)]
    [InlineData(-(1L << 35))]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Varlong_fields_round_trip_at_every_edge(long v)
    {
        var m = new QueueOffsetReply("T", (int)Math.Clamp(v, int.MinValue, int.MaxValue), v, v, v, v, ResponseCode.Success, null);
        Assert.Equal(m, RoundTrip(m));
    }

    [Fact]
    public void CommitConsumerOffsets_round_trips_every_field()
    {
        var m = (CommitConsumerOffsets)Samples.Get("CommitConsumerOffsets");
        var back = RoundTrip(m);
        Assert.Equal(m.BrokerName, back.BrokerName);
        Assert.Equal(m.ConsumerGroup, back.ConsumerGroup);
        Assert.Equal(m.Topic, back.Topic);
        AssertOffsets(m.Offsets, back.Offsets);

        var empty = RoundTrip(new CommitConsumerOffsets("b", "g", "t", new Dictionary<int, long>()));
        Assert.Empty(empty.Offsets);
    }

    [Fact]
    public void CommitConsumerOffsetsReply_round_trips()
    {
        var ok = new CommitConsumerOffsetsReply("group-1", "TopicTest", ResponseCode.Success, null);
        Assert.Equal(ok, RoundTrip(ok));
        var failed = new CommitConsumerOffsetsReply("group-1", "TopicTest", ResponseCode.ConsumerGroupIllegal, "bad group " + Samples.Unicode);
        var back = RoundTrip(failed);
        Assert.Equal(failed, back);
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, back.Code);
        Assert.Equal(failed.Error, back.Error);
    }

    [Fact]
    public void QueryConsumerOffset_and_reply_round_trip()
    {
        var q = new QueryConsumerOffset("broker-a", "group-1", "TopicTest", 3);
        Assert.Equal(q, RoundTrip(q));
        var r = new ConsumerOffsetReply("group-1", "TopicTest", 3, -1, ResponseCode.QueryNotFound, null);
        var back = RoundTrip(r);
        Assert.Equal(r, back);
        Assert.Equal(-1, back.Offset);
        Assert.Null(back.Error);
    }

    [Fact]
    public void UpdateTopicConfig_round_trips()
    {
        var m = new UpdateTopicConfig("broker-a", new TopicConfig("TopicTest", 8, 4, Perm.Read | Perm.Inherit));
        var back = RoundTrip(m);
        Assert.Equal(m.BrokerName, back.BrokerName);
        Assert.Equal(m.Config, back.Config);
    }

    [Fact]
    public void UpdateTopicConfigReply_round_trips_with_and_without_config()
    {
        var with = (UpdateTopicConfigReply)Samples.Get("UpdateTopicConfigReply");
        var back = RoundTrip(with);
        Assert.Equal(with, back);
        Assert.NotNull(back.Config);

        var without = (UpdateTopicConfigReply)Samples.Get("UpdateTopicConfigReply-noConfig");
        var back2 = RoundTrip(without);
        Assert.Equal(without, back2);
        Assert.Null(back2.Config);
        Assert.Equal("illegal", back2.Error);
    }

    [Fact]
    public void GetTopicConfigs_and_TopicConfigs_round_trip()
    {
        var g = new GetTopicConfigs(Samples.Unicode);
        Assert.Equal(g, RoundTrip(g));

        var m = (TopicConfigs)Samples.Get("TopicConfigs");
        var back = RoundTrip(m);
        Assert.Equal(m.BrokerName, back.BrokerName);
        Assert.Equal(m.Configs.ToArray(), back.Configs.ToArray());
        Assert.Empty(RoundTrip(new TopicConfigs("b", Array.Empty<TopicConfig>())).Configs);
    }
}
