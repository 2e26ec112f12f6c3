using System.Data.Common;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Offsets;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>Journal compaction on the embedded SQLite journal, and an actor that keeps serving while its events cannot be deleted.</summary>
public sealed class SqliteJournalCompactionTests(ITestOutputHelper output) : JournalCompactionTests(output)
{
    private readonly TempDirectory _dir = new("akkamq-compaction-");

    protected override string StoreHocon => $"akkamq.store.data-dir = \"{_dir.Path.Replace("\\", "/")}\"";

    protected override DbConnection Connect() => new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "akkamq.db")};Pooling=False");

    protected override void AfterStop() => SqliteConnection.ClearAllPools();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_failed_deletion_is_logged_once_the_offsets_keep_serving_and_the_next_snapshot_compacts()
    {
        var pid = ConsumerOffsetLog.PersistenceIdFor("broker-f", "grp", "Orders");
        var kit = StartKit();
        var warnings = kit.CreateTestProbe();
        kit.Sys.EventStream.Subscribe(warnings.Ref, typeof(Warning));
        var log = kit.Sys.ActorOf(ConsumerOffsetLog.Props("broker-f", "grp", "Orders", snapshotEvery: 3));
        await Commit(log, 1); // the journal's tables exist now

        // The database refuses to mark events deleted, as a locked or failing database would.
        Sql("CREATE TRIGGER keep_events BEFORE UPDATE OF deleted ON journal BEGIN SELECT RAISE(ABORT, 'deletes refused by the test'); END;");
        await Commit(log, 2);
        await Commit(log, 3); // snapshot at 3; deleting events 1-3 fails
        var warning = await warnings.FishForMessageAsync<Warning>(w => w.Message.ToString()!.Contains("Deleting the events"), TimeSpan.FromSeconds(20));
        Assert.Contains(pid, warning.Message.ToString());
        Assert.Contains("deletes refused by the test", warning.Message.ToString());

        // It keeps serving, and a second failure of the same kind is not logged again.
        log.Tell(new DeleteMessagesFailure(new InvalidOperationException("still refused"), 3));
        await Commit(log, 4);
        Assert.Equal(4, (await Offsets(log))[0]);
        // The log is published on the actor's thread, so any warning of it is in the probe's mailbox by now.
        var later = new List<string>();
        while (warnings.HasMessages) later.Add(((Warning)(await warnings.ReceiveOneAsync(TimeSpan.FromSeconds(1)))!).Message.ToString()!);
        Assert.DoesNotContain(later, w => w.Contains("Deleting the events"));
        Assert.Equal([1L, 2, 3, 4], LiveEventSeqNrs(pid));

        // Once the database takes deletes again, the next snapshot removes everything it covers.
        Sql("DROP TRIGGER keep_events;");
        await Commit(log, 5);
        await Commit(log, 6);
        await AwaitCompactedAsync(kit, pid, snapshotSeqNr: 6, liveEventsAfter: 0);
        await StopAsync(kit);

        var again = StartKit();
        log = again.Sys.ActorOf(ConsumerOffsetLog.Props("broker-f", "grp", "Orders", snapshotEvery: 3));
        Assert.Equal(6, (await Offsets(log))[0]);
    }

    private static async Task Commit(IActorRef log, long offset)
    {
        var reply = await log.Ask<CommitConsumerOffsetsReply>(
            new CommitConsumerOffsets("broker-f", "grp", "Orders", new Dictionary<int, long> { [0] = offset }), TimeSpan.FromSeconds(20));
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
    }

    private static async Task<IReadOnlyDictionary<int, long>> Offsets(IActorRef log) =>
        (await log.Ask<ConsumerOffsets>(new GetConsumerOffsets("broker-f", "grp", "Orders"), TimeSpan.FromSeconds(20))).Offsets;

    private void Sql(string sql)
    {
        using var c = Connect();
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
