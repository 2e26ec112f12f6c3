using System.Text;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// The broker on the PostgreSQL journal (akkamq.store.journal = postgresql): messages, offsets and
/// topics are written, read back through the journal and recovered by a second node on the same
/// database. Needs AKKAMQ_PG_CONNECTION (see .ci/postgres.sh).
/// </summary>
public sealed class PostgresJournalTests
{
    private const string Topic = "PgDurable";
    private readonly ITestOutputHelper _output;

    public PostgresJournalTests(ITestOutputHelper output) => _output = output;

    /// <summary>One node's life on the database: a standalone node with the PostgreSQL journal.</summary>
    private sealed class Session : BrokerTestBase
    {
        public Session(ITestOutputHelper output, string connectionString)
            // A tiny tail, so that pulls of older offsets read the journal; frequent snapshots, so
            // that the snapshot store is written and recovery uses snapshot + replay.
            : base(output, StartNode($$"""
                akkamq.store.journal = postgresql
                akkamq.store.connection-string = "{{connectionString}}"
                akkamq.broker.queue.tail-messages = 16
                akkamq.broker.queue.snapshot-every = 5
                akkamq.broker.consumer-offsets.snapshot-every = 2
                """)) { }

        public new void CreateTopic(string topic, int queues = 4, int perm = Perm.ReadWrite) => base.CreateTopic(topic, queues, perm);
        public new List<SendAck> Send(params SendEntry[] entries) => base.Send(entries);
        public new PullResult Pull(string topic, int queueId, long offset, int max = 32, string filter = "*", long suspendMs = 0, string group = "test-group") =>
            base.Pull(topic, queueId, offset, max, filter, suspendMs, group);
        public new long MaxOffset(string topic, int queueId) => base.MaxOffset(topic, queueId);
        public new Akka.Actor.IActorRef Gateway => base.Gateway;
        public new string BrokerName => base.BrokerName;
        public T Expect<T>() => ExpectMsg<T>(TimeSpan.FromSeconds(10));

        public void Commit(string group, int queueId, long offset)
        {
            Gateway.Tell(new CommitConsumerOffsets(BrokerName, group, Topic, new Dictionary<int, long> { [queueId] = offset }), TestActor);
            Assert.Equal(ResponseCode.Success, Expect<CommitConsumerOffsetsReply>().Code);
        }

        public long CommittedOffset(string group, int queueId)
        {
            Gateway.Tell(new QueryConsumerOffset(BrokerName, group, Topic, queueId), TestActor);
            return Expect<ConsumerOffsetReply>().Offset;
        }

        public IReadOnlyList<TopicConfig> TopicConfigs()
        {
            Gateway.Tell(new GetTopicConfigs(BrokerName), TestActor);
            return Expect<TopicConfigs>().Configs;
        }

        /// <summary>Every message of a queue from offset 0, page by page (most pages come from the journal).</summary>
        public List<MessageExt> PullAll(int queueId, long count)
        {
            var all = new List<MessageExt>();
            while (all.Count < count)
            {
                var r = Pull(Topic, queueId, all.Count, 32);
                Assert.True(r.Status == PullStatus.Found, $"pull at {all.Count}: {r.Status} {r.Error}");
                Assert.Equal(all.Count, r.Messages[0].QueueOffset);
                all.AddRange(r.Messages);
                Assert.Equal(all.Count, r.NextBeginOffset);
            }
            Assert.Equal(count, all.Count);
            return all;
        }

        public void Stop() => Node.StopAsync().GetAwaiter().GetResult();
    }

    /// <summary>The entries sent: offset i of queue 0 carries Sent(i); a few go to queue 1.</summary>
    private static SendEntry Sent(long correlation, int queueId, int i)
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
        Assert.Equal(Topic, stored.Topic);
        Assert.Equal(brokerName, stored.BrokerName);
        Assert.Equal(queueId, stored.QueueId);
        Assert.Equal(offset, stored.QueueOffset);
        Assert.Equal(sent.Message.Tags, stored.Tags);
        Assert.Equal(sent.Message.Keys, stored.Keys);
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

