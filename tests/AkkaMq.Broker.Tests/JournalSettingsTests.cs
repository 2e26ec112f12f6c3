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
}
