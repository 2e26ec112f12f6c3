using AkkaMq.Broker.Retention;
using AkkaMq.Broker.Storage;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests.Storage;

/// <summary>
/// Over diskMaxUsedSpaceRatio the retention cleaner deletes the oldest messages before their time,
/// at any hour and with time-based retention off; below it, nothing is deleted.
/// </summary>
public sealed class DiskPressureRetentionTests : BrokerTestBase
{
    private readonly SimulatedDisk _disk = new(50);
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public DiskPressureRetentionTests(ITestOutputHelper output) : base(output, StartNode("""
        akkamq.broker.fileReservedTime = off
        akkamq.broker.deleteWhen = "00"
        akkamq.broker.cleanResourceInterval = 100ms
        akkamq.broker.disk-check-interval = 20ms
        akkamq.broker.queue.tail-messages = 16
        akkamq.broker.queue.delete-batch-events = 4
        """))
    {
        DiskSpace.For(Node.System).Probe = _disk;
        BrokerClock.For(Node.System).Use(_clock);
    }

    [Fact]
    public void Over_the_max_used_ratio_the_oldest_messages_go_first_before_their_time()
    {
        CreateTopic("Pressed", 1);
        RetentionScenario.SendOldThenNew(this, "Pressed", 10, 5);
        // The clock stands at the newest message: by time nothing is anywhere near expiring.
        _clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(Assert.Single(Pull("Pressed", 0, 14, 1).Messages).StoreTimestamp);
        Assert.Equal(0, RetentionScenario.Bounds(this, "Pressed").MinOffset);

        _disk.Percent = 80;
        AwaitAssert(() => Assert.True(RetentionScenario.Bounds(this, "Pressed").MinOffset > 0), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        _disk.Percent = 50;

        // What is left is the newest part of the queue, from the min on, in order.
        var bounds = RetentionScenario.Bounds(this, "Pressed");
        var r = Pull("Pressed", 0, bounds.MinOffset, 32);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(bounds.MinOffset, r.Messages[0].QueueOffset);
        Assert.Equal(15, bounds.MaxOffset);
        Assert.True(r.Messages.All(m => m.StoreTimestamp >= r.Messages[0].StoreTimestamp));
        var below = Pull("Pressed", 0, 0, 1);
        Assert.Equal(PullStatus.OffsetIllegal, below.Status);
    }
}
