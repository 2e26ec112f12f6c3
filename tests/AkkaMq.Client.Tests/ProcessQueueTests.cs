using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using static AkkaMq.Client.Tests.ConsumerTestData;

namespace AkkaMq.Client.Tests;

public sealed class ProcessQueueTests
{
    [Fact]
    public void An_empty_queue_commits_its_next_pull_offset()
    {
        var pq = QueueWith(Array.Empty<MessageExt>(), nextOffset: 42);
        Assert.Equal(42, pq.OffsetToCommit);
        Assert.Equal(-1, new ProcessQueue(Mq, "*").OffsetToCommit);
    }

    [Fact]
    public void The_offset_to_commit_is_the_lowest_message_still_cached()
    {
        var pq = QueueWith(Msgs(10, 5), nextOffset: 10);
        pq.NextOffset = 15;
        pq.RemoveMessages(new[] { Msg(11), Msg(12) });
        Assert.Equal(10, pq.OffsetToCommit);
        pq.RemoveMessages(new[] { Msg(10) });
        Assert.Equal(13, pq.OffsetToCommit);
        pq.RemoveMessages(new[] { Msg(13), Msg(14) });
        Assert.Equal(15, pq.OffsetToCommit);
    }

    [Fact]
    public void An_offset_below_the_pull_position_or_already_cached_is_not_cached_again()
    {
        var pq = new ProcessQueue(Mq, "*") { NextOffset = 5 };
        Assert.False(pq.PutMessage(Msg(4)));
        Assert.True(pq.PutMessage(Msg(5, bodyBytes: 7)));
        Assert.False(pq.PutMessage(Msg(5, bodyBytes: 7)));
        Assert.Equal(1, pq.CachedCount);
        Assert.Equal(7, pq.CachedBytes);
    }

    [Fact]
    public void Removing_messages_frees_their_count_and_bytes_once()
    {
        var pq = QueueWith(new[] { Msg(0, 100), Msg(1, 50) });
        pq.RemoveMessages(new[] { Msg(0, 100), Msg(0, 100), Msg(9, 1000) });
        Assert.Equal(1, pq.CachedCount);
        Assert.Equal(50, pq.CachedBytes);
    }

    [Fact]
    public void Take_messages_hands_out_the_lowest_offsets_and_keeps_them_cached()
    {
        var pq = QueueWith(new[] { Msg(3), Msg(1), Msg(2), Msg(0) });
        Assert.Equal(new long[] { 0, 1, 2 }, Offsets(pq.TakeMessages(3)));
        Assert.Equal(4, pq.CachedCount);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, Offsets(pq.TakeMessages(10)));
    }

    [Fact]
    public void Flow_control_starts_at_the_count_or_the_byte_threshold()
    {
        var pq = QueueWith(new[] { Msg(0, 10), Msg(1, 10) });
        Assert.False(pq.IsFlowControlled(3, 100));
        Assert.True(pq.IsFlowControlled(2, 100));
        Assert.True(pq.IsFlowControlled(3, 20));
    }

    [Fact]
    public void Only_the_answer_to_the_pull_in_flight_of_a_queue_still_owned_counts()
    {
        var pq = new ProcessQueue(Mq, "*") { NextOffset = 0 };
        var first = pq.BeginPull();
        pq.PullInFlight = false; // timed out
        var second = pq.BeginPull();
        Assert.NotEqual(first, second);
        Assert.False(pq.IsCurrentPull(first));
        Assert.True(pq.IsCurrentPull(second));
        pq.Dropped = true;
        Assert.False(pq.IsCurrentPull(second));
    }

    [Fact]
    public void A_lock_is_valid_until_lockMaxLiveTime_after_its_last_grant()
    {
        var pq = new ProcessQueue(Mq, "*");
        var maxLive = TimeSpan.FromSeconds(30);
        Assert.False(pq.IsLockValid(1_000, maxLive));
        Assert.False(pq.MarkLocked(1_000));
        Assert.True(pq.MarkLocked(2_000));
        Assert.True(pq.IsLockValid(2_000 + 29_999, maxLive));
        Assert.False(pq.IsLockValid(2_000 + 30_000, maxLive));
    }
}
