using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using static AkkaMq.Client.Tests.ConsumerTestData;

namespace AkkaMq.Client.Tests;

/// <summary>Stands in for the push consumer actor: records what the consume services ask of it.</summary>
internal sealed class RecordingConsumeHost : IConsumeServiceHost
{
    public bool Stopping { get; set; }
    public bool BrokerReachable = true;
    public readonly List<(ConsumeRequest Request, Task<bool> Consumed)> Calls = new();
    public readonly List<(object Key, ConsumeRequest Request, TimeSpan Delay)> Later = new();
    public readonly List<ConsumeRequest> SentBack = new();
    public readonly List<ProcessQueue> LockRequests = new();
    public readonly List<(ProcessQueue Pq, long Offset)> CommitsThenUnlocks = new();

    public void Consuming(ConsumeRequest request, Task<bool> consumed) => Calls.Add((request, consumed));
    public void ConsumeLater(object key, ConsumeRequest request, TimeSpan delay) => Later.Add((key, request, delay));

    public bool SendMessageBack(ConsumeRequest request)
    {
        if (BrokerReachable) SentBack.Add(request);
        return BrokerReachable;
    }

    public void Lock(ProcessQueue pq) => LockRequests.Add(pq);
    public void CommitThenUnlock(ProcessQueue pq) => CommitsThenUnlocks.Add((pq, pq.OffsetToCommit));
}

public sealed class ConsumeMessageConcurrentlyServiceTests
{
    private readonly RecordingConsumeHost _host = new();
    private readonly RemoteBrokerOffsetStore _offsets = new("GID", _ => Task.FromResult(-1L), _ => true, _ => Task.CompletedTask);
    private readonly List<IReadOnlyList<MessageExt>> _seen = new();

