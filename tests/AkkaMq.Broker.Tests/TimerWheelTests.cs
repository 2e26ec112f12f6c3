using AkkaMq.Broker.Timer;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests;

/// <summary>The timer wheel's decisions: buckets, slots, which buckets to load, sequence numbers, writes during a drain.</summary>
public sealed class TimerWheelTests
{
    private static readonly IReadOnlySet<int> NoWrites = new HashSet<int>();

    [Fact]
    public void A_delivery_time_falls_in_the_bucket_of_its_precision_and_the_slot_of_that_bucket()
    {
        var wheel = new TimerWheel(1000, 10);
        Assert.Equal(5, wheel.BucketOf(5_999));
        Assert.Equal(6, wheel.BucketOf(6_000));
        Assert.Equal(-1, wheel.BucketOf(-1));
        Assert.Equal((6_000L, 7_000L), (wheel.StartOf(6), wheel.EndOf(6)));
        Assert.Equal(3, wheel.SlotOf(13));
        // An open bucket keeps the slot it was opened with, even if the wheel's size changed since.
        wheel.Open(new TimerBucket(13, 7));
        Assert.Equal(7, wheel.SlotOf(13));
    }

    [Fact]
    public void Buckets_are_loaded_earliest_first_one_lead_ahead_one_per_slot_and_no_more_than_allowed()
    {
        var wheel = new TimerWheel(1000, 10);
        foreach (var b in new long[] { 5, 3, 4, 13, 20 }) wheel.Open(new TimerBucket(b, (int)(b % 10)));
        Assert.Equal([3L, 4L], wheel.ToDrain(now: 3_500, leadMs: 1000, maxDraining: 8, NoWrites).Select(b => b.Bucket));
        // 13 shares slot 3 with bucket 3: it waits for the first drain of that slot; 20 is not near.
        var due = wheel.ToDrain(now: 13_000, leadMs: 1000, maxDraining: 8, NoWrites);
        Assert.Equal([3L, 4L, 5L], due.Select(b => b.Bucket));
        Assert.Equal([3L], wheel.ToDrain(now: 13_000, leadMs: 1000, maxDraining: 1, NoWrites).Select(b => b.Bucket));
        // A slot being written waits for its write.
        Assert.Equal([4L, 5L], wheel.ToDrain(now: 13_000, leadMs: 1000, maxDraining: 8, new HashSet<int> { 3 }).Select(b => b.Bucket));

        wheel.BeginDrain(due[0]);
        Assert.Equal([4L, 5L], wheel.ToDrain(now: 13_000, leadMs: 1000, maxDraining: 8, NoWrites).Select(b => b.Bucket));
        Assert.Equal([4L], wheel.ToDrain(now: 13_000, leadMs: 1000, maxDraining: 2, NoWrites).Select(b => b.Bucket));
        Assert.True(wheel.EndDrain(due[0], succeeded: true));
        Assert.False(wheel.IsOpen(3));
        Assert.Equal([4L, 5L, 13L], wheel.ToDrain(now: 13_000, leadMs: 1000, maxDraining: 8, NoWrites).Select(b => b.Bucket));
    }

    [Fact]
    public void A_failed_drain_or_a_write_after_the_seal_keeps_the_bucket_for_another_drain()
    {
        var wheel = new TimerWheel(1000, 10);
        var b = new TimerBucket(7, 7);
        wheel.Open(b);
        wheel.BeginDrain(b);
        Assert.False(wheel.EndDrain(b, succeeded: false));
        Assert.True(wheel.IsOpen(7));

        wheel.BeginDrain(b);
        wheel.Written(17, 7); // another bucket of the slot: no matter to this drain
        wheel.Written(7, 7);
        Assert.False(wheel.EndDrain(b, succeeded: true));
        Assert.True(wheel.IsOpen(7));
        wheel.BeginDrain(b);
        Assert.True(wheel.EndDrain(b, succeeded: true));
        Assert.Equal(0, wheel.PendingBuckets);
    }

    [Fact]
    public void Sequence_numbers_follow_the_clock_and_never_go_back()
    {
        var wheel = new TimerWheel(1000, 10);
        Assert.Equal(5_000, wheel.NextSeqNr(5_000));
        Assert.Equal(5_001, wheel.NextSeqNr(5_000));
        Assert.Equal(5_002, wheel.NextSeqNr(4_000)); // a clock stepped back
        wheel.SeedSeqNr(9_000);                      // a recovered counter above the clock
        Assert.Equal(9_001, wheel.NextSeqNr(6_000));
        wheel.SeedSeqNr(100);
        Assert.Equal(9_001, wheel.LastSeqNr);
    }
}
