using Akka.Configuration;
using AkkaMq.Broker.Store;

namespace AkkaMq.Broker.Tests;

public sealed class JournalSettingsTests
{
    [Fact]
    public void Journal_and_snapshot_store_build_each_connection_from_one_saved_configuration()
    {
        // Cloning a template connection made linq2db combine mapping schemas anew for every write
        // (a third of the journal's allocations per write in bench/AkkaMq.Benchmarks).
        var store = StoreSettings.Create(ConfigurationFactory.ParseString("akkamq.store.connection-string = \"Data Source=settings;Mode=Memory;Cache=Shared\""));
        var setup = JournalSetup.Create(store, FlushDiskType.AsyncFlush);
        Assert.False(setup.Config.GetBoolean("akka.persistence.journal.sql.use-clone-connection", true));
        Assert.False(setup.Config.GetBoolean("akka.persistence.snapshot-store.sql.use-clone-connection", true));
    }

    [Theory]
    [InlineData("", 2)]
    [InlineData("akkamq.store.journal = postgresql", 1)]
    [InlineData("akkamq.broker.queue.max-inflight-writes = 3", 3)]
    [InlineData("akkamq.store.journal = postgresql\nakkamq.broker.queue.max-inflight-writes = 2", 2)]
    public void Queue_logs_keep_two_writes_in_flight_by_default_only_on_the_journal_that_fences_them(string config, int expected)
    {
        // The SQLite journal fails a queue's writes that follow a failed one (SqliteWriteJournalTests);
        // Akka.Persistence.Sql's journal on PostgreSQL could store the second after the first failed.
        Assert.Equal(expected, BrokerSettings.Create(ConfigurationFactory.ParseString(config)).Queue.MaxInflightWrites);
    }
}
