using AkkaMq.Broker.Stats;

namespace AkkaMq.Broker.Tests;

/// <summary>The store times a queue remembers per batch for the lag latency: the rings grow with use and stay bounded.</summary>
public sealed class QueueStatsTests
{
    [Fact]
    public void The_batch_rings_start_small_grow_as_batches_come_and_keep_the_last_4096()
    {
        var q = new QueueStats();
        Assert.Equal(-1, q.StoreTimeAt(0));
        Assert.Equal(64, q.BatchRoom); // an idle queue holds 1 KiB, not 64 KiB
        for (var i = 0; i < 100; i++) BrokerStats.Stored(q, i * 10, 1_000 + i);
        Assert.Equal(128, q.BatchRoom);
        Assert.Equal(1_000, q.StoreTimeAt(0));
        Assert.Equal(1_042, q.StoreTimeAt(425)); // inside the batch at 420
        for (var i = 100; i < 10_000; i++) BrokerStats.Stored(q, i * 10, 1_000 + i);
        Assert.Equal(QueueStats.BatchCapacity, q.BatchRoom);
        Assert.Equal(1_000 + 10_000 - 4_096, q.StoreTimeAt(0)); // older than remembered: the oldest remembered batch's
        Assert.Equal(1_000 + 9_999, q.StoreTimeAt(99_995));
        Assert.Equal(1_000 + 7_777, q.StoreTimeAt(77_775));
    }
}
