using System.Collections.Immutable;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit;
using AkkaMq.Broker.Store;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// The embedded journal's own write path (<see cref="SqliteWriteJournal"/>): its rows are
/// Akka.Persistence.Sql's, a refused write fails only its own writer although writes share
/// transactions, and a recovery counts a write still waiting for its transaction.
/// </summary>
public sealed class SqliteWriteJournalTests : IDisposable
{
    private const string Poison = "POISON-PILL";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "akkamq-journal-" + Guid.NewGuid().ToString("N"));
    private readonly List<ActorSystem> _systems = new();

    public SqliteWriteJournalTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        foreach (var s in _systems) s.Terminate().Wait(TimeSpan.FromSeconds(10));
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string DbPath => Path.Combine(_dir, "akkamq.db");

    /// <summary>An ActorSystem on the test's data directory with AkkaMq's journal setup, or with Akka.Persistence.Sql's own journal class.</summary>
    private ActorSystem StartSystem(bool stockJournal)
    {
        var store = StoreSettings.Create(ConfigurationFactory.ParseString($"akkamq.store.data-dir = \"{_dir}\""));
        var journal = JournalSetup.Create(store, FlushDiskType.AsyncFlush);
        var config = journal.Config;
        if (stockJournal)
            config = ConfigurationFactory.ParseString("""
                akka.persistence.journal.sql.class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
                akka.persistence.journal.sql.plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
                """).WithFallback(config);
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config.WithFallback(BrokerSettings.DefaultConfig)), journal.DataOptions);
        var system = ActorSystem.Create("journal" + _systems.Count, setup);
        _systems.Add(system);
        return system;
    }

    private static async Task StopSystem(ActorSystem system)
    {
        await system.Terminate();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Persists what it is told and answers with every event it holds, recovered ones first.</summary>
    private sealed class Recorder : ReceivePersistentActor
    {
        private readonly List<string> _events = new();

        public Recorder(string id)
        {
            PersistenceId = id;
            Recover<string>(e => _events.Add(e));
            Recover<Tagged>(t => _events.Add((string)t.Payload));
            Command<Tagged>(t => Persist(t, _ => { _events.Add((string)t.Payload); Sender.Tell(_events.ToArray()); }));
            Command<string>(s => s == "?", _ => Sender.Tell(_events.ToArray()));
            Command<string>(s => Persist(s, _ => { _events.Add(s); Sender.Tell(_events.ToArray()); }));
        }

        public override string PersistenceId { get; }
    }

    private static async Task<string[]> Ask(ActorSystem system, string id, params object[] commands)
    {
        var recorder = system.ActorOf(Props.Create(() => new Recorder(id)));
        var events = await recorder.Ask<string[]>("?", TimeSpan.FromSeconds(20));
        foreach (var c in commands) events = await recorder.Ask<string[]>(c, TimeSpan.FromSeconds(20));
        return events;
    }

    [Fact]
    public async Task Rows_written_by_either_journal_are_read_by_the_other()
    {
        var stock = StartSystem(stockJournal: true);
        Assert.Equal(["a1", "a2", "a3"], await Ask(stock, "p-1", "a1", "a2", new Tagged("a3", ["red"])));
        await StopSystem(stock);

        var ours = StartSystem(stockJournal: false);
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3"], await Ask(ours, "p-1", "b1", "b2", new Tagged("b3", ["red", "blue"])));
        await StopSystem(ours);

        var stockAgain = StartSystem(stockJournal: true);
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3", "c1"], await Ask(stockAgain, "p-1", "c1"));
        await StopSystem(stockAgain);

        var oursAgain = StartSystem(stockJournal: false);
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3", "c1"], await Ask(oursAgain, "p-1"));
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

    private static WriteMessages Write(string persistenceId, long seqNr, string payload, IActorRef writer) =>
        new([new AtomicWrite(new Persistent(payload, seqNr, persistenceId, "", false, ActorRefs.NoSender, ""))], writer, 1);

    /// <summary>The journal's two answers to a write that was stored.</summary>
    private static void ExpectStored(TestProbe writer)
    {
        writer.ExpectMsg<WriteMessagesSuccessful>(TimeSpan.FromSeconds(20));
        writer.ExpectMsg<WriteMessageSuccess>();
    }

    /// <summary>The journal's two answers to a write that failed; the failure's message.</summary>
    private static string ExpectFailed(TestProbe writer)
    {
        writer.ExpectMsg<WriteMessagesFailed>(TimeSpan.FromSeconds(20));
        return writer.ExpectMsg<WriteMessageFailure>().Cause.Message;
    }

    /// <summary>AkkaMq's journal on a new system, its tables made by a first write.</summary>
    private (Akka.TestKit.Xunit2.TestKit Kit, IActorRef Journal) StartJournal()
    {
        var kit = new Akka.TestKit.Xunit2.TestKit(StartSystem(stockJournal: false));
        var journal = Persistence.Instance.Apply(kit.Sys).JournalFor(null);
        var warm = kit.CreateTestProbe();
        journal.Tell(Write("warm", 1, "tables exist", warm.Ref));
        ExpectStored(warm);
        return (kit, journal);
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
    public void A_replay_reads_the_asked_range_in_order_and_skips_deleted_events()
    {
        var (kit, journal) = StartJournal();
        using var _ = kit;
        var writer = kit.CreateTestProbe();
        for (var i = 1; i <= 6; i++)
        {
            journal.Tell(Write("R", i, "r" + i, writer.Ref));
            ExpectStored(writer);
        }
        // Akka.Persistence.Sql removes row 1 and keeps row 2 marked deleted (it holds the highest number).
        journal.Tell(new DeleteMessagesTo("R", 2, writer.Ref));
        writer.ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(20));

        var reader = kit.CreateTestProbe();
        journal.Tell(new ReplayMessages(1, 5, 2, "R", reader.Ref));
        var third = reader.ExpectMsg<ReplayedMessage>(TimeSpan.FromSeconds(20)).Persistent;
        Assert.Equal(("r3", 3L, "R"), ((string)third.Payload, third.SequenceNr, third.PersistenceId));
        Assert.Equal("r4", reader.ExpectMsg<ReplayedMessage>().Persistent.Payload);
        Assert.Equal(6, reader.ExpectMsg<RecoverySuccess>().HighestSequenceNr);

        journal.Tell(new ReplayMessages(5, long.MaxValue, long.MaxValue, "R", reader.Ref));
        Assert.Equal("r5", reader.ExpectMsg<ReplayedMessage>(TimeSpan.FromSeconds(20)).Persistent.Payload);
        Assert.Equal("r6", reader.ExpectMsg<ReplayedMessage>().Persistent.Payload);
        Assert.Equal(6, reader.ExpectMsg<RecoverySuccess>().HighestSequenceNr);
    }

    /// <summary>Akka's default (JSON) serializer fails on it.</summary>
    private sealed class Unserializable
    {
        public int Value => throw new InvalidOperationException("cannot be read");
    }

    [Fact]
    public void A_payload_that_cannot_be_serialized_is_rejected_and_its_writer_goes_on()
    {
        var (kit, journal) = StartJournal();
        using var _ = kit;
        var writer = kit.CreateTestProbe();
        journal.Tell(new WriteMessages([new AtomicWrite(new Persistent(new Unserializable(), 1, "U", "", false, ActorRefs.NoSender, ""))], writer.Ref, 1));
        writer.ExpectMsg<WriteMessagesSuccessful>(TimeSpan.FromSeconds(20));
        Assert.Equal(1, writer.ExpectMsg<WriteMessageRejected>().Persistent.SequenceNr);
        journal.Tell(Write("U", 1, "u1", writer.Ref));
        ExpectStored(writer);
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
