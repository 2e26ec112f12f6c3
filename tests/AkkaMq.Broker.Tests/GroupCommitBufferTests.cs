using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests;

/// <summary>The queue log's group commit without an actor: batching limits, in-flight limit, and who hears what.</summary>
public sealed class GroupCommitBufferTests
{
    private const string Broker = "broker-a";
    private const int QueueId = 3;

    private static GroupCommitBuffer Buffer(int maxPending = 100, int maxInflight = 2, int maxBatch = 10, long maxBytes = 1000) =>
        new(Broker, QueueId, maxPending, maxInflight, maxBatch, maxBytes);

    private static long _correlation;

    private static SendEntry Entry(int bodyBytes = 10, bool oneway = false, string? tags = null) =>
        new(Interlocked.Increment(ref _correlation), QueueId, oneway, 1234, new Message("t", new byte[bodyBytes], tags, "k1", null));

    private static SendEntry[] Entries(int n, int bodyBytes = 10) => Enumerable.Range(0, n).Select(_ => Entry(bodyBytes)).ToArray();

    [Fact]
    public void An_append_past_the_pending_limit_is_refused_whole()
    {
        var buffer = Buffer(maxPending: 5);
        Assert.True(buffer.TryEnqueue(Entries(3), new RecordingRef(), 0));
        Assert.False(buffer.TryEnqueue(Entries(3), new RecordingRef(), 0));
        Assert.Equal(3, buffer.PendingCount);
        Assert.True(buffer.TryEnqueue(Entries(2), new RecordingRef(), 0));
        Assert.Equal(5, buffer.PendingCount);
    }

    [Fact]
    public void A_batch_stops_at_the_message_limit()
    {
        var buffer = Buffer(maxBatch: 4, maxInflight: 10);
        buffer.TryEnqueue(Entries(10), new RecordingRef(), 0);
        Assert.Equal(4, buffer.TakeBatch()!.Length);
        Assert.Equal(4, buffer.TakeBatch()!.Length);
        Assert.Equal(2, buffer.TakeBatch()!.Length);
        Assert.Null(buffer.TakeBatch());
        Assert.Equal(3, buffer.InflightWrites);
        Assert.Equal(0, buffer.PendingCount);
    }

    [Fact]
    public void A_batch_stops_at_the_byte_limit_but_always_takes_one_message()
    {
        var buffer = Buffer(maxBytes: 100, maxInflight: 10);
        buffer.TryEnqueue(new[] { Entry(60), Entry(40), Entry(1), Entry(500), Entry(5) }, new RecordingRef(), 0);
        Assert.Equal(2, buffer.TakeBatch()!.Length); // 60 + 40 fits exactly, 1 more byte does not
        Assert.Single(buffer.TakeBatch()!);          // 1, then 500 would pass the limit
        Assert.Single(buffer.TakeBatch()!);          // 500 alone, larger than the limit
        Assert.Single(buffer.TakeBatch()!);
        Assert.Null(buffer.TakeBatch());
    }

    [Fact]
    public void No_batch_is_taken_while_the_in_flight_limit_is_reached()
    {
        var buffer = Buffer(maxBatch: 1, maxInflight: 2);
        buffer.TryEnqueue(Entries(3), new RecordingRef(), 0);
        Assert.NotNull(buffer.TakeBatch());
        Assert.NotNull(buffer.TakeBatch());
        Assert.Null(buffer.TakeBatch());
        buffer.AckOldest(0);
        Assert.NotNull(buffer.TakeBatch());
        Assert.False(buffer.IsDrained);
    }

    [Fact]
    public void Stored_messages_keep_what_the_producer_sent()
    {
        var buffer = Buffer();
        var props = new Dictionary<string, string> { ["a"] = "b" };
        var entry = new SendEntry(1, QueueId, false, 42, new Message("t", new byte[] { 1, 2 }, "tagA", "key1 key2", props));
        buffer.TryEnqueue(new[] { entry }, new RecordingRef(), 0);
        var stored = Assert.Single(buffer.TakeBatch()!);
        Assert.Equal("tagA", stored.Tags);
        Assert.Equal("key1 key2", stored.Keys);
        Assert.Same(props, stored.Properties);
        Assert.Same(entry.Message.Body, stored.Body);
        Assert.Equal(42, stored.BornTimestamp);
    }

    [Fact]
    public void A_persisted_batch_acks_each_sender_once_with_its_offsets()
    {
        var buffer = Buffer(maxBatch: 10);
        var p1 = new RecordingRef();
        var p2 = new RecordingRef();
        var first = Entries(2);
        var second = Entries(3);
        buffer.TryEnqueue(first, p1, 0);
        buffer.TryEnqueue(second, p2, 0);
        buffer.TakeBatch();
        buffer.AckOldest(100);

        var acks1 = p1.Single<SendAcks>();
        Assert.Equal(Broker, acks1.BrokerName);
        Assert.Equal(first.Select(e => e.CorrelationId), acks1.Acks.Select(a => a.CorrelationId));
        Assert.Equal(new long[] { 100, 101 }, acks1.Acks.Select(a => a.QueueOffset));
        Assert.All(acks1.Acks, a => Assert.Equal((ResponseCode.Success, SendStatus.SendOk, QueueId), (a.Code, a.Status, a.QueueId)));
        Assert.Equal(new long[] { 102, 103, 104 }, p2.Single<SendAcks>().Acks.Select(a => a.QueueOffset));
        Assert.True(buffer.IsDrained);
    }

