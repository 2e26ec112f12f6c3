using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Tests;

/// <summary>Long polling without an actor: which held pulls a new message wakes, and how the others expire.</summary>
public sealed class HeldPullsTests
{
    private const string Topic = "t";
    private const string Broker = "broker-a";
    private const int QueueId = 1;

    private readonly MessageTail _tail = new(1000, 1 << 20);
    private readonly RecordingPullHost _host = new();
    private readonly HeldPulls _held = new(maxHeld: 3, maxSuspend: TimeSpan.FromSeconds(15), Topic, Broker, QueueId);

    private static PullMessage Pull(long offset, string filter = "*", long suspendMillis = 5000, int max = 32) =>
        new(Broker, "g", Topic, QueueId, offset, max, filter, suspendMillis);

    private long Hold(PullMessage pull, RecordingRef replyTo) =>
        _held.Hold(pull, SubscriptionExpression.Parse(pull.SubExpression), replyTo, out _);

    private void Store(long offset, string? tag, long storeTimestamp = 1000) =>
        _tail.Append(offset, storeTimestamp, new StoredMessage(tag, null, Message.EmptyProperties, new byte[] { 1 }, 1));

    [Fact]
    public void A_pull_is_held_for_its_suspend_time_capped_by_the_broker()
    {
        var first = _held.Hold(Pull(0, suspendMillis: 2000), SubscriptionExpression.Everything, new RecordingRef(), out var shortWait);
        var second = _held.Hold(Pull(0, suspendMillis: 60_000), SubscriptionExpression.Everything, new RecordingRef(), out var longWait);
        Assert.Equal(TimeSpan.FromSeconds(2), shortWait);
        Assert.Equal(TimeSpan.FromSeconds(15), longWait);
        Assert.NotEqual(first, second);
        Assert.Equal(2, _held.Count);
    }

    [Fact]
    public void No_more_pulls_are_held_than_the_limit()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.True(_held.HasRoom);
            Hold(Pull(0), new RecordingRef());
        }
        Assert.False(_held.HasRoom);
    }

    [Fact]
    public void A_matching_message_answers_the_held_pull_and_cancels_its_expiry()
    {
        var consumer = new RecordingRef();
        var id = Hold(Pull(0), consumer);
        Store(0, "a");
        Store(1, "b");
        _held.Wake(_tail, 0, 2, _host);

        var result = consumer.Single<PullResult>();
        Assert.Equal(PullStatus.Found, result.Status);
        Assert.Equal(new long[] { 0, 1 }, result.Messages.Select(m => m.QueueOffset));
        Assert.Equal((2L, 0L, 2L), (result.NextBeginOffset, result.MinOffset, result.MaxOffset));
        Assert.Equal(new[] { id }, _host.Cancelled);
        Assert.Equal(0, _held.Count);
        Assert.False(_held.Expire(id, 0, 2));
        Assert.Single(consumer.Received);
    }

    [Fact]
    public void A_held_pull_whose_filter_matches_nothing_keeps_waiting_from_past_what_it_scanned()
    {
        var consumer = new RecordingRef();
        var id = Hold(Pull(0, "a"), consumer);
        Store(0, "b");
        Store(1, "c");
        _held.Wake(_tail, 0, 2, _host);
        Assert.Empty(consumer.Received);
        Assert.Empty(_host.Cancelled);

        Assert.True(_held.Expire(id, 0, 2));
        var result = consumer.Single<PullResult>();
        Assert.Equal(PullStatus.NoMatchedMsg, result.Status);
        Assert.Equal(2, result.NextBeginOffset);
        Assert.Equal((Topic, Broker, QueueId), (result.Topic, result.BrokerName, result.QueueId));
    }

    [Fact]
    public void A_held_pull_woken_later_starts_where_its_last_scan_ended()
    {
        var consumer = new RecordingRef();
        Hold(Pull(0, "a"), consumer);
        Store(0, "b");
        _held.Wake(_tail, 0, 1, _host);
        Store(1, "a");
        _held.Wake(_tail, 0, 2, _host);
        var result = consumer.Single<PullResult>();
        Assert.Equal(1, Assert.Single(result.Messages).QueueOffset);
        Assert.Equal(2, result.NextBeginOffset);
    }

    [Fact]
    public void A_pull_that_expires_with_nothing_new_reports_no_new_message_at_its_offset()
    {
        var consumer = new RecordingRef();
        var id = Hold(Pull(5), consumer);
        Assert.True(_held.Expire(id, 0, 5));
        var result = consumer.Single<PullResult>();
        Assert.Equal((PullStatus.NoNewMsg, 5L, 0L, 5L), (result.Status, result.NextBeginOffset, result.MinOffset, result.MaxOffset));
        Assert.Empty(result.Messages);
        Assert.False(_held.Expire(id, 0, 5));
        Assert.False(_held.Expire(12345, 0, 5));
        Assert.Single(consumer.Received);
    }

    [Fact]
    public void Only_pulls_below_the_committed_offset_are_woken()
    {
        var behind = new RecordingRef();
        var ahead = new RecordingRef();
        Hold(Pull(0), behind);
        Hold(Pull(1), ahead);
        Store(0, null);
        _held.Wake(_tail, 0, 1, _host);
        Assert.Equal(PullStatus.Found, behind.Single<PullResult>().Status);
        Assert.Empty(ahead.Received);
        Assert.Equal(1, _held.Count);
    }

    [Fact]
    public void A_pull_whose_offset_left_the_tail_is_handed_to_the_journal()
    {
        var consumer = new RecordingRef();
        var tail = new MessageTail(2, 1 << 20);
        var id = Hold(Pull(0), consumer);
        for (var i = 0; i < 5; i++)
            tail.Append(i, 1000, new StoredMessage(null, null, Message.EmptyProperties, new byte[] { 1 }, 1));
        _held.Wake(tail, 0, 5, _host);

        var served = Assert.Single(_host.Served);
        Assert.Equal(0, served.Offset);
        Assert.Same(consumer, served.ReplyTo);
        Assert.Equal(new[] { id }, _host.Cancelled);
        Assert.Empty(consumer.Received);
        Assert.Equal(0, _held.Count);
    }

    [Fact]
    public void Stopping_answers_every_held_pull_once()
    {
        var a = new RecordingRef();
        var b = new RecordingRef();
        Hold(Pull(0), a);
        Hold(Pull(0, "x"), b);
        _held.ReleaseAll(0, 0, _host);
        Assert.Equal(PullStatus.NoNewMsg, a.Single<PullResult>().Status);
        Assert.Equal(PullStatus.NoNewMsg, b.Single<PullResult>().Status);
        Assert.Equal(0, _held.Count);
    }
}
