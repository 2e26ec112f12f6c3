using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Tests;

/// <summary>A pull's checks before a queue serves it, and the tail's part in time search and pulls.</summary>
public sealed class PullRequestCheckTests
{
    private static PullMessage Pull(long offset, string filter = "*", int max = 32) => new("broker-a", "g", "t", 2, offset, max, filter, 0);

    private static PullResult? Check(PullMessage m, long min = 10, long max = 20) =>
        PullRequestCheck.Reject(m, "t", "broker-a", 2, min, max, out _);

    [Fact]
    public void A_pull_inside_the_queue_or_at_its_end_passes_with_its_filter()
    {
        Assert.Null(PullRequestCheck.Reject(Pull(10, "a || b"), "t", "broker-a", 2, 10, 20, out var filter));
        Assert.True(filter.Matches("b"));
        Assert.False(filter.Matches("c"));
        Assert.Null(Check(Pull(20)));
    }

    [Fact]
    public void A_filter_that_does_not_parse_is_refused()
    {
        var result = Check(Pull(10, "a || "));
        Assert.Equal(ResponseCode.SubscriptionParseFailed, result!.Code);
    }

    [Fact]
    public void A_pull_for_no_messages_is_refused()
    {
        var result = Check(Pull(10, max: 0));
        Assert.Equal(ResponseCode.MessageIllegal, result!.Code);
        Assert.Contains("maxMsgNums", result.Error);
    }

    [Theory]
    [InlineData(9, 10L, "too small")]
    [InlineData(21, 20L, "too big")]
    public void An_offset_outside_the_queue_is_illegal_and_points_at_the_nearest_bound(long offset, long next, string why)
    {
        var result = Check(Pull(offset))!;
        Assert.Equal((PullStatus.OffsetIllegal, ResponseCode.Success, next), (result.Status, result.Code, result.NextBeginOffset));
        Assert.Equal((10L, 20L, "t", "broker-a", 2), (result.MinOffset, result.MaxOffset, result.Topic, result.BrokerName, result.QueueId));
        Assert.Contains(why, result.Error);
        Assert.Contains("10..19", result.Error);
    }

    private static MessageTail Tail(long firstOffset, params long[] storeTimestamps)
    {
        var tail = new MessageTail(100, 1 << 20);
        for (var i = 0; i < storeTimestamps.Length; i++)
            tail.Append(firstOffset + i, storeTimestamps[i], new StoredMessage(i % 2 == 0 ? "even" : "odd", null, Message.EmptyProperties, new byte[] { 1 }, 1));
        return tail;
    }

    [Fact]
    public void Time_search_in_the_tail_finds_the_first_message_stored_at_or_after()
    {
        var tail = Tail(50, 100, 100, 200, 200, 300);
        Assert.Equal(52, tail.OffsetStoredAtOrAfter(150));
        Assert.Equal(52, tail.OffsetStoredAtOrAfter(200));
        Assert.Equal(54, tail.OffsetStoredAtOrAfter(300));
        Assert.Equal(-1, tail.OffsetStoredAtOrAfter(301));
    }

    [Fact]
    public void Time_search_leaves_to_the_journal_what_the_tail_cannot_prove()
    {
        // The oldest held message qualifies, so an older one outside the tail may too.
        Assert.Equal(-1, Tail(50, 100, 200).OffsetStoredAtOrAfter(100));
        Assert.Equal(-1, Tail(0).OffsetStoredAtOrAfter(1));
    }

    [Fact]
    public void A_pull_offered_the_tail_takes_matching_messages_from_its_start()
    {
        var tail = Tail(50, 1, 1, 1, 1, 1);
        var c = new PullCollector(Pull(51, "even"), SubscriptionExpression.Parse("even"), 32, 1 << 20, 1000);
        c.OfferTail(tail, tail.IndexOf(51));
        var result = c.Result(0, 55);
        Assert.Equal(new long[] { 52, 54 }, result.Messages.Select(m => m.QueueOffset));
        Assert.Equal(55, result.NextBeginOffset);
    }
}
