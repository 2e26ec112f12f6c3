using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;
using static AkkaMq.Client.Tests.ConsumerTestData;

namespace AkkaMq.Client.Tests;

/// <summary>A broker's reset notice applied to a push consumer's queues and offset store (no ActorSystem).</summary>
public sealed class ConsumerOffsetResetTests
{
    private readonly RecordingConsumeHost _host = new();
    private readonly RemoteBrokerOffsetStore _offsets = new("GID", _ => Task.FromResult(-1L), _ => true, _ => Task.CompletedTask);

    /// <summary>A queue caching <paramref name="msgs"/> whose next pull starts at <paramref name="nextOffset"/>.</summary>
    private static ProcessQueue QueueWith(IEnumerable<MessageExt> msgs, long nextOffset)
    {
        var pq = ConsumerTestData.QueueWith(msgs);
        pq.NextOffset = nextOffset;
        return pq;
    }

    private static ResetConsumerClientOffset Notice(params (int QueueId, long Offset)[] offsets) =>
        new("broker-a", "GID", Mq.Topic, offsets.ToDictionary(o => o.QueueId, o => o.Offset));

    [Fact]
    public void An_owned_queue_is_replaced_by_an_empty_one_pulling_from_the_new_offset_even_below_the_old()
    {
        var old = QueueWith(Msgs(10, 5), 15);
        old.MarkLocked(42);
        _offsets.UpdateOffset(Mq, 10, increaseOnly: false);
        var owned = new Dictionary<MessageQueue, ProcessQueue> { [Mq] = old };

        var next = Assert.Single(ConsumerOffsetReset.Apply(Notice((0, 3)), owned, _offsets));

        Assert.Same(next, owned[Mq]);
        Assert.True(old.Dropped);
        Assert.Same(next, old.ResetTo);
        Assert.Same(next, old.Current);
        Assert.False(next.Dropped);
        Assert.Equal(3, next.NextOffset);
        Assert.Equal(0, next.CachedCount);
        Assert.True(next.OffsetRequested); // no start offset lookup: the reset is the start
        Assert.True(next.Locked);
        Assert.Equal(42, next.LockLastTime);
        Assert.Equal(3, _offsets.ReadOffset(Mq));
    }

    [Fact]
    public void Queues_not_owned_and_negative_offsets_are_left_alone()
    {
        var pq = QueueWith(Msgs(0, 2), 2);
        var owned = new Dictionary<MessageQueue, ProcessQueue> { [Mq] = pq };
        var otherTopic = new ResetConsumerClientOffset("broker-a", "GID", "OtherTopic", new Dictionary<int, long> { [0] = 0 });
        var otherBroker = new ResetConsumerClientOffset("broker-b", "GID", Mq.Topic, new Dictionary<int, long> { [0] = 0 });

        Assert.Empty(ConsumerOffsetReset.Apply(otherTopic, owned, _offsets));
        Assert.Empty(ConsumerOffsetReset.Apply(otherBroker, owned, _offsets));
        Assert.Empty(ConsumerOffsetReset.Apply(Notice((1, 0), (0, -1)), owned, _offsets));
        Assert.Same(pq, owned[Mq]);
        Assert.False(pq.Dropped);
        Assert.Equal(-1, _offsets.ReadOffset(Mq));
    }

    [Fact]
    public void A_second_reset_chains_and_Current_is_the_last_queue()
    {
        var first = QueueWith(Msgs(0, 1), 1);
        var second = first.ResetInto(100);
        var third = second.ResetInto(7);
        Assert.Same(third, first.Current);
        Assert.True(second.Dropped);
        Assert.False(third.Dropped);
    }

    [Fact]
    public async Task Concurrently_batches_that_end_after_the_reset_move_no_offset_and_send_nothing_back()
    {
        var service = new ConsumeMessageConcurrentlyService(_host, _offsets, (_, _) => Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess),
            Settings with { ConsumeMessageBatchMaxSize = 2 });
        var msgs = Msgs(0, 4);
        var old = QueueWith(msgs, 4);
        service.SubmitConsumeRequest(old, msgs);
        Assert.Equal(2, _host.Calls.Count);
        var owned = new Dictionary<MessageQueue, ProcessQueue> { [Mq] = old };
        ConsumerOffsetReset.Apply(Notice((0, 100)), owned, _offsets);

        Assert.True(await _host.Calls[0].Consumed);
        service.OnConsumed(_host.Calls[0].Request, true);
        service.OnConsumed(_host.Calls[1].Request, false);
        Assert.Equal(100, _offsets.ReadOffset(Mq));
        Assert.Empty(_host.SentBack);
        Assert.Empty(_host.Later);
    }

    [Fact]
    public async Task Orderly_a_call_that_ends_after_the_reset_commits_nothing_and_hands_the_queue_to_its_successor()
    {
        var service = new ConsumeMessageOrderlyService(_host, _offsets, (_, _) => Task.FromResult(ConsumeOrderlyStatus.Success),
            Settings with { ConsumeMessageBatchMaxSize = 2 });
        var msgs = Msgs(0, 4);
        var old = QueueWith(msgs, 4);
        old.MarkLocked(Environment.TickCount64);
        service.SubmitConsumeRequest(old, msgs);
        var call = Assert.Single(_host.Calls);
        var owned = new Dictionary<MessageQueue, ProcessQueue> { [Mq] = old };
        var next = Assert.Single(ConsumerOffsetReset.Apply(Notice((0, 50)), owned, _offsets));

        // The successor waits for the call on the old queue: never two listener calls in one queue.
        Assert.True(next.Consuming);
        var fresh = Msgs(50, 2);
        foreach (var m in fresh) next.PutMessage(m);
        service.SubmitConsumeRequest(next, fresh);
        Assert.Single(_host.Calls);

        Assert.True(await call.Consumed);
        service.OnConsumed(call.Request, true);
        Assert.Empty(_host.CommitsThenUnlocks);
        Assert.Equal(50, _offsets.ReadOffset(Mq));
        Assert.Equal(new long[] { 50, 51 }, Offsets(_host.Calls[1].Request.Msgs));
        Assert.Same(next, _host.Calls[1].Request.Pq);
    }

    [Fact]
    public void Orderly_a_successor_given_up_to_another_member_during_the_old_call_is_committed_then_unlocked()
    {
        var service = new ConsumeMessageOrderlyService(_host, _offsets, (_, _) => Task.FromResult(ConsumeOrderlyStatus.Success), Settings);
        var msgs = Msgs(0, 2);
        var old = QueueWith(msgs, 2);
        old.MarkLocked(Environment.TickCount64);
        service.SubmitConsumeRequest(old, msgs);
        var next = old.ResetInto(30);
        next.Dropped = true; // rebalanced away while the old call ran

        service.OnConsumed(_host.Calls[0].Request, true);

        var commit = Assert.Single(_host.CommitsThenUnlocks);
        Assert.Same(next, commit.Pq);
        Assert.Equal(30, commit.Offset);
    }
}
