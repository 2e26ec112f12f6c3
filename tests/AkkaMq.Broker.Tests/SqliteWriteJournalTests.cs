using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Microsoft.Data.Sqlite;
using static AkkaMq.Broker.Tests.JournalTestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// The embedded journal's own write path (<see cref="Store.SqliteWriteJournal"/>): its rows are
/// Akka.Persistence.Sql's, a refused write fails only its own writer although writes share
/// transactions, and a recovery counts a write still waiting for its transaction. What every
/// journal must do runs in <see cref="SqliteJournalContractTests"/>.
/// </summary>
public sealed class SqliteWriteJournalTests : IAsyncLifetime
{
    private const string Poison = "POISON-PILL";
    private readonly TempDirectory _dir = new("akkamq-journal-");
    private readonly List<ActorSystem> _systems = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var s in _systems) await s.Terminate();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private string DbPath => Path.Combine(_dir.Path, "akkamq.db");

    /// <summary>An ActorSystem on the test's data directory with AkkaMq's journal setup, or with Akka.Persistence.Sql's own journal class.</summary>
    private ActorSystem StartSystem(bool stockJournal)
    {
        var stock = stockJournal
            ? ConfigurationFactory.ParseString("""
                akka.persistence.journal.sql.class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
                akka.persistence.journal.sql.plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
                """)
            : null;
        var system = JournalTestKit.StartSystem("journal" + _systems.Count, $"akkamq.store.data-dir = \"{_dir.Path.Replace("\\", "/")}\"", stock);
        _systems.Add(system);
        return system;
    }

    private static async Task StopSystem(ActorSystem system)
    {
        await system.Terminate();
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Rows_written_by_either_journal_are_read_by_the_other()
    {
        var stock = StartSystem(stockJournal: true);
        Assert.Equal(["a1", "a2", "a3"], await Record(stock, "p-1", "a1", "a2", new Tagged("a3", ["red"])));
        await StopSystem(stock);

        var ours = StartSystem(stockJournal: false);
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3"], await Record(ours, "p-1", "b1", "b2", new Tagged("b3", ["red", "blue"])));
        await StopSystem(ours);

        var stockAgain = StartSystem(stockJournal: true);
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3", "c1"], await Record(stockAgain, "p-1", "c1"));
        await StopSystem(stockAgain);

        var oursAgain = StartSystem(stockJournal: false);
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3", "c1"], await Record(oursAgain, "p-1"));
        await StopSystem(oursAgain);

        // Column by column, a row of ours looks like Akka.Persistence.Sql's row for the same kind of event.
        using var c = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT sequence_number, typeof(created), created, deleted, tags, manifest, identifier, length(writer_uuid), writer_uuid FROM journal WHERE persistence_id = 'p-1' ORDER BY ordering";
        using var r = cmd.ExecuteReader();
        var rows = new List<(long Seq, string CreatedType, long Created, long Deleted, string Tags, string Manifest, long Identifier, long UuidLength, string Uuid)>();
        while (r.Read())
            rows.Add((r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetInt64(6), r.GetInt64(7), r.GetString(8)));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], rows.Select(x => x.Seq));
        var (a1, b1) = (rows[0], rows[3]);
        Assert.Equal((a1.CreatedType, a1.Deleted, a1.Tags, a1.Manifest, a1.Identifier, a1.UuidLength), (b1.CreatedType, b1.Deleted, b1.Tags, b1.Manifest, b1.Identifier, b1.UuidLength));
        Assert.InRange(new DateTime(b1.Created, DateTimeKind.Utc), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow);
        Assert.NotEqual(a1.Uuid, b1.Uuid); // one writer id per journal incarnation, as Akka.Persistence.Sql does
        Assert.Equal(";red;", rows[2].Tags);
        Assert.Equal(2, rows[5].Tags.Split(';', StringSplitOptions.RemoveEmptyEntries).Intersect(["red", "blue"]).Count());
        Assert.True(rows[5].Tags.StartsWith(';') && rows[5].Tags.EndsWith(';'), rows[5].Tags);
    }

    /// <summary>AkkaMq's journal on a new system, its tables made by a first write.</summary>
    private (Akka.TestKit.Xunit2.TestKit Kit, IActorRef Journal) StartJournal()
    {
        var kit = new Akka.TestKit.Xunit2.TestKit(StartSystem(stockJournal: false));
        return (kit, WarmJournal(kit));
    }

    /// <summary>Runs the sends while SQLite's write lock is held: the journal's next commit waits and the writes queue behind it.</summary>
    private void WhileWriteLockHeld(Action sends)
    {
        using var holder = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        holder.Open();
        using var tx = holder.BeginTransaction(deferred: false);
        sends();
        tx.Rollback();
    }

    [Fact]
    public void A_refused_write_fails_only_its_own_writer_though_it_shared_a_transaction()
    {
        var (kit, journal) = StartJournal();
        using var _ = kit;

        // The database refuses rows carrying the poison, as a full disk would refuse a write.
        RefusePoison();

        // While the lock is held no commit ends, so the writes below meet in the journal's queue
        // and go into one transaction (all three, or the last two behind the first).
        var (a, b, c2) = (kit.CreateTestProbe(), kit.CreateTestProbe(), kit.CreateTestProbe());
        WhileWriteLockHeld(() =>
        {
            journal.Tell(Write("A", 1, "good a", a.Ref));
            journal.Tell(Write("B", 1, Poison, b.Ref));
            journal.Tell(Write("C", 1, "good c", c2.Ref));
        });

        ExpectStored(a);
        Assert.Contains("injected write failure", ExpectFailed(b));
        ExpectStored(c2);

        // What was acknowledged is stored; the refused write is not.
        var reader = kit.CreateTestProbe();
        foreach (var (id, expected) in new[] { ("A", 1L), ("B", 0L), ("C", 1L) })
        {
            journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, id, reader.Ref));
            if (expected == 1) reader.ExpectMsg<ReplayedMessage>(TimeSpan.FromSeconds(20));
            Assert.Equal(expected, reader.ExpectMsg<RecoverySuccess>(TimeSpan.FromSeconds(20)).HighestSequenceNr);
        }
    }

    private void RefusePoison()
    {
        using var c = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"CREATE TRIGGER refuse_poison BEFORE INSERT ON journal WHEN instr(NEW.message, CAST('{Poison}' AS BLOB)) > 0 " +
                          "BEGIN SELECT RAISE(ABORT, 'injected write failure'); END;";
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void After_a_failed_write_later_writes_of_the_same_id_fail_until_it_recovers()
    {
        // A queue log keeps two writes in flight: the second must not be stored after a hole.
        var (kit, journal) = StartJournal();
        using var _ = kit;
        RefusePoison();

        var (first, second, third) = (kit.CreateTestProbe(), kit.CreateTestProbe(), kit.CreateTestProbe());
        WhileWriteLockHeld(() =>
        {
            journal.Tell(Write("X", 1, Poison, first.Ref));
            journal.Tell(Write("X", 2, "second", second.Ref));
        });
        Assert.Contains("injected write failure", ExpectFailed(first));
        Assert.Contains("an earlier write of X failed", ExpectFailed(second));
        // Also in a later transaction.
        journal.Tell(Write("X", 3, "third", third.Ref));
        ExpectFailed(third);

        // A recovery finds nothing stored, and the recovered writer's writes are stored again.
        var reader = kit.CreateTestProbe();
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "X", reader.Ref));
        Assert.Equal(0, reader.ExpectMsg<RecoverySuccess>(TimeSpan.FromSeconds(20)).HighestSequenceNr);
        journal.Tell(Write("X", 1, "recovered", first.Ref));
        ExpectStored(first);
    }

    [Fact]
    public void A_recovery_counts_a_write_still_waiting_for_its_transaction()
    {
        var (kit, journal) = StartJournal();
        using var _ = kit;
        var writer = kit.CreateTestProbe();
        journal.Tell(Write("D", 1, "d1", writer.Ref));
        ExpectStored(writer);

        // The write of d2 waits behind the lock when the replay of D asks for D's highest
        // sequence number; reading the table alone would answer 1, and a new incarnation of D
        // would then write a second event with sequence number 2.
        var reader = kit.CreateTestProbe();
        WhileWriteLockHeld(() =>
        {
            journal.Tell(Write("D", 2, "d2", writer.Ref));
            journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "D", reader.Ref));
        });

        ExpectStored(writer);
        Assert.Equal("d1", reader.ExpectMsg<ReplayedMessage>(TimeSpan.FromSeconds(20)).Persistent.Payload);
        Assert.Equal("d2", reader.ExpectMsg<ReplayedMessage>().Persistent.Payload);
        Assert.Equal(2, reader.ExpectMsg<RecoverySuccess>().HighestSequenceNr);
    }
}
