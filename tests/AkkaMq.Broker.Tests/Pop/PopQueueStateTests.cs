using AkkaMq.Broker.Pop;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Pop;

/// <summary>The POP decisions as a plain class: plans, handle standing, the consumed offset and snapshots.</summary>
public sealed class PopQueueStateTests
{
    private const int Max = 17;

    private static PopDelivery[] Deliver(PopQueueState s, long now, params long[] offsets) =>
        offsets.Select(o => new PopDelivery(o, s.TryGet(o, out var e) ? e.Attempt + 1 : 1, s.NextVersion(), now + 30_000)).ToArray();

    private static PopQueueState WithDelivered(long next, params long[] offsets)
    {
        var s = new PopQueueState();
        s.Apply(new PopMessagesDelivered(next, null, Deliver(s, 0, offsets)));
        return s;
    }

    private static ReceiptHandle Handle(long offset, long version) => new("b", "T", 0, offset, "g", version);

    [Fact]
    public void A_new_group_reads_new_messages_from_offset_zero()
    {
        var s = new PopQueueState();
        var plan = s.Plan(0, 32, fifo: false, null, Max);
        Assert.Equal(PopPlanKind.ReadNew, plan.Kind);
        Assert.Equal((0L, 0L), (s.NextReadOffset, s.ConsumedOffset));
    }

    [Fact]
    public void Acks_out_of_order_move_the_consumed_offset_only_when_the_gap_fills()
    {
        var s = WithDelivered(5, 1, 2, 4); // 0 and 3 were skipped by the filter
        Assert.Equal(1, s.ConsumedOffset);
        Assert.Equal(3, s.InFlight);
        s.Apply(new PopMessagesDone(new long[] { 2, 4 }));
        Assert.Equal(1, s.ConsumedOffset);
        Assert.Equal(3, s.Entries.Count); // the done ones above the gap are kept until it fills
        s.Apply(new PopMessagesDone(new long[] { 1 }));
        Assert.Equal(5, s.ConsumedOffset);
        Assert.Empty(s.Entries);
        Assert.Equal(0, s.InFlight);
    }

    [Fact]
    public void Handles_are_current_until_replaced_and_done_messages_ack_again_harmlessly()
    {
        var s = WithDelivered(3, 0, 1, 2);
        s.TryGet(1, out var e);
        var first = e.Version;
        Assert.Equal(HandleStanding.Current, s.Check(Handle(1, first), out _));
        s.Apply(new PopInvisibleTimeChanged(1, s.NextVersion(), 99_000));
        Assert.Equal(HandleStanding.Stale, s.Check(Handle(1, first), out _));
        Assert.Equal(HandleStanding.Current, s.Check(Handle(1, e.Version), out _));
        Assert.Equal(99_000, e.VisibleAt);
        s.Apply(new PopMessagesDone(new long[] { 1 }));
        Assert.Equal(HandleStanding.AlreadyDone, s.Check(Handle(1, e.Version), out _));
        Assert.Equal(HandleStanding.NotDelivered, s.Check(Handle(3, 1), out _));
        s.Apply(new PopMessagesDone(new long[] { 0 }));
        Assert.Equal(HandleStanding.AlreadyDone, s.Check(Handle(0, 1), out _)); // below the consumed offset now
    }

    [Fact]
    public void Expired_messages_are_redelivered_before_new_ones_and_past_max_attempts_go_to_the_DLQ()
    {
        var s = WithDelivered(3, 0, 1, 2);
        Assert.Equal(PopPlanKind.ReadNew, s.Plan(10_000, 32, false, null, Max).Kind); // none expired yet
        var plan = s.Plan(30_000, 32, false, null, Max);
        Assert.Equal(PopPlanKind.Redeliver, plan.Kind);
        Assert.Equal(new long[] { 0, 1, 2 }, plan.Entries.Select(e => e.Offset));
        Assert.Equal(new long[] { 0, 1 }, s.Plan(30_000, 2, false, null, Max).Entries.Select(e => e.Offset));

        var dead = s.Plan(30_000, 32, false, null, maxAttempts: 1);
        Assert.Equal(new long[] { 0, 1, 2 }, dead.DeadLetters);
        Assert.Equal(PopPlanKind.ReadNew, dead.Kind);
        Assert.Equal(new long[] { 0, 1, 2 }, s.DeadLetters(30_000, 1));
        Assert.Empty(s.DeadLetters(29_999, 1));
    }

