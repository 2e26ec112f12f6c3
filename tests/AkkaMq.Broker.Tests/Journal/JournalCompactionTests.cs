using System.Data.Common;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Broker.Consumer;
using AkkaMq.Broker.Offsets;
using AkkaMq.Broker.Topics;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// The consumer offset, topic config and schedule journals compact: once a snapshot is saved, the
/// events it covers and the older snapshots are deleted; a restart recovers the same state from the
/// snapshot and the events after it, and new events take higher sequence numbers. Run against each
/// journal by a subclass that says where the store is and opens a connection to count its rows.
/// Consumer groups (ConsumerGroupManager) are not persisted, so they have no journal to compact.
/// </summary>
public abstract class JournalCompactionTests : IAsyncLifetime
{
    private const string Broker = "broker-c";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly List<ActorSystem> _systems = new();

    protected JournalCompactionTests(ITestOutputHelper output) => Output = output;

    protected ITestOutputHelper Output { get; }

    /// <summary>HOCON that points akkamq.store at this test's database (every system of the test shares it).</summary>
    protected abstract string StoreHocon { get; }

    /// <summary>A new, closed connection to the test's database.</summary>
    protected abstract DbConnection Connect();

    /// <summary>Called after a system stopped, before the next one starts on the same database.</summary>
    protected virtual void AfterStop() { }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var s in _systems) await s.Terminate();
    }

    /// <summary>A "node": an ActorSystem on the test's database with AkkaMq's journal and serializers.</summary>
    protected Akka.TestKit.Xunit2.TestKit StartKit()
    {
        var system = JournalTestKit.StartSystem("compaction" + _systems.Count, StoreHocon, ProtocolConfig.Default);
        _systems.Add(system);
        return new Akka.TestKit.Xunit2.TestKit(system, Output);
    }

    protected async Task StopAsync(Akka.TestKit.Xunit2.TestKit kit)
    {
        await kit.Sys.Terminate();
        AfterStop();
    }

    [ContractFact]
    public async Task Consumer_offsets_compact_and_a_restart_recovers_them_from_the_snapshot_alone()
    {
        var pid = ConsumerOffsetLog.PersistenceIdFor(Broker, "grp", "Orders");
        var first = StartKit();
        var log = first.Sys.ActorOf(ConsumerOffsetLog.Props(Broker, "grp", "Orders", snapshotEvery: 3));
        // Six commits: snapshots at 3 and 6, and then no event is left after the last snapshot.
        for (var i = 1; i <= 6; i++) await Commit(log, new Dictionary<int, long> { [i % 2] = i * 10, [2] = i });
        var before = await log.Ask<ConsumerOffsets>(new GetConsumerOffsets(Broker, "grp", "Orders"), Timeout);
        Assert.Equal(new Dictionary<int, long> { [0] = 60, [1] = 50, [2] = 6 }, before.Offsets);

        await AwaitCompactedAsync(first, pid, snapshotSeqNr: 6, liveEventsAfter: 0);
        await StopAsync(first);

        var second = StartKit();
        log = second.Sys.ActorOf(ConsumerOffsetLog.Props(Broker, "grp", "Orders", snapshotEvery: 3));
        var after = await log.Ask<ConsumerOffsets>(new GetConsumerOffsets(Broker, "grp", "Orders"), Timeout);
        Assert.Equal(before.Offsets, after.Offsets);
        Assert.Equal(before.LastCommitTimestamp, after.LastCommitTimestamp);

        // The journal kept the highest sequence number: the next commit is event 7, not a reused 1.
        await Commit(log, new Dictionary<int, long> { [0] = 70 });
        Assert.Equal([7L], LiveEventSeqNrs(pid));
    }

    [ContractFact]
    public async Task Topic_configs_compact_and_a_restart_recovers_them_from_the_snapshot_and_later_events()
    {
        var pid = TopicConfigLog.PersistenceIdFor(Broker);
        var first = StartKit();
        var log = first.Sys.ActorOf(TopicConfigLog.Props(Broker, snapshotEvery: 4));
        for (var i = 0; i < 5; i++) await Update(log, new TopicConfig("T" + i, 4, 4, Perm.ReadWrite)); // events 1-5
        await Update(log, new TopicConfig("T1", 4, 4, Perm.Read)); // 6
        var deleted = await log.Ask<DeleteTopicReply>(new DeleteTopicInBroker(Broker, "T2"), Timeout); // 7
        Assert.Equal(ResponseCode.Success, deleted.Code);
        await Update(log, new TopicConfig("T5", 2, 2, Perm.ReadWrite)); // 8: the second snapshot
        await Update(log, new TopicConfig("T3", 8, 8, Perm.ReadWrite)); // 9: replayed after it
        var before = (await log.Ask<TopicConfigs>(new GetTopicConfigs(Broker), Timeout)).Configs.OrderBy(c => c.TopicName).ToList();
        Assert.Equal(["T0", "T1", "T3", "T4", "T5"], before.Select(c => c.TopicName));

        await AwaitCompactedAsync(first, pid, snapshotSeqNr: 8, liveEventsAfter: 1);
        await StopAsync(first);

        var second = StartKit();
        log = second.Sys.ActorOf(TopicConfigLog.Props(Broker, snapshotEvery: 4));
        var after = (await log.Ask<TopicConfigs>(new GetTopicConfigs(Broker), Timeout)).Configs.OrderBy(c => c.TopicName).ToList();
        Assert.Equal(before, after);

        await Update(log, new TopicConfig("T6", 1, 1, Perm.ReadWrite));
        Assert.Equal([9L, 10L], LiveEventSeqNrs(pid));
    }

    /// <summary>A controllable clock for the schedule.</summary>
    private sealed class Clock(long start)
    {
        private long _now = start;
        public long Now() => Interlocked.Read(ref _now);
        public void Set(long now) => Interlocked.Exchange(ref _now, now);
    }

    [ContractFact]
    public async Task The_schedule_compacts_and_a_restart_delivers_exactly_the_pending_messages()
    {
        var pid = ScheduleMessageLog.PersistenceIdFor(Broker);
        var settings = ScheduleSettings.Default with { SnapshotEvery = 3, TickInterval = TimeSpan.FromMilliseconds(20) };
        const long t0 = 1_800_000_000_000;
        var clock = new Clock(t0);
        var first = StartKit();
        var region = first.CreateTestProbe();
        var schedule = first.Sys.ActorOf(ScheduleMessageLog.Props(Broker, settings, "unused", region.Ref, clock.Now));
        // Five delayed sends due 1..5 s after t0, each in a bucket of its own: events 1-5 open them (the first snapshot at 3).
        for (var i = 1; i <= 5; i++) Assert.Equal(i - 1, await Schedule(first, schedule, t0 + i * 1000, "m" + i));
        var slot = (int)((t0 + 1000) / 1000 % settings.WheelSlots);
        Assert.NotEmpty(LiveEventSeqNrs(ScheduleMessageLog.SlotPersistenceIdFor(Broker, slot))); // m1's body is in its slot journal

        // The first two come due; their queue acknowledges them (events 6 and 7: the second snapshot at 6).
        clock.Set(t0 + 2500);
        var delivered = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var due = region.ExpectMsg<AppendMessages>(Timeout);
            delivered.AddRange(due.Entries.Select(e => Encoding.UTF8.GetString(e.Message.Body)));
            region.Reply(new SendAcks(Broker, due.Entries.Select(e => new SendAck(e.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, 0, 0)).ToList()));
        }
        Assert.Equal(["m1", "m2"], delivered.Order());
        await AwaitCompactedAsync(first, pid, snapshotSeqNr: 6, liveEventsAfter: 1);
        // A delivered bucket's slot journal is deleted but for its tombstone (the row that keeps the highest sequence number).
        await first.AwaitAssertAsync(() => Assert.Empty(LiveEventSeqNrs(ScheduleMessageLog.SlotPersistenceIdFor(Broker, slot))), Timeout);
        Assert.Equal(5, await Schedule(first, schedule, t0 + 6000, "m6")); // event 8 opens its bucket
        Assert.Equal([7L, 8L], LiveEventSeqNrs(pid));
        await StopAsync(first);

        // Nothing is due before the restart's clock says so, and then exactly m3-m6 are, once.
        var second = StartKit();
        region = second.CreateTestProbe();
        schedule = second.Sys.ActorOf(ScheduleMessageLog.Props(Broker, settings, "unused", region.Ref, clock.Now));
        Assert.Equal(6, await Schedule(second, schedule, t0 + 7000, "m7")); // ids and sequence numbers go on
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        clock.Set(t0 + 6500);
        delivered.Clear();
        for (var i = 0; i < 4; i++)
        {
            var due = region.ExpectMsg<AppendMessages>(Timeout);
            delivered.AddRange(due.Entries.Select(e => Encoding.UTF8.GetString(e.Message.Body)));
            region.Reply(new SendAcks(Broker, due.Entries.Select(e => new SendAck(e.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, 0, 0)).ToList()));
        }
        Assert.Equal(["m3", "m4", "m5", "m6"], delivered.Order());
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [ContractFact]
    public async Task A_schedule_of_the_old_format_is_moved_into_the_timer_wheel_and_its_events_compacted()
    {
        var pid = ScheduleMessageLog.PersistenceIdFor(Broker);
        const long t0 = 1_800_000_000_000;
        var old = StartKit();
        // The pre-wheel schedule: bodies in its own events, one delivered, one pending.
        var writer = old.Sys.ActorOf(Props.Create(() => new LegacyScheduleWriter(pid)));
        ScheduledMessage M(long id, string body) => new(id, t0 + 1000, "Later", 0, t0, null, null, Message.EmptyProperties, Encoding.UTF8.GetBytes(body));
        writer.Tell(new ScheduledMessagesAdded([M(0, "gone"), M(1, "kept")]), old.TestActor);
        writer.Tell(new ScheduledMessagesDelivered([0L]), old.TestActor);
        old.ExpectMsg("done", Timeout);
        old.ExpectMsg("done", Timeout);
        await StopAsync(old);

        var kit = StartKit();
        var region = kit.CreateTestProbe();
        var clock = new Clock(t0);
        var settings = ScheduleSettings.Default with { TickInterval = TimeSpan.FromMilliseconds(20) };
        kit.Sys.ActorOf(ScheduleMessageLog.Props(Broker, settings, "unused", region.Ref, clock.Now));
        // Moved: a snapshot of the new format replaces the old events.
        await kit.AwaitAssertAsync(() => Assert.Empty(LiveEventSeqNrs(pid)), Timeout);
        Assert.Single(Longs("SELECT sequence_number FROM snapshot WHERE persistence_id = @pid", pid));
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        clock.Set(t0 + 1000);
        var due = region.ExpectMsg<AppendMessages>(Timeout);
        Assert.Equal(["kept"], due.Entries.Select(e => Encoding.UTF8.GetString(e.Message.Body)));
    }

    /// <summary>Persists schedule events as the schedule did before the timer wheel.</summary>
    private sealed class LegacyScheduleWriter : Akka.Persistence.ReceivePersistentActor
    {
        public LegacyScheduleWriter(string pid)
        {
            PersistenceId = pid;
            CommandAny(e => Persist(e, _ => Sender.Tell("done")));
        }

        public override string PersistenceId { get; }
    }

    private static async Task Commit(IActorRef log, Dictionary<int, long> offsets)
    {
        var reply = await log.Ask<CommitConsumerOffsetsReply>(new CommitConsumerOffsets(Broker, "grp", "Orders", offsets), Timeout);
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
    }

    private static async Task Update(IActorRef log, TopicConfig config)
    {
        var reply = await log.Ask<UpdateTopicConfigReply>(new UpdateTopicConfig(Broker, config), Timeout);
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
    }

    /// <summary>Schedules one message (queue 0 of topic Later) and returns its schedule id.</summary>
    private static async Task<long> Schedule(Akka.TestKit.Xunit2.TestKit kit, IActorRef schedule, long deliverAt, string body)
    {
        var sender = kit.CreateTestProbe();
        var entry = new SendEntry(deliverAt, 0, false, deliverAt, Message.FromText("Later", body));
        schedule.Tell(new ScheduleMessages(Broker, [new ScheduledEntry(deliverAt, entry)]), sender.Ref);
        var ack = Assert.Single(sender.ExpectMsg<SendAcks>(Timeout).Acks);
        Assert.True(ack.Code == ResponseCode.Success, ack.Error);
        return ack.QueueOffset;
    }

    /// <summary>
    /// Waits until one snapshot of the id is left, at snapshotSeqNr, and no event at or below it
    /// can be replayed. Akka.Persistence.Sql removes those rows but the highest one, which it keeps
    /// marked deleted so that the highest sequence number survives; liveEventsAfter are the events after the snapshot.
    /// </summary>
    protected async Task AwaitCompactedAsync(Akka.TestKit.Xunit2.TestKit kit, string pid, long snapshotSeqNr, int liveEventsAfter)
    {
        await kit.AwaitAssertAsync(() =>
        {
            Assert.Equal([snapshotSeqNr], Longs("SELECT sequence_number FROM snapshot WHERE persistence_id = @pid ORDER BY sequence_number", pid));
            Assert.Equal(Enumerable.Range(1, liveEventsAfter).Select(i => snapshotSeqNr + i), LiveEventSeqNrs(pid));
            var rows = Longs("SELECT sequence_number FROM journal WHERE persistence_id = @pid AND sequence_number <= @seq ORDER BY sequence_number", pid, snapshotSeqNr);
            Assert.True(rows.Count <= 1 && rows.All(r => r == snapshotSeqNr), $"rows at or below the snapshot: {string.Join(", ", rows)}");
        }, Timeout, TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Sequence numbers of the rows of the id not marked deleted: the events a recovery replays.</summary>
    protected List<long> LiveEventSeqNrs(string pid) =>
        Longs("SELECT sequence_number FROM journal WHERE persistence_id = @pid AND NOT deleted ORDER BY sequence_number", pid);

    /// <summary>The first column of the query's rows, with @pid and @seq bound.</summary>
    protected List<long> Longs(string sql, string pid, long seq = 0)
    {
        using var c = Connect();
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        Add(cmd, "@pid", pid);
        if (sql.Contains("@seq")) Add(cmd, "@seq", seq);
        using var r = cmd.ExecuteReader();
        var list = new List<long>();
        while (r.Read()) list.Add(Convert.ToInt64(r.GetValue(0)));
        return list;
    }

    private static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