    private ConsumeMessageConcurrentlyService Service(int threadMax = 20, int batchMax = 1, MessageModel model = MessageModel.Clustering) =>
        new(_host, _offsets, (msgs, _) =>
        {
            lock (_seen) _seen.Add(msgs);
            return Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess);
        }, Settings with { ConsumeThreadMax = threadMax, ConsumeMessageBatchMaxSize = batchMax, MessageModel = model });

    /// <summary>A service that was just handed <paramref name="count"/> pulled messages of one queue.</summary>
    private (ConsumeMessageConcurrentlyService Service, ProcessQueue Pq, List<MessageExt> Msgs) Submitted(int count, int threadMax = 20, int batchMax = 1,
        MessageModel model = MessageModel.Clustering)
    {
        var service = Service(threadMax, batchMax, model);
        var msgs = Msgs(0, count);
        var pq = QueueWith(msgs);
        pq.NextOffset = count;
        service.SubmitConsumeRequest(pq, msgs);
        return (service, pq, msgs);
    }

    [Fact]
    public async Task Pulled_messages_go_to_the_listener_in_batches_with_at_most_consumeThreadMax_calls_at_once()
    {
        var (service, _, _) = Submitted(10, threadMax: 2, batchMax: 3);
        Assert.Equal(2, _host.Calls.Count);
        Assert.Equal(2, service.Waiting);
        Assert.Equal(new long[] { 0, 1, 2 }, Offsets(_host.Calls[0].Request.Msgs));
        Assert.True(await _host.Calls[0].Consumed);
        service.OnConsumed(_host.Calls[0].Request, true);
        Assert.Equal(3, _host.Calls.Count);
        Assert.Equal(2, service.Running);
        Assert.Equal(new long[] { 6, 7, 8 }, Offsets(_host.Calls[2].Request.Msgs));
        await Task.WhenAll(_host.Calls.Select(c => c.Consumed));
        Assert.Equal(3, _seen.Count);
    }

    [Fact]
    public void A_consumed_batch_moves_the_offset_only_up_to_the_lowest_message_still_cached()
    {
        var (service, pq, _) = Submitted(4, batchMax: 2);
        service.OnConsumed(_host.Calls[1].Request, true);
        Assert.Equal(0, _offsets.ReadOffset(Mq));
        service.OnConsumed(_host.Calls[0].Request, true);
        Assert.Equal(4, _offsets.ReadOffset(Mq));
        Assert.Equal(0, pq.CachedCount);
    }

    [Fact]
    public void A_failed_batch_goes_back_to_the_broker_and_what_it_did_not_take_is_retried_here_after_a_pause()
    {
        var (service, pq, msgs) = Submitted(3, batchMax: 3);
        var request = _host.Calls[0].Request;
        service.OnConsumed(request, false);
        Assert.Same(request, Assert.Single(_host.SentBack));
        Assert.Equal(-1, _offsets.ReadOffset(Mq));

        service.OnSendBackDone(request, new[] { msgs[1] });
        Assert.Equal(new long[] { 1 }, Offsets(pq.TakeMessages(10)));
        Assert.Equal(1, _offsets.ReadOffset(Mq));
        var later = Assert.Single(_host.Later);
        Assert.Equal(new long[] { 1 }, Offsets(later.Request.Msgs));
        Assert.Equal(TimeSpan.FromSeconds(5), later.Delay);

        service.ConsumeAgain(later.Request);
        Assert.Equal(new long[] { 1 }, Offsets(_host.Calls[^1].Request.Msgs));
    }

    [Theory]
    [InlineData(MessageModel.Broadcasting, true)]
    [InlineData(MessageModel.Clustering, false)]
    public void Without_a_retry_topic_or_a_reachable_broker_a_failed_batch_is_retried_here(MessageModel model, bool brokerReachable)
    {
        _host.BrokerReachable = brokerReachable;
        var (service, _, _) = Submitted(1, model: model);
        service.OnConsumed(_host.Calls[0].Request, false);
        Assert.Empty(_host.SentBack);
        Assert.Same(_host.Calls[0].Request, Assert.Single(_host.Later).Request);
    }

    [Fact]
    public void Batches_of_a_dropped_queue_are_not_handed_out_and_their_results_are_ignored()
    {
        var (service, pq, _) = Submitted(3, threadMax: 1);
        pq.Dropped = true;
        service.OnConsumed(_host.Calls[0].Request, true);
        Assert.Single(_host.Calls);
        Assert.Equal(0, service.Waiting);
        Assert.Equal(-1, _offsets.ReadOffset(Mq));
        Assert.Equal(3, pq.CachedCount);
    }
}

public sealed class ConsumeMessageOrderlyServiceTests
{
    private readonly RecordingConsumeHost _host = new();
    private readonly RemoteBrokerOffsetStore _offsets = new("GID", _ => Task.FromResult(-1L), _ => true, _ => Task.CompletedTask);

    private ConsumeMessageOrderlyService Service(MessageModel model = MessageModel.Clustering) =>
        new(_host, _offsets, (_, _) => Task.FromResult(ConsumeOrderlyStatus.Success),
            Settings with { ConsumeMessageBatchMaxSize = 2, MessageModel = model, SuspendCurrentQueueTime = TimeSpan.FromMilliseconds(700) });

    /// <summary>A service that was just handed <paramref name="count"/> pulled messages of one queue.</summary>
    private (ConsumeMessageOrderlyService Service, ProcessQueue Pq) Submitted(int count, bool locked = true, MessageModel model = MessageModel.Clustering)
    {
        var service = Service(model);
        var msgs = Msgs(0, count);
        var pq = QueueWith(msgs);
        if (locked) pq.MarkLocked(Environment.TickCount64);
        service.SubmitConsumeRequest(pq, msgs);
        return (service, pq);
    }

    [Fact]
    public async Task A_queue_is_consumed_one_batch_at_a_time_lowest_offsets_first()
    {
        var (service, pq) = Submitted(5);
        service.SubmitConsumeRequest(pq, new List<MessageExt>());
        var first = Assert.Single(_host.Calls);
        Assert.Equal(new long[] { 0, 1 }, Offsets(first.Request.Msgs));
        Assert.True(await first.Consumed);
        service.OnConsumed(first.Request, true);
        Assert.Equal(2, _offsets.ReadOffset(Mq));
        Assert.Equal(new long[] { 2, 3 }, Offsets(_host.Calls[1].Request.Msgs));
    }