    [Fact]
    public void A_FIFO_queue_waits_while_anything_is_invisible_and_redelivers_the_expired_batch_in_order()
    {
        var s = new PopQueueState();
        s.Apply(new PopMessagesDelivered(2, "a1", Deliver(s, 0, 0, 1)));
        Assert.Equal(PopPlanKind.SameBatch, s.Plan(1_000, 2, fifo: true, "a1", Max).Kind);
        Assert.Equal(PopPlanKind.Wait, s.Plan(1_000, 2, fifo: true, "a2", Max).Kind);
        s.Apply(new PopMessagesDone(new long[] { 0 }));
        // The batch is no longer whole under its handles: the same attempt id waits like any other.
        Assert.Equal(PopPlanKind.Wait, s.Plan(1_000, 2, fifo: true, "a1", Max).Kind);
        var again = s.Plan(30_000, 2, fifo: true, "a3", Max);
        Assert.Equal(PopPlanKind.Redeliver, again.Kind);
        Assert.Equal(new long[] { 1 }, again.Entries.Select(e => e.Offset));
        // A message on its way to the DLQ blocks the FIFO queue too.
        s.TryGet(1, out var e);
        e.Forwarding = true;
        Assert.Equal(PopPlanKind.Wait, s.Plan(30_000, 2, fifo: true, "a4", Max).Kind);
        Assert.Equal(PopPlanKind.ReadNew, s.Plan(30_000, 2, fifo: false, null, Max).Kind);
    }

    [Fact]
    public void The_in_flight_limit_stops_new_reads_but_not_redeliveries()
    {
        var offsets = Enumerable.Range(0, PopQueueState.MaxInFlight).Select(i => (long)i).ToArray();
        var s = WithDelivered(offsets.Length, offsets);
        Assert.Equal(PopPlanKind.Wait, s.Plan(0, 32, false, null, Max).Kind);
        Assert.Equal(PopPlanKind.Redeliver, s.Plan(30_000, 32, false, null, Max).Kind);
        s.Apply(new PopMessagesDone(new long[] { 5 }));
        Assert.Equal(PopPlanKind.ReadNew, s.Plan(0, 32, false, null, Max).Kind);
    }

    [Fact]
    public void A_snapshot_restores_the_same_state()
    {
        var s = new PopQueueState();
        s.Apply(new PopMessagesDelivered(10, "x", Deliver(s, 0, 2, 5, 7)));
        s.Apply(new PopMessagesDone(new long[] { 5 }));
        s.Apply(new PopInvisibleTimeChanged(7, s.NextVersion(), 77));
        var copy = new PopQueueState();
        copy.Restore(s.ToSnapshot());
        Assert.Equal((s.ConsumedOffset, s.NextReadOffset, s.LastVersion, s.InFlight), (copy.ConsumedOffset, copy.NextReadOffset, copy.LastVersion, copy.InFlight));
        Assert.Equal(s.Entries.Select(e => (e.Offset, e.Attempt, e.Version, e.VisibleAt, e.Done)),
            copy.Entries.Select(e => (e.Offset, e.Attempt, e.Version, e.VisibleAt, e.Done)));
        Assert.Equal(PopPlanKind.Wait, copy.Plan(1, 3, fifo: true, "x", Max).Kind); // 5 is done: not the same batch
        Assert.True(copy.NextVersion() > s.LastVersion);
    }
}
