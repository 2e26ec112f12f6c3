using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using static AkkaMq.Client.Tests.ConsumerTestData;

namespace AkkaMq.Client.Tests;

public sealed class PullMessageServiceTests
{
    /// <summary>Records what the pull service hands to the consume service.</summary>
    private sealed class RecordingConsumeService : IConsumeMessageService
    {
        public readonly List<List<MessageExt>> Submitted = new();
        public void SubmitConsumeRequest(ProcessQueue pq, List<MessageExt> fresh) => Submitted.Add(fresh);
        public void OnConsumed(ConsumeRequest request, bool success) => throw new NotSupportedException();
        public void ConsumeAgain(ConsumeRequest request) => throw new NotSupportedException();
        public void OnSendBackDone(ConsumeRequest request, IReadOnlyList<MessageExt> failed) => throw new NotSupportedException();
        public void OnLocked(ProcessQueue pq) => throw new NotSupportedException();
    }

    private readonly RecordingConsumeService _consume = new();
    private readonly RemoteBrokerOffsetStore _offsets = new("GID", _ => Task.FromResult(-1L), _ => true, _ => Task.CompletedTask);

    private PullMessageService Service(bool needsLock = false) =>
        new("GID", Settings with { PullThresholdForQueue = 3, PullThresholdSizeForQueue = 1000, PullBatchSize = 32 }, needsLock, _consume, _offsets);

    private static PullResult Result(PullStatus status, long nextBegin, params MessageExt[] msgs) =>
        new(status, nextBegin, 0, nextBegin, Mq.Topic, Mq.BrokerName, Mq.QueueId, msgs, ResponseCode.Success, null);

    [Fact]
    public void A_queue_is_pulled_only_when_owned_idle_and_placed()
    {
        var service = Service();
        var pq = new ProcessQueue(Mq, "TagA") { NextOffset = 7 };
        Assert.Equal(PullDecision.Send, service.Decide(pq, stopping: false, hasChannel: true));
        Assert.Equal(PullDecision.Skip, service.Decide(pq, stopping: true, hasChannel: true));
        Assert.Equal(PullDecision.NotReady, service.Decide(pq, stopping: false, hasChannel: false));
        Assert.Equal(PullDecision.Skip, service.Decide(new ProcessQueue(Mq, "*"), stopping: false, hasChannel: true));
        pq.BeginPull();
        Assert.Equal(PullDecision.Skip, service.Decide(pq, stopping: false, hasChannel: true));

        var request = service.Request(pq);
        Assert.Equal((7L, 32, "TagA", "GID"), (request.QueueOffset, request.MaxMsgNums, request.SubExpression, request.ConsumerGroup));
    }

    [Fact]
    public void A_full_cache_pauses_pulls_and_counts_the_pause()
    {
        var service = Service();
        var pq = QueueWith(Msgs(0, 3));
        Assert.Equal(PullDecision.FlowControl, service.Decide(pq, stopping: false, hasChannel: true));
        Assert.Equal(1, service.FlowControlTimes);
        Assert.Equal(Settings.PullTimeDelayWhenFlowControl, service.DelayFor(PullDecision.FlowControl));
        Assert.Equal(Settings.PullTimeDelayWhenException, service.DelayFor(PullDecision.NotReady));
        var big = QueueWith(new[] { Msg(0, bodyBytes: 1000) });
        Assert.Equal(PullDecision.FlowControl, service.Decide(big, stopping: false, hasChannel: true));
    }

    [Fact]
    public void An_orderly_clustering_queue_waits_for_its_lock()
    {
        var pq = new ProcessQueue(Mq, "*") { NextOffset = 0 };
        Assert.Equal(PullDecision.NotReady, Service(needsLock: true).Decide(pq, stopping: false, hasChannel: true));
        pq.MarkLocked(Environment.TickCount64);
        Assert.Equal(PullDecision.Send, Service(needsLock: true).Decide(pq, stopping: false, hasChannel: true));
    }

    [Fact]
    public void Found_messages_are_cached_once_and_handed_to_the_consume_service()
    {
        var service = Service();
        var pq = QueueWith(new[] { Msg(5) }, nextOffset: 5);
        service.ProcessPullResult(pq, Result(PullStatus.Found, 8, Msg(4), Msg(5), Msg(6), Msg(7)));
        Assert.Equal(new long[] { 6, 7 }, Offsets(Assert.Single(_consume.Submitted)));
        Assert.Equal(8, pq.NextOffset);
        Assert.Equal(3, pq.CachedCount);
        // A late answer never moves the pull position back.
        service.ProcessPullResult(pq, Result(PullStatus.Found, 6, Msg(5)));
        Assert.Equal(8, pq.NextOffset);
        Assert.Empty(_consume.Submitted[1]);
    }

    [Fact]
    public void No_new_messages_move_the_offset_past_filtered_ones_only_when_nothing_is_cached()
    {
        var service = Service();
        var busy = QueueWith(new[] { Msg(3) }, nextOffset: 3);
        service.ProcessPullResult(busy, Result(PullStatus.NoMatchedMsg, 10));
        Assert.Equal(10, busy.NextOffset);
        Assert.Equal(-1, _offsets.ReadOffset(Mq));
        var idle = new ProcessQueue(Mq, "*") { NextOffset = 3 };
        service.ProcessPullResult(idle, Result(PullStatus.NoNewMsg, 12));
        Assert.Equal(12, _offsets.ReadOffset(Mq));
        Assert.Empty(_consume.Submitted);
    }

    [Fact]
    public void A_pull_below_the_min_offset_goes_on_from_the_min_and_commits_it()
    {
        // Retention deleted offsets 0..49: the broker answers OFFSET_ILLEGAL with the min as the next offset.
        var service = Service();
        var pq = new ProcessQueue(Mq, "*") { NextOffset = 5 };
        _offsets.UpdateOffset(Mq, 5, increaseOnly: true);
        service.ProcessPullResult(pq, new PullResult(PullStatus.OffsetIllegal, 50, 50, 80, Mq.Topic, Mq.BrokerName, Mq.QueueId,
            Array.Empty<MessageExt>(), ResponseCode.Success, "offset 5 is too small"));
        Assert.Equal(50, pq.NextOffset);
        Assert.Equal(50, _offsets.ReadOffset(Mq));
        Assert.Empty(_consume.Submitted);
        Assert.Equal(50, service.Request(pq).QueueOffset);
    }
}
