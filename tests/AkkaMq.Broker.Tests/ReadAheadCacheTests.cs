using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Tests;

/// <summary>The range read ahead of consumers, without an actor: when one starts, who waits for it, what it serves, when it goes.</summary>
public sealed class ReadAheadCacheTests
{
    private readonly RecordingPullHost _host = new();
    private readonly ReadAheadCache _cache = new(enabled: true, maxWaiting: 2);

    private static PullMessage Pull(long offset, int max = 32, string filter = "*") =>
        new("broker-a", "g", "t", 0, offset, max, filter, 0);

    /// <summary>Events of sizes counts, the first starting at baseOffset.</summary>
    private static List<MessagesAppended> Events(long baseOffset, params int[] counts)
    {
        var events = new List<MessagesAppended>();
        foreach (var n in counts)
        {
            var msgs = Enumerable.Range(0, n).Select(_ => new StoredMessage(null, null, Message.EmptyProperties, new byte[] { 7 }, 1)).ToArray();
            events.Add(new MessagesAppended(baseOffset, 1000, msgs));
            baseOffset += n;
        }
        return events;
    }

    private long Begin(long offset)
    {
        Assert.True(_cache.TryBegin(offset, committedOffset: 1000, tailFirstOffset: 900, out var id));
        return id;
    }

    [Fact]
    public void A_range_starts_only_inside_the_queue_and_before_the_tail()
    {
        Assert.False(_cache.TryBegin(1000, committedOffset: 1000, tailFirstOffset: long.MaxValue, out _));
        Assert.False(_cache.TryBegin(900, committedOffset: 1000, tailFirstOffset: 900, out _));
        Assert.False(new ReadAheadCache(enabled: false, 2).TryBegin(10, 1000, 900, out _));
        Assert.False(_cache.IsActive);
        Assert.True(_cache.TryBegin(899, committedOffset: 1000, tailFirstOffset: 900, out var id));
        Assert.Equal(id, _cache.Id);
        Assert.True(_cache.IsActive);
    }

    [Fact]
    public void Only_one_range_exists_at_a_time()
    {
        var first = Begin(10);
        Assert.False(_cache.TryBegin(20, 1000, 900, out _));
        Assert.Equal(first, _cache.Id);
    }

    [Fact]
    public void While_loading_only_pulls_for_its_first_offset_wait_and_only_up_to_the_limit()
    {
        var consumer = new RecordingRef();
        Assert.False(_cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, consumer)); // no range yet
        Begin(10);
        Assert.False(_cache.Holds(10));
        Assert.False(_cache.TryWait(Pull(11), SubscriptionExpression.Everything, 11, consumer));
        Assert.True(_cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, consumer));
        Assert.True(_cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, consumer));
        Assert.False(_cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, consumer));
        Assert.Equal(2, _cache.WaitingCount);
    }

    [Fact]
    public void Loading_serves_the_waiting_pulls_and_holds_the_range_read()
    {
        var consumer = new RecordingRef();
        var id = Begin(10);
        _cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, consumer);
        _cache.Loaded(id, Events(8, 4, 3, 5), nextSeqNr: 42, _host);

        var served = Assert.Single(_host.Served);
        Assert.Equal((10L, (Akka.Actor.IActorRef)consumer), (served.Offset, served.ReplyTo));
        Assert.Equal(0, _cache.WaitingCount);
        Assert.False(_cache.Holds(9));
        Assert.True(_cache.Holds(10));
        Assert.True(_cache.Holds(19));
        Assert.False(_cache.Holds(20));
    }

    [Fact]
    public void A_load_for_another_range_is_ignored()
    {
        var id = Begin(10);
        _cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, new RecordingRef());
        _cache.Loaded(id + 1, Events(10, 5), 3, _host);
        Assert.Empty(_host.Served);
        Assert.False(_cache.Holds(10));
        Assert.Equal(1, _cache.WaitingCount);
    }

    [Fact]
    public void An_empty_read_drops_the_range_and_sends_its_waiting_pulls_elsewhere()
    {
        var id = Begin(10);
        _cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, new RecordingRef());
        _cache.Loaded(id, new List<MessagesAppended>(), 3, _host);
        Assert.Single(_host.Served);
        Assert.False(_cache.IsActive);
    }

    [Fact]
    public void A_pull_is_filled_from_its_offset_within_an_event_up_to_its_limit()
    {
        var id = Begin(10);
        _cache.Loaded(id, Events(8, 4, 3, 5), 42, _host);
        var c = _host.Collect(Pull(11, max: 4), SubscriptionExpression.Everything, 11);
        _cache.Fill(c, 11);
        var result = c.Result(0, 1000);
        Assert.Equal(new long[] { 11, 12, 13, 14 }, result.Messages.Select(m => m.QueueOffset));
        Assert.Equal(15, result.NextBeginOffset);
        Assert.False(_cache.Consumed(c.NextOffset, out _, out _));
        Assert.True(_cache.IsActive);
    }

    [Fact]
    public void A_pull_reaching_the_end_of_the_range_drops_it_and_says_where_the_next_begins()
    {
        var id = Begin(10);
        _cache.Loaded(id, Events(8, 4, 3, 5), 42, _host);
        var c = _host.Collect(Pull(15), SubscriptionExpression.Everything, 15);
        _cache.Fill(c, 15);
        Assert.Equal(new long[] { 15, 16, 17, 18, 19 }, c.Result(0, 1000).Messages.Select(m => m.QueueOffset));
        Assert.True(_cache.Consumed(c.NextOffset, out var to, out var nextSeqNr));
        Assert.Equal((20L, 42L), (to, nextSeqNr));
        Assert.False(_cache.IsActive);
        Assert.True(_cache.TryBegin(to, 1000, 900, out _));
    }

    [Fact]
    public void An_unused_range_is_dropped_unless_pulls_wait_for_it()
    {
        var id = Begin(10);
        _cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, new RecordingRef());
        _cache.DropIfUnused(id);
        Assert.True(_cache.IsActive);
        _cache.Loaded(id, Events(10, 5), 3, _host);
        _cache.DropIfUnused(id + 1);
        Assert.True(_cache.IsActive);
        _cache.DropIfUnused(id);
        Assert.False(_cache.IsActive);
    }

    [Fact]
    public void Stopping_answers_the_pulls_waiting_for_the_range()
    {
        var consumer = new RecordingRef();
        Begin(10);
        _cache.TryWait(Pull(10), SubscriptionExpression.Everything, 10, consumer);
        _cache.ReleaseWaiting(0, 1000, _host);
        var result = consumer.Single<PullResult>();
        Assert.Equal((PullStatus.NoNewMsg, 10L), (result.Status, result.NextBeginOffset));
        new ReadAheadCache(true, 2).ReleaseWaiting(0, 1000, _host); // no range: nothing to answer
    }

    [Fact]
    public void A_recent_journal_cursor_is_found_and_old_ones_are_forgotten()
    {
        _cache.NoteCursor(100, 7);
        Assert.True(_cache.TryGetCursor(100, out var seqNr));
        Assert.Equal(7, seqNr);
        Assert.False(_cache.TryGetCursor(101, out _));
        for (var i = 0; i < 64; i++) _cache.NoteCursor(1000 + i, i);
        Assert.False(_cache.TryGetCursor(100, out _));
        Assert.True(_cache.TryGetCursor(1063, out seqNr));
        Assert.Equal(63, seqNr);
    }
}