    /// <summary>Row counts of the tables in the database's public schema.</summary>
    private static Dictionary<string, long> TableRows(string connectionString)
    {
        using var c = new Npgsql.NpgsqlConnection(connectionString);
        c.Open();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var rows = new Dictionary<string, long>();
        foreach (var t in tables)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT count(*) FROM \"{t}\"";
            rows[t] = (long)cmd.ExecuteScalar()!;
        }
        return rows;
    }

    [PostgresFact]
    public void Messages_offsets_and_topics_survive_a_restart_on_PostgreSQL()
    {
        var connectionString = Postgres.CreateDatabase();
        try
        {
            const int count = 300;
            var sent = new List<SendEntry>();
            var sentQ1 = new List<SendEntry>();
            List<MessageExt> firstRead;
            List<MessageExt> firstReadQ1;
            string brokerName;

            using (var first = new Session(_output, connectionString))
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

                firstRead = first.PullAll(0, count);
                for (var i = 0; i < count; i++) AssertStored(sent[i], firstRead[i], brokerName, 0, i);
                firstReadQ1 = first.PullAll(1, sentQ1.Count);
                for (var i = 0; i < sentQ1.Count; i++) AssertStored(sentQ1[i], firstReadQ1[i], brokerName, 1, i);

                // Several commits, so the offsets entity snapshots (snapshot-every = 2) and replays.
                foreach (var o in new long[] { 10, 50, 120, 170, 211 }) first.Commit("pg-group", 0, o);
                first.Commit("pg-group", 1, 3);
                Assert.Equal(211, first.CommittedOffset("pg-group", 0));

                first.Stop();
            }

            // The plugins created their schema on start (auto-initialize) and wrote events and snapshots.
            var rows = TableRows(connectionString);
            _output.WriteLine("tables: " + string.Join(", ", rows.Select(r => $"{r.Key}={r.Value}")));
            Assert.True(rows.GetValueOrDefault("journal") > 0, "no events in table journal");
            Assert.True(rows.GetValueOrDefault("snapshot") > 0, "no snapshots in table snapshot");

            // A second node on the same database (and a fresh data directory): all state comes from PostgreSQL.
            using var second = new Session(_output, connectionString);
            Assert.Equal(brokerName, second.BrokerName);

            // The topic exists without being created again.
            var topic = Assert.Single(second.TopicConfigs(), t => t.TopicName == Topic);
            Assert.Equal(2, topic.WriteQueueNums);
            Assert.Equal(2, topic.ReadQueueNums);

            Assert.Equal(211, second.CommittedOffset("pg-group", 0));
            Assert.Equal(3, second.CommittedOffset("pg-group", 1));
            Assert.Equal(count, second.MaxOffset(Topic, 0));

            // Offsets continue without a gap.
            var after = Sent(1_000_001, 0, count);
            var ack = Assert.Single(second.Send(after));
            Assert.Equal(ResponseCode.Success, ack.Code);
            Assert.Equal(count, ack.QueueOffset);
            var afterQ1 = Sent(1_000_002, 1, 2000);
            Assert.Equal(sentQ1.Count, Assert.Single(second.Send(afterQ1)).QueueOffset);

            // Every message reads back as before the restart, store timestamps included.
            var secondRead = second.PullAll(0, count + 1);
            for (var i = 0; i < count; i++) AssertSame(firstRead[i], secondRead[i]);
            AssertStored(after, secondRead[count], brokerName, 0, count);
            var secondReadQ1 = second.PullAll(1, sentQ1.Count + 1);
            for (var i = 0; i < sentQ1.Count; i++) AssertSame(firstReadQ1[i], secondReadQ1[i]);
            AssertStored(afterQ1, secondReadQ1[sentQ1.Count], brokerName, 1, sentQ1.Count);

            // Commits continue on the recovered offsets.
            second.Commit("pg-group", 0, 301);
            Assert.Equal(301, second.CommittedOffset("pg-group", 0));
            second.Stop();
        }
        finally
        {
            Postgres.DropDatabase(Postgres.DatabaseName(connectionString));
        }
    }

    /// <summary>
    /// Split-brain insurance: two nodes that both serve one queue on a shared journal (here two
    /// separate standalone nodes on one database) cannot both acknowledge an offset. The journal's
    /// unique (persistence id, sequence number) key refuses the stale writer's batch; its queue log
    /// answers SYSTEM_ERROR, restarts from the journal and continues after the other's writes.
    /// </summary>
    [PostgresFact]
    public void Two_nodes_writing_one_queue_never_acknowledge_the_same_offset()
    {
        var connectionString = Postgres.CreateDatabase();
        try
        {
            using var first = new Session(_output, connectionString);
            first.CreateTopic(Topic, 1);
            var e0 = Sent(1, 0, 0);
            Assert.Equal(0, Assert.Single(first.Send(e0)).QueueOffset);
            using var second = new Session(_output, connectionString);
            Assert.Equal(1, second.MaxOffset(Topic, 0)); // second's queue log is live, at offset 1

            var e1 = Sent(2, 0, 1);
            Assert.Equal(1, Assert.Single(first.Send(e1)).QueueOffset);
            // second still believes offset 1 is free: its write is refused, not acknowledged.
            var stale = Assert.Single(second.Send(Sent(3, 0, 2)));
            _output.WriteLine($"stale writer: {stale.Code} {stale.Error}");
            Assert.Equal(ResponseCode.SystemError, stale.Code);
            // Its queue log recovered from the journal: the next send lands after first's.
            var e2 = Sent(4, 0, 3);
            var ack2 = Assert.Single(second.Send(e2));
            Assert.Equal(ResponseCode.Success, ack2.Code);
            Assert.Equal(2, ack2.QueueOffset);
            // Now first is the stale one.
            Assert.Equal(ResponseCode.SystemError, Assert.Single(first.Send(Sent(5, 0, 4))).Code);
            var e3 = Sent(6, 0, 5);
            Assert.Equal(3, Assert.Single(first.Send(e3)).QueueOffset);

            // One log: each acknowledged message at its acknowledged offset, nothing else (first
            // recovered last, so it has read every write).
            var all = first.PullAll(0, 4);
            var acked = new[] { e0, e1, e2, e3 };
            for (var i = 0; i < 4; i++) Assert.Equal(acked[i].Message.Body, all[i].Body);
            Assert.Equal(PullStatus.NoNewMsg, first.Pull(Topic, 0, 4).Status);
        }
        finally
        {
            Postgres.DropDatabase(Postgres.DatabaseName(connectionString));
        }
    }
}
