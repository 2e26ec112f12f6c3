using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit;
using AkkaMq.Broker.Store;

namespace AkkaMq.Broker.Tests;

/// <summary>The journal tests' vocabulary: a system on a store, writes and the journal's answers, a recording persistent actor.</summary>
internal static class JournalTestKit
{
    /// <summary>An ActorSystem with AkkaMq's journal setup for the store HOCON; overrides go on top (e.g. another journal class).</summary>
    public static ActorSystem StartSystem(string name, string storeHocon, Config? overrides = null)
    {
        var journal = JournalSetup.Create(StoreSettings.Create(ConfigurationFactory.ParseString(storeHocon)), FlushDiskType.AsyncFlush);
        var config = (overrides ?? Config.Empty).WithFallback(journal.Config).WithFallback(BrokerSettings.DefaultConfig);
        return ActorSystem.Create(name, ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), journal.DataOptions));
    }

    /// <summary>The system's journal, its tables made by a first write.</summary>
    public static IActorRef WarmJournal(Akka.TestKit.Xunit2.TestKit kit)
    {
        var journal = Persistence.Instance.Apply(kit.Sys).JournalFor(null);
        var warm = kit.CreateTestProbe();
        journal.Tell(Write("warm", 1, "tables exist", warm.Ref));
        ExpectStored(warm);
        return journal;
    }

    public static Persistent Event(string persistenceId, long seqNr, object payload) =>
        new(payload, seqNr, persistenceId, "", false, ActorRefs.NoSender, "");

    public static WriteMessages Write(string persistenceId, long seqNr, string payload, IActorRef writer) =>
        new([new AtomicWrite(Event(persistenceId, seqNr, payload))], writer, 1);

    /// <summary>The journal's two answers to a write that was stored.</summary>
    public static void ExpectStored(TestProbe writer)
    {
        writer.ExpectMsg<WriteMessagesSuccessful>(TimeSpan.FromSeconds(20));
        writer.ExpectMsg<WriteMessageSuccess>();
    }

    /// <summary>The journal's two answers to a write that failed; the failure's message.</summary>
    public static string ExpectFailed(TestProbe writer)
    {
        writer.ExpectMsg<WriteMessagesFailed>(TimeSpan.FromSeconds(20));
        return writer.ExpectMsg<WriteMessageFailure>().Cause.Message;
    }

    /// <summary>Replays every event of the id: the payloads found, and the highest sequence number the journal reports.</summary>
    public static void ExpectReplay(IActorRef journal, string persistenceId, TestProbe reader, long highest, params string[] payloads)
    {
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, persistenceId, reader.Ref));
        var found = new List<object>();
        object m;
        while ((m = reader.ExpectMsg<object>(TimeSpan.FromSeconds(20))) is ReplayedMessage r) found.Add(r.Persistent.Payload);
        Assert.Equal(payloads, found);
        Assert.Equal(highest, Assert.IsType<RecoverySuccess>(m).HighestSequenceNr);
    }

    /// <summary>Writes events 1..count of the id (payloads prefix + number), one write at a time.</summary>
    public static void WriteEach(IActorRef journal, TestProbe writer, string persistenceId, int count, string prefix)
    {
        for (var i = 1; i <= count; i++)
        {
            journal.Tell(Write(persistenceId, i, prefix + i, writer.Ref));
            ExpectStored(writer);
        }
    }

    public static void DeleteTo(IActorRef journal, TestProbe writer, string persistenceId, long toSequenceNr)
    {
        journal.Tell(new DeleteMessagesTo(persistenceId, toSequenceNr, writer.Ref));
        writer.ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(20));
    }

    /// <summary>Row counts of the tables that tablesSql lists (one name a row); the connection is closed after.</summary>
    public static Dictionary<string, long> RowCounts(DbConnection connection, string tablesSql)
    {
        using var c = connection;
        c.Open();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = tablesSql;
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var rows = new Dictionary<string, long>();
        foreach (var t in tables)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT count(*) FROM \"{t}\"";
            rows[t] = Convert.ToInt64(cmd.ExecuteScalar());
        }
        return rows;
    }

    /// <summary>Starts a <see cref="Recorder"/> (it recovers), sends it the commands and returns every event it then holds.</summary>
    public static async Task<string[]> Record(ActorSystem system, string id, params object[] commands)
    {
        var recorder = system.ActorOf(Props.Create(() => new Recorder(id)));
        var events = await recorder.Ask<string[]>("?", TimeSpan.FromSeconds(20));
        foreach (var c in commands) events = await recorder.Ask<string[]>(c, TimeSpan.FromSeconds(20));
        return events;
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
}