    [Fact]
    public void A_sender_whose_entries_are_not_adjacent_hears_once_per_run()
    {
        var buffer = Buffer(maxBatch: 10);
        var p1 = new RecordingRef();
        var p2 = new RecordingRef();
        buffer.TryEnqueue(Entries(1), p1, 0);
        buffer.TryEnqueue(Entries(1), p2, 0);
        buffer.TryEnqueue(Entries(1), p1, 0);
        buffer.TakeBatch();
        buffer.AckOldest(0);
        Assert.Equal(2, p1.Received.Count);
        Assert.Equal(new long[] { 0, 2 }, p1.Received.Cast<SendAcks>().Select(a => Assert.Single(a.Acks).QueueOffset));
        Assert.Equal(1, Assert.Single(p2.Single<SendAcks>().Acks).QueueOffset);
    }

    [Fact]
    public void Oneway_sends_are_stored_but_never_answered()
    {
        var buffer = Buffer();
        var oneway = new RecordingRef();
        var mixed = new RecordingRef();
        buffer.TryEnqueue(new[] { Entry(oneway: true), Entry(oneway: true) }, oneway, 0);
        var acked = Entry();
        buffer.TryEnqueue(new[] { Entry(oneway: true), acked }, mixed, 0);
        Assert.Equal(4, buffer.TakeBatch()!.Length);
        buffer.AckOldest(10);
        Assert.Empty(oneway.Received);
        var ack = Assert.Single(mixed.Single<SendAcks>().Acks);
        Assert.Equal((acked.CorrelationId, 13L), (ack.CorrelationId, ack.QueueOffset));
    }

    [Fact]
    public void Batches_are_acked_in_the_order_they_were_taken()
    {
        var buffer = Buffer(maxBatch: 1, maxInflight: 2);
        var p1 = new RecordingRef();
        var p2 = new RecordingRef();
        buffer.TryEnqueue(Entries(1), p1, 111);
        buffer.TryEnqueue(Entries(1), p2, 222);
        buffer.TakeBatch();
        buffer.TakeBatch();
        Assert.Equal(111, buffer.OldestArrivedAt);
        buffer.AckOldest(7);
        Assert.Equal(222, buffer.OldestArrivedAt);
        buffer.AckOldest(8);
        Assert.Equal(7, Assert.Single(p1.Single<SendAcks>().Acks).QueueOffset);
        Assert.Equal(8, Assert.Single(p2.Single<SendAcks>().Acks).QueueOffset);
    }

    [Fact]
    public void A_failed_write_fails_every_send_in_flight_and_waiting()
    {
        var buffer = Buffer(maxBatch: 2, maxInflight: 1);
        var writing = new RecordingRef();
        var waiting = new RecordingRef();
        buffer.TryEnqueue(Entries(2), writing, 0);
        buffer.TryEnqueue(new[] { Entry(), Entry(oneway: true) }, waiting, 0);
        buffer.TakeBatch();
        buffer.FailAll("disk on fire");

        Assert.Equal(2, writing.Received.Count);
        var failed = writing.Received.Cast<SendAcks>().Concat(waiting.Received.Cast<SendAcks>()).Select(a => Assert.Single(a.Acks)).ToList();
        Assert.Equal(3, failed.Count);
        Assert.All(failed, a => Assert.Equal((ResponseCode.SystemError, "disk on fire", -1L), (a.Code, a.Error, a.QueueOffset)));
        Assert.True(buffer.IsDrained);
        Assert.Null(buffer.TakeBatch());
    }

    [Fact]
    public void A_refused_append_gets_one_reply_for_its_answered_entries()
    {
        var buffer = Buffer();
        var to = new RecordingRef();
        var entries = new[] { Entry(), Entry(oneway: true), Entry() };
        buffer.Reject(to, entries, ResponseCode.SystemBusy, "busy");
        var acks = to.Single<SendAcks>().Acks;
        Assert.Equal(new[] { entries[0].CorrelationId, entries[2].CorrelationId }, acks.Select(a => a.CorrelationId));
        Assert.All(acks, a => Assert.Equal((ResponseCode.SystemBusy, "busy", -1L), (a.Code, a.Error, a.QueueOffset)));

        var onewayOnly = new RecordingRef();
        buffer.Reject(onewayOnly, new[] { Entry(oneway: true) }, ResponseCode.SystemBusy, "busy");
        Assert.Empty(onewayOnly.Received);
        Assert.Equal(0, buffer.PendingCount);
    }
}