    [Fact]
    public void A_failed_batch_is_retried_in_place_after_suspendCurrentQueueTime()
    {
        var (service, _) = Submitted(3);
        var request = _host.Calls[0].Request;
        service.OnConsumed(request, false);
        var later = Assert.Single(_host.Later);
        Assert.Same(request, later.Request);
        Assert.Equal(TimeSpan.FromMilliseconds(700), later.Delay);
        Assert.Equal(-1, _offsets.ReadOffset(Mq));
        service.ConsumeAgain(later.Request);
        Assert.Equal(new long[] { 0, 1 }, Offsets(_host.Calls[1].Request.Msgs));
    }

    [Fact]
    public void A_clustering_member_consumes_nothing_without_a_valid_lock_and_asks_again_for_an_expired_one()
    {
        var (service, pq) = Submitted(3, locked: false);
        Assert.Empty(_host.Calls);
        Assert.Empty(_host.LockRequests);

        pq.MarkLocked(Environment.TickCount64 - (long)Settings.LockMaxLiveTime.TotalMilliseconds - 1);
        service.OnLocked(pq);
        Assert.Empty(_host.Calls);
        Assert.Same(pq, Assert.Single(_host.LockRequests));
        Assert.False(pq.Locked);
    }

    [Fact]
    public void A_broadcasting_member_needs_no_lock()
    {
        Submitted(1, locked: false, MessageModel.Broadcasting);
        Assert.Single(_host.Calls);
    }

    [Fact]
    public void A_queue_dropped_during_the_call_is_committed_then_unlocked_outside_the_offset_table()
    {
        var (service, pq) = Submitted(3);
        pq.Dropped = true;
        service.OnConsumed(_host.Calls[0].Request, true);
        Assert.Equal((pq, 2L), Assert.Single(_host.CommitsThenUnlocks));
        Assert.Equal(-1, _offsets.ReadOffset(Mq));
        Assert.Single(_host.Calls);
    }

    [Fact]
    public void Nothing_new_is_handed_out_while_stopping()
    {
        _host.Stopping = true;
        Submitted(1);
        Assert.Empty(_host.Calls);
    }
}

public sealed class ConsumeListenersTests
{
    [Fact]
    public async Task A_throwing_or_late_listener_counts_as_a_failure()
    {
        var msgs = Msgs(0, 1);
        Assert.True(await ConsumeListeners.Run((_, _) => Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess), msgs, Mq, TimeSpan.FromSeconds(30)));
        Assert.False(await ConsumeListeners.Run((_, _) => Task.FromResult(ConsumeConcurrentlyStatus.ReconsumeLater), msgs, Mq, TimeSpan.FromSeconds(30)));
        Assert.False(await ConsumeListeners.Run((MessageListenerConcurrently)((_, _) => throw new InvalidOperationException("boom")), msgs, Mq, TimeSpan.FromSeconds(30)));
        var never = new TaskCompletionSource<ConsumeOrderlyStatus>();
        Assert.False(await ConsumeListeners.Run((_, _) => never.Task, msgs, Mq, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void A_retried_message_is_shown_under_the_topic_it_was_sent_to()
    {
        var retried = Msg(0, mq: new MessageQueue("%RETRY%GID", "broker-a", 0),
            properties: new Dictionary<string, string> { [MessageConst.RetryTopic] = "TopicA" });
        var plain = Msg(1);
        var shown = ConsumeListeners.ForListener(new[] { retried, plain });
        Assert.Equal("TopicA", shown[0].Topic);
        Assert.Same(plain, shown[1]);
        var untouched = new[] { plain };
        Assert.Same(untouched, ConsumeListeners.ForListener(untouched));
    }
}
