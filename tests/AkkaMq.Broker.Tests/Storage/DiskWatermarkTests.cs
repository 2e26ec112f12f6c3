using System.Text;
using Akka.TestKit;
using AkkaMq.Broker.Storage;
using AkkaMq.Hosting.Http;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Storage;

/// <summary>Disk use simulated by percent: the watcher reads it as it would the data directory's file system.</summary>
internal sealed class SimulatedDisk : IDiskSpaceProbe
{
    private volatile int _percent;

    public SimulatedDisk(int percent) => _percent = percent;

    public int Percent { set => _percent = value; }

    public DiskUsage Read(string path) => new(_percent * 10_000L, (100 - _percent) * 10_000L);
}

/// <summary>
/// A node whose data directory's disk is simulated: over diskSpaceWarningLevelRatio sends,
/// delayed sends and send-backs are refused with "disk full" naming the directory, pulls and
/// queries go on, due delayed messages wait, and all is taken again once use falls back.
/// </summary>
public sealed class DiskWatermarkTests : BrokerTestBase
{
    private readonly SimulatedDisk _disk = new(50);
    private readonly TestProbe _events;

    public DiskWatermarkTests(ITestOutputHelper output)
        : base(output, StartNode("akkamq.broker.disk-check-interval = 20ms"))
    {
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events.Ref, typeof(DiskPressureChanged));
        DiskSpace.For(Sys).Probe = _disk;
    }

    /// <summary>Sets the simulated use and waits until the watcher has published the expected state.</summary>
    private DiskPressureChanged SetDisk(int percent, DiskPressure expected)
    {
        _disk.Percent = percent;
        var change = _events.FishForMessage<DiskPressureChanged>(e => e.Current.Pressure == expected, TimeSpan.FromSeconds(10));
        Assert.Equal(percent, change.Current.Usage.UsedPercent);
        return change;
    }

    private string DiskFull(int percent) => $"disk full: {Path.GetFullPath(Node.DataDir)} is {percent}% used, over diskSpaceWarningLevelRatio 90%";

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task Over_the_warning_level_sends_are_refused_naming_the_disk_while_pulls_and_queries_go_on_and_taken_again_below_it()
    {
        CreateTopic("DiskTopic", 1);
        Assert.All(Send(Entry(Text("DiskTopic", "m0", keys: "k0")), Entry(Text("DiskTopic", "m1", keys: "k1")), Entry(Text("DiskTopic", "m2", keys: "k2"))),
            a => Assert.Equal(ResponseCode.Success, a.Code));
        var acked = Pull("DiskTopic", 0, 0).Messages;

        var change = SetDisk(93, DiskPressure.WritesRefused);
        Assert.Equal(DiskPressure.Normal, change.Previous);

        // A send batch (one-way entries get no answer), a delayed send and a send-back: all refused, nothing stored.
        var delayed = new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = (NowMs + 60_000).ToString() };
        var refused = Send(Entry(Text("DiskTopic", "m3")), Entry(Text("DiskTopic", "oneway")) with { Oneway = true },
            Entry(Text("DiskTopic", "later", props: delayed)));
        Assert.Equal(2, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal(ResponseCode.ServiceNotAvailable, a.Code);
            Assert.Equal(DiskFull(93), a.Error);
        });
        Gateway.Tell(new ConsumerSendMsgBack(BrokerName, "disk-group", 42, acked[0], 0, 16), TestActor);
        var sendBack = ExpectMsg<SendAcks>().Acks.Single();
        Assert.Equal((42L, ResponseCode.ServiceNotAvailable, DiskFull(93)), (sendBack.CorrelationId, sendBack.Code, sendBack.Error));

        // Reads and small bookkeeping go on: pull, offsets, key query, offset commit.
        var pulled = Pull("DiskTopic", 0, 0);
        Assert.Equal(new[] { "m0", "m1", "m2" }, pulled.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        Assert.Equal(3, MaxOffset("DiskTopic", 0));
        Gateway.Tell(new QueryMessageKey(BrokerName, "DiskTopic", 0, "k1", 8), TestActor);
        Assert.Equal(new long[] { 1 }, ExpectMsg<MessageKeyOffsets>().Offsets);
        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "disk-group", "DiskTopic", new Dictionary<int, long> { [0] = 3 }), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<CommitConsumerOffsetsReply>().Code);

        // /health says the broker refuses writes, naming the disk.
        var health = await NodeHealth.CheckAsync(Sys, Node.Settings, TimeSpan.FromSeconds(5));
        Assert.Equal("DOWN", health.Status);
        Assert.True(health.Disk!.WritesRefused);
        Assert.Equal("WritesRefused", health.Disk.State);
        Assert.StartsWith(DiskFull(93), health.Disk.Detail);
        Assert.True(health.Journal!.Ok);

        // Back below the mark: taken again by themselves, at the next offset.
        SetDisk(89, DiskPressure.CleanForcibly);
        var ack = Send(Entry(Text("DiskTopic", "m3"))).Single();
        Assert.Equal((ResponseCode.Success, 3L), (ack.Code, ack.QueueOffset));
        Assert.Equal(4, MaxOffset("DiskTopic", 0));
        health = await NodeHealth.CheckAsync(Sys, Node.Settings, TimeSpan.FromSeconds(5));
        Assert.Equal(("UP", false), (health.Status, health.Disk!.WritesRefused));
    }

    [Fact]
    public void The_lower_watermarks_are_published_in_turn_and_do_not_refuse_sends()
    {
        CreateTopic("DiskLevels", 1);
        var steps = new[] { (80, DiskPressure.OverMaxUsed), (87, DiskPressure.CleanForcibly), (60, DiskPressure.Normal) };
        var previous = DiskPressure.Normal;
        foreach (var (percent, pressure) in steps)
        {
            var change = SetDisk(percent, pressure);
            Assert.Equal(previous, change.Previous);
            Assert.False(DiskSpace.For(Sys).RefusesWrites);
            Assert.Equal(ResponseCode.Success, Send(Entry(Text("DiskLevels", $"at {percent}%"))).Single().Code);
            previous = pressure;
        }
        Assert.Equal(3, MaxOffset("DiskLevels", 0));
    }

    [Fact]
    public void A_delayed_message_due_while_the_disk_is_full_waits_and_is_delivered_once_sends_are_taken_again()
    {
        CreateTopic("DiskDelayed", 1);
        var due = NowMs + 1500;
        var props = new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = due.ToString() };
        Assert.Equal(ResponseCode.Success, Send(Entry(Text("DiskDelayed", "delayed", props: props))).Single().Code);

        SetDisk(95, DiskPressure.WritesRefused);
        // A long poll held past the due time (and a few schedule ticks) finds nothing.
        var held = Pull("DiskDelayed", 0, 0, suspendMs: Math.Max(0, due - NowMs) + 700);
        Assert.Equal(PullStatus.NoNewMsg, held.Status);
        Assert.True(NowMs > due + 500, "the pull should have been held past the due time");

        SetDisk(50, DiskPressure.Normal);
        var delivered = AwaitMessage("DiskDelayed", 0, 0, TimeSpan.FromSeconds(10));
        Assert.Equal("delayed", Encoding.UTF8.GetString(delivered.Body));
        Assert.True(delivered.StoreTimestamp >= due + 500, $"stored at {delivered.StoreTimestamp}, due at {due}");
    }
}
