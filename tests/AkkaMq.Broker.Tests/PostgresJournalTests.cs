using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// What only a shared PostgreSQL journal shows (the journal contract runs in
/// <see cref="PostgresJournalContractTests"/>). Needs AKKAMQ_PG_CONNECTION (see .ci/postgres.sh).
/// </summary>
public sealed class PostgresJournalTests
{
    private const string Topic = "PgDurable";
    private readonly ITestOutputHelper _output;

    public PostgresJournalTests(ITestOutputHelper output) => _output = output;

    /// <summary>A standalone node with the PostgreSQL journal, a tiny tail and frequent snapshots.</summary>
    private Task<BrokerSession> StartSession(string connectionString) => BrokerSession.StartAsync(_output, $$"""
        akkamq.store.journal = postgresql
        akkamq.store.connection-string = "{{connectionString}}"
        akkamq.broker.queue.tail-messages = 16
        akkamq.broker.queue.snapshot-every = 5
        """);

    private static SendEntry Sent(long correlation, int i) =>
        new(correlation, 0, false, 1_700_000_000_000 + i * 1000L, Message.FromText(Topic, $"m{i}"));

    /// <summary>
    /// Split-brain insurance: two nodes that both serve one queue on a shared journal (here two
    /// separate standalone nodes on one database) cannot both acknowledge an offset. The journal's
    /// unique (persistence id, sequence number) key refuses the stale writer's batch; its queue log
    /// answers SYSTEM_ERROR, restarts from the journal and continues after the other's writes.
    /// </summary>
    [PostgresFact]
    public async Task Two_nodes_writing_one_queue_never_acknowledge_the_same_offset()
    {
        var connectionString = Postgres.CreateDatabase();
        try
        {
            await using var first = await StartSession(connectionString);
            first.CreateTopic(Topic, 1);
            var e0 = Sent(1, 0);
            Assert.Equal(0, Assert.Single(first.Send(e0)).QueueOffset);
            await using var second = await StartSession(connectionString);
            Assert.Equal(1, second.MaxOffset(Topic, 0)); // second's queue log is live, at offset 1

            var e1 = Sent(2, 1);
            Assert.Equal(1, Assert.Single(first.Send(e1)).QueueOffset);
            // second still believes offset 1 is free: its write is refused, not acknowledged.
            var stale = Assert.Single(second.Send(Sent(3, 2)));
            _output.WriteLine($"stale writer: {stale.Code} {stale.Error}");
            Assert.Equal(ResponseCode.SystemError, stale.Code);
            // Its queue log recovered from the journal: the next send lands after first's.
            var e2 = Sent(4, 3);
            var ack2 = Assert.Single(second.Send(e2));
            Assert.Equal(ResponseCode.Success, ack2.Code);
            Assert.Equal(2, ack2.QueueOffset);
            // Now first is the stale one.
            Assert.Equal(ResponseCode.SystemError, Assert.Single(first.Send(Sent(5, 4))).Code);
            var e3 = Sent(6, 5);
            Assert.Equal(3, Assert.Single(first.Send(e3)).QueueOffset);

            // One log: each acknowledged message at its acknowledged offset, nothing else (first
            // recovered last, so it has read every write).
            var all = first.PullAll(Topic, 0, 4);
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
