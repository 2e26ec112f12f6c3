using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using static AkkaMq.Broker.Tests.JournalTestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// What every journal AkkaMq runs on must do, run against each (SQLite, PostgreSQL) by a subclass
/// that says where the store is: the Akka.Persistence journal protocol (writes, batches, replays,
/// deletes, highest sequence numbers, rejected payloads, recovery), and a broker whose messages,
/// offsets and topics come back from it after a restart.
/// </summary>
public abstract class JournalContractTests : IAsyncLifetime
{
    protected const string Topic = "Durable";
    private readonly List<ActorSystem> _systems = new();

    protected JournalContractTests(ITestOutputHelper output) => Output = output;

    protected ITestOutputHelper Output { get; }

    /// <summary>HOCON that points akkamq.store at this test's database (every system and node of the test shares it).</summary>
    protected abstract string StoreHocon { get; }

    /// <summary>The data directory of every node of the test, or null for a fresh one per node.</summary>
    protected virtual string? NodeDataDir => null;

    /// <summary>Row counts of the database's tables.</summary>
    protected abstract Dictionary<string, long> TableRows();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var s in _systems) await s.Terminate();
    }

    private Akka.TestKit.Xunit2.TestKit StartKit()
    {
        var system = StartSystem("journal" + _systems.Count, StoreHocon);
        _systems.Add(system);
        return new Akka.TestKit.Xunit2.TestKit(system, Output);
    }

    /// <summary>The journal of a new system, warmed, and a probe to write with.</summary>
    private (Akka.TestKit.Xunit2.TestKit Kit, IActorRef Journal, Akka.TestKit.TestProbe Writer) StartJournal()
    {
        var kit = StartKit();
        return (kit, WarmJournal(kit), kit.CreateTestProbe());
    }

    [ContractFact]
    public async Task A_persistent_actor_recovers_its_events_in_a_new_system()
    {
        var first = StartKit().Sys;
        Assert.Equal(["a1", "a2", "a3"], await Record(first, "p-1", "a1", "a2", new Tagged("a3", ["red"])));
        await first.Terminate();

        var second = StartKit().Sys;
        Assert.Equal(["a1", "a2", "a3", "b1"], await Record(second, "p-1", "b1"));
        Assert.Equal(Array.Empty<string>(), await Record(second, "p-2"));
    }

    [ContractFact]
    public void The_writes_of_one_batch_are_stored_in_order_and_answered_each()
    {
        var (kit, journal, writer) = StartJournal();
        using var _ = kit;
        // One atomic write of three events, and a second one for another id, in one batch.
        journal.Tell(new WriteMessages([
            new AtomicWrite(new[] { Event("B", 1, "b1"), Event("B", 2, "b2"), Event("B", 3, "b3") }.ToImmutableList<IPersistentRepresentation>()),
            new AtomicWrite(Event("C", 1, "c1")),
        ], writer.Ref, 1));
        writer.ExpectMsg<WriteMessagesSuccessful>(TimeSpan.FromSeconds(20));
        Assert.Equal([1L, 2, 3, 1], Enumerable.Range(0, 4).Select(_ => writer.ExpectMsg<WriteMessageSuccess>().Persistent.SequenceNr));

        var reader = kit.CreateTestProbe();
        ExpectReplay(journal, "B", reader, 3, "b1", "b2", "b3");
        ExpectReplay(journal, "C", reader, 1, "c1");
        ExpectReplay(journal, "none", reader, 0);
    }

    [ContractFact]
    public void A_replay_reads_the_asked_range_in_order_and_skips_deleted_events()
    {
        var (kit, journal, writer) = StartJournal();
        using var _ = kit;
        WriteEach(journal, writer, "R", 6, "r");
        // Akka.Persistence.Sql removes row 1 and keeps row 2 marked deleted (it holds the highest number).
        DeleteTo(journal, writer, "R", 2);

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

    [ContractFact]
    public void The_highest_sequence_number_outlives_deleting_every_event()
    {
        var (kit, journal, writer) = StartJournal();
        using var _ = kit;
        WriteEach(journal, writer, "H", 3, "h");
        DeleteTo(journal, writer, "H", 3);

        // A new incarnation must go on at 4, not reuse 1.
        ExpectReplay(journal, "H", kit.CreateTestProbe(), 3);
        journal.Tell(Write("H", 4, "h4", writer.Ref));
        ExpectStored(writer);
        ExpectReplay(journal, "H", kit.CreateTestProbe(), 4, "h4");
    }

    /// <summary>Akka's default (JSON) serializer fails on it.</summary>
    private sealed class Unserializable
    {
        public int Value => throw new InvalidOperationException("cannot be read");
    }

    [ContractFact]
    public void A_payload_that_cannot_be_serialized_is_rejected_and_its_writer_goes_on()
    {
        var (kit, journal, writer) = StartJournal();
        using var _ = kit;
        journal.Tell(new WriteMessages([new AtomicWrite(Event("U", 1, new Unserializable()))], writer.Ref, 1));
        writer.ExpectMsg<WriteMessagesSuccessful>(TimeSpan.FromSeconds(20));
        Assert.Equal(1, writer.ExpectMsg<WriteMessageRejected>().Persistent.SequenceNr);
        journal.Tell(Write("U", 1, "u1", writer.Ref));
        ExpectStored(writer);
    }

    /// <summary>A node on this test's database: a tiny tail, so that pulls of older offsets read the
    /// journal; frequent snapshots, so that recovery uses snapshot + replay.</summary>
    private Task<BrokerSession> StartSession() => BrokerSession.StartAsync(Output, StoreHocon + """

        akkamq.broker.queue.tail-messages = 16
        akkamq.broker.queue.snapshot-every = 5
        akkamq.broker.consumer-offsets.snapshot-every = 2
        """, NodeDataDir);

    [ContractFact]
    public async Task Messages_offsets_and_topics_survive_a_restart()
    {
        const int count = 300;
        var sent = new List<SendEntry>();
        var sentQ1 = new List<SendEntry>();
        List<MessageExt> firstRead;
        List<MessageExt> firstReadQ1;
        string brokerName;

        await using (var first = await StartSession())
        {
            brokerName = first.BrokerName;
            first.CreateTopic(Topic, 2);

            // Single sends, then batches of varying size (each batch is one journal write).
            long correlation = 0;
            while (sent.Count < count)
            {
                var size = sent.Count < 5 ? 1 : Math.Min(1 + sent.Count % 37, count - sent.Count);
                var batch = Enumerable.Range(sent.Count, size).Select(i => Sent(++correlation, 0, i)).ToArray();
                var acks = first.Send(batch);
                Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));
                Assert.Equal(Enumerable.Range(sent.Count, size).Select(i => (long)i), acks.OrderBy(a => a.CorrelationId).Select(a => a.QueueOffset));
                sent.AddRange(batch);
            }
            for (var i = 0; i < 7; i++)
            {
                var e = Sent(++correlation, 1, 1000 + i);
                Assert.Equal(i, first.Send(e)[0].QueueOffset);
                sentQ1.Add(e);
            }
            Assert.Equal(count, first.MaxOffset(Topic, 0));

            firstRead = first.PullAll(Topic, 0, count);
            for (var i = 0; i < count; i++) AssertStored(sent[i], firstRead[i], brokerName, 0, i);
            firstReadQ1 = first.PullAll(Topic, 1, sentQ1.Count);
            for (var i = 0; i < sentQ1.Count; i++) AssertStored(sentQ1[i], firstReadQ1[i], brokerName, 1, i);

            // Several commits, so the offsets entity snapshots (snapshot-every = 2) and replays.
            foreach (var o in new long[] { 10, 50, 120, 170, 211 }) first.Commit("grp", Topic, 0, o);
            first.Commit("grp", Topic, 1, 3);
            Assert.Equal(211, first.CommittedOffset("grp", Topic, 0));
        }

        // The plugins created their schema on start (auto-initialize) and wrote events and snapshots.
        var rows = TableRows();
        Output.WriteLine("tables: " + string.Join(", ", rows.Select(r => $"{r.Key}={r.Value}")));
        Assert.True(rows.GetValueOrDefault("journal") > 0, "no events in table journal");
        Assert.True(rows.GetValueOrDefault("snapshot") > 0, "no snapshots in table snapshot");

        // A second node on the same database: all state comes from the journal.
        await using var second = await StartSession();
        Assert.Equal(brokerName, second.BrokerName);

        // The topic exists without being created again.
        var topic = Assert.Single(second.TopicConfigs(), t => t.TopicName == Topic);
        Assert.Equal((2, 2), (topic.WriteQueueNums, topic.ReadQueueNums));

        Assert.Equal(211, second.CommittedOffset("grp", Topic, 0));
        Assert.Equal(3, second.CommittedOffset("grp", Topic, 1));
        Assert.Equal(count, second.MaxOffset(Topic, 0));

        // Offsets continue without a gap.
        var after = Sent(1_000_001, 0, count);
        var ack = Assert.Single(second.Send(after));
        Assert.Equal((ResponseCode.Success, (long)count), (ack.Code, ack.QueueOffset));
        var afterQ1 = Sent(1_000_002, 1, 2000);
        Assert.Equal(sentQ1.Count, Assert.Single(second.Send(afterQ1)).QueueOffset);

        // Every message reads back as before the restart, store timestamps included.
        var secondRead = second.PullAll(Topic, 0, count + 1);
        for (var i = 0; i < count; i++) AssertSame(firstRead[i], secondRead[i]);
        AssertStored(after, secondRead[count], brokerName, 0, count);
        var secondReadQ1 = second.PullAll(Topic, 1, sentQ1.Count + 1);
        for (var i = 0; i < sentQ1.Count; i++) AssertSame(firstReadQ1[i], secondReadQ1[i]);
        AssertStored(afterQ1, secondReadQ1[sentQ1.Count], brokerName, 1, sentQ1.Count);

        // Commits continue on the recovered offsets.
        second.Commit("grp", Topic, 0, 301);
        Assert.Equal(301, second.CommittedOffset("grp", Topic, 0));
    }

    /// <summary>The entries sent: offset i of queue 0 carries Sent(i); a few go to queue 1.</summary>
    protected static SendEntry Sent(long correlation, int queueId, int i)
    {
        var body = i % 5 == 0
            ? Enumerable.Range(0, 300 + i).Select(b => (byte)(b * 7 + i)).ToArray()
            : Encoding.UTF8.GetBytes($"{{\"n\":{i},\"text\":\"сообщение {i}\"}}");
        var props = i % 4 == 0
            ? Message.EmptyProperties
            : new Dictionary<string, string> { ["n"] = i.ToString(), ["ключ"] = "значение", ["empty"] = "" };
        var message = new Message(Topic, body, i % 3 == 0 ? null : $"Tag{i % 3}", i % 2 == 0 ? $"k{i} order-{i / 10}" : null, props);
        return new SendEntry(correlation, queueId, false, 1_700_000_000_000 + i * 1000L, message);
    }

    private static void AssertStored(SendEntry sent, MessageExt stored, string brokerName, int queueId, long offset)
    {
        Assert.Equal((Topic, brokerName, queueId, offset), (stored.Topic, stored.BrokerName, stored.QueueId, stored.QueueOffset));
        Assert.Equal((sent.Message.Tags, sent.Message.Keys), (stored.Tags, stored.Keys));
        Assert.Equal(sent.Message.Properties.OrderBy(p => p.Key), stored.Properties.OrderBy(p => p.Key));
        Assert.Equal(sent.Message.Body, stored.Body);
        Assert.Equal(sent.BornTimestamp, stored.BornTimestamp);
        Assert.True(stored.StoreTimestamp >= sent.BornTimestamp, $"store timestamp {stored.StoreTimestamp}");
    }

    private static void AssertSame(MessageExt before, MessageExt after)
    {
        Assert.Equal(before with { Properties = Message.EmptyProperties, Body = Array.Empty<byte>() }, after with { Properties = Message.EmptyProperties, Body = Array.Empty<byte>() });
        Assert.Equal(before.Properties.OrderBy(p => p.Key), after.Properties.OrderBy(p => p.Key));
        Assert.Equal(before.Body, after.Body);
    }
}
