using Akka.Actor;
using AkkaMq.Broker.Stats;
using AkkaMq.Broker.Topics;
using AkkaMq.Protocol;

namespace AkkaMq.Broker.Tests.Gateway;

/// <summary>The gateway's topic table, the requests waiting for its refresh, and the TPS samples.</summary>
public sealed class TopicTableTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly List<string[]> _changes = new();
    private readonly TopicTable _topics;

    public TopicTableTests() => _topics = new TopicTable(names => _changes.Add(names.Order().ToArray()));

    [Fact]
    public void Every_change_of_the_table_is_reported_with_the_topic_names()
    {
        _topics.Replace(new[] { TopicConfig.Create("A"), TopicConfig.Create("B") }, T0);
        _topics.Put("C", TopicConfig.Create("C", 1));
        _topics.Remove("A");
        Assert.Equal(new[] { new[] { "A", "B" }, new[] { "A", "B", "C" }, new[] { "B", "C" } }, _changes);
        Assert.Equal(T0, _topics.LastRefresh);
        Assert.True(_topics.TryGet("C", out var c));
        Assert.Equal(1, c.WriteQueueNums);
        Assert.Equal(2, _topics.Snapshot().Count);
    }

    [Fact]
    public void A_known_topic_never_waits()
    {
        var pending = new PendingTopicRefresh();
        _topics.Replace(new[] { TopicConfig.Create("A") }, T0);
        Assert.False(pending.TryWait(_topics, "A", "m", ActorRefs.Nobody, T0.AddMinutes(1), out _));
    }

    [Fact]
    public void An_unknown_topic_right_after_a_refresh_is_not_held_back()
    {
        var pending = new PendingTopicRefresh();
        _topics.Replace(Array.Empty<TopicConfig>(), T0);
        Assert.False(pending.TryWait(_topics, "New", "m", ActorRefs.Nobody, T0.AddMilliseconds(500), out _));
    }

    [Fact]
    public void The_first_request_for_an_unknown_topic_starts_a_refresh_and_later_ones_wait_with_it()
    {
        var pending = new PendingTopicRefresh();
        _topics.Replace(Array.Empty<TopicConfig>(), T0);
        Assert.True(pending.TryWait(_topics, "New", "m1", ActorRefs.Nobody, T0.AddSeconds(2), out var first));
        Assert.True(first);
        // Once one waits, the next waits too, even right after a refresh.
        _topics.Replace(Array.Empty<TopicConfig>(), T0.AddSeconds(2));
        Assert.True(pending.TryWait(_topics, "Other", "m2", ActorRefs.Nobody, T0.AddSeconds(2), out var second));
        Assert.False(second);
        Assert.Equal(new object[] { "m1", "m2" }, pending.TakeAll().Select(w => w.Message));
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public void At_most_MaxWaiting_requests_wait()
    {
        var pending = new PendingTopicRefresh();
        for (var i = 0; i < PendingTopicRefresh.MaxWaiting; i++)
            Assert.True(pending.TryWait(_topics, "New", i, ActorRefs.Nobody, T0, out _));
        Assert.False(pending.TryWait(_topics, "New", -1, ActorRefs.Nobody, T0, out _));
    }

    [Fact]
    public void Tps_is_taken_over_the_last_ten_samples()
    {
        var tps = new TpsSampler();
        for (var s = 0; s <= 20; s++) tps.Sample(s * 1000L, s * 100L, s * 10L);
        // The oldest kept sample is second 10: 1000 puts and 100 gets in the 10 s since.
        var (put, get) = tps.Rates(20_000, 2000, 200);
        Assert.Equal(100, put, 3);
        Assert.Equal(10, get, 3);
    }
}
