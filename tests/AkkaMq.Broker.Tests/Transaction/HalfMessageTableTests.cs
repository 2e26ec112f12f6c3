using AkkaMq.Broker.Transaction;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests.Transaction;

/// <summary>The transaction entity's state: offsets, resolutions remembered for repeats, check counts, snapshots, the listing.</summary>
public sealed class HalfMessageTableTests
{
    private static SendEntry Half(string topic, string group, int queueId = 1, string body = "x") =>
        new(1, queueId, false, 5, Message.FromText(topic, body, keys: "k", properties: new Dictionary<string, string>
        {
            [TransactionConst.TransactionPrepared] = "true", [TransactionConst.ProducerGroup] = group,
        }));

    [Fact]
    public void Half_messages_get_offsets_in_order_and_leave_once_resolved()
    {
        var t = new HalfMessageTable("broker-a");
        var first = t.Reserve(2);
        t.Stored(new HalfMessagesStored(first, 100, new[] { Half("A", "pg", body: "abc"), Half("B", "pg2") }));
        Assert.Equal((0L, 2L, 2, 4L), (first, t.NextOffset, t.Count, t.PendingBytes));
        Assert.True(t.TryGet(1, out var b));
        Assert.Equal((TransactionIds.Of("broker-a", 1), "pg2"), (b.TransactionId, b.ProducerGroup));

        Assert.True(t.Resolve(new HalfResolution(0, HalfMessageOutcome.Committed, 1, 7)));
        Assert.False(t.Resolve(new HalfResolution(0, HalfMessageOutcome.Committed, 1, 7)));
        Assert.True(t.TryGetResolved(0, out var r));
        Assert.Equal(7, r.QueueOffset);
        Assert.Equal((1, 1L), (t.Count, t.PendingBytes));
    }

    [Fact]
    public void Only_the_latest_resolutions_are_remembered()
    {
        var t = new HalfMessageTable("b");
        for (var i = 0; i < HalfMessageTable.MaxRecent + 5; i++) t.Resolve(new HalfResolution(i, HalfMessageOutcome.RolledBack, -1, -1));
        Assert.False(t.TryGetResolved(4, out _));
        Assert.True(t.TryGetResolved(5, out _));
    }

    [Fact]
    public void A_snapshot_restores_offsets_checks_and_resolutions_and_recovery_marks_copies_as_maybe_stored()
    {
        var t = new HalfMessageTable("b");
        t.Stored(new HalfMessagesStored(t.Reserve(3), 100, new[] { Half("A", "pg"), Half("A", "pg"), Half("A", "pg") }));
        t.Checked(new HalfMessagesChecked(200, new long[] { 1, 2, 99 }));
        t.Checked(new HalfMessagesChecked(300, new long[] { 1 }));
        t.Resolve(new HalfResolution(0, HalfMessageOutcome.Committed, 1, 3));

        var back = new HalfMessageTable("b");
        back.Restore(t.ToSnapshot());
        Assert.Equal((3L, 2), (back.NextOffset, back.Count));
        Assert.True(back.TryGet(1, out var p));
        Assert.Equal((2, 300L, false), (p.CheckCount, p.LastCheckTimestamp, p.MaybeStored));
        Assert.True(back.TryGetResolved(0, out _));
        back.MarkAllMaybeStored();
        Assert.All(back.Pending, x => Assert.True(x.MaybeStored));
    }

    [Fact]
    public void The_listing_filters_by_topic_and_group_and_counts_beyond_its_limit()
    {
        var t = new HalfMessageTable("b");
        t.Stored(new HalfMessagesStored(t.Reserve(3), 100, new[] { Half("A", "pg"), Half("A", "pg2"), Half("B", "pg") }));
        Assert.Equal(3, t.List(null, null, 10).Total);
        var (list, total) = t.List("A", null, 1);
        Assert.Equal(2, total);
        Assert.Equal("pg", Assert.Single(list).ProducerGroup);
        Assert.Equal(new[] { "B" }, t.List(null, "pg", 10).Messages.Where(m => m.Topic != "A").Select(m => m.Topic));
        Assert.Equal(TransactionIds.Of("b", 2), t.List("B", "pg", 10).Messages.Single().TransactionId);
    }
}
