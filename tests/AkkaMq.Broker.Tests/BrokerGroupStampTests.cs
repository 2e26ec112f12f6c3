using Akka.Configuration;
using AkkaMq.Broker.Store;
using AkkaMq.TestKit;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// A journal belongs to one broker group: stamped at its first start, checked at every start, and a
/// node of another group is refused with both groups named, leaving the journal as it was.
/// </summary>
public sealed class BrokerGroupStampTests : IDisposable
{
    private readonly TempDirectory _dir = new("akkamq-stamp-");

    public void Dispose() => _dir.Dispose();

    private static JournalSetup Sqlite(string dataDir) => JournalSetup.Create(
        StoreSettings.Create(ConfigurationFactory.ParseString($"akkamq.store.data-dir = \"{dataDir.Replace("\\", "/")}\"")), FlushDiskType.AsyncFlush);

    private static List<(string Cluster, string Broker)> Stamps(string dataDir)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "akkamq.db")};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT cluster_name, broker_name FROM {BrokerGroupStamp.Table}";
        using var r = cmd.ExecuteReader();
        var stamps = new List<(string, string)>();
        while (r.Read()) stamps.Add((r.GetString(0), r.GetString(1)));
        return stamps;
    }

    [Fact]
    public void A_new_data_directory_is_stamped_at_the_first_start_and_its_group_starts_again()
    {
        Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-a");
        Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-a");
        Assert.Equal(new[] { ("DefaultCluster", "broker-a") }, Stamps(_dir.Path));
    }

    [Theory]
    [InlineData("DefaultCluster", "broker-b")]
    [InlineData("OtherCluster", "broker-a")]
    public void Another_groups_data_directory_is_refused_naming_both_groups(string cluster, string broker)
    {
        Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-a");

        var e = Assert.Throws<ForeignJournalException>(() => Sqlite(_dir.Path).ClaimFor(cluster, broker));
        Assert.Contains("broker group DefaultCluster/broker-a", e.Message);
        Assert.Contains($"broker group {cluster}/{broker}", e.Message);
        Assert.Contains(Path.Combine(_dir.Path, "akkamq.db"), e.Message);
        Assert.Equal(new[] { ("DefaultCluster", "broker-a") }, Stamps(_dir.Path));
    }

    [Fact]
    public void A_node_started_on_another_groups_data_directory_refuses_to_start()
    {
        Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-x");

        var e = Assert.Throws<ForeignJournalException>(() => AkkaMqTestNode.StartStandalone(dataDir: _dir.Path));
        Assert.Contains("DefaultCluster/broker-x", e.Message);
        Assert.Contains("DefaultCluster/broker-a", e.Message);
    }

    [Fact]
    public void A_journal_written_before_stamps_existed_is_stamped_not_refused()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-5a1ab64.sqlite"), Path.Combine(_dir.Path, "akkamq.db"));

        Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-a");

        Assert.Equal(new[] { ("DefaultCluster", "broker-a") }, Stamps(_dir.Path));
        Assert.Throws<ForeignJournalException>(() => Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-b"));
    }

    [Fact]
    public void An_unstamped_journal_of_another_brokerName_is_refused_and_left_as_it_was()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-5a1ab64.sqlite"), Path.Combine(_dir.Path, "akkamq.db"));

        var e = Assert.Throws<ForeignJournalException>(() => Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-b"));
        Assert.Contains("brokerName broker-a", e.Message);
        Assert.Contains("DefaultCluster/broker-b", e.Message);
        Sqlite(_dir.Path).ClaimFor("DefaultCluster", "broker-a"); // still unstamped: its own group stamps it
        Assert.Equal(new[] { ("DefaultCluster", "broker-a") }, Stamps(_dir.Path));
    }

    [PostgresFact]
    public void A_shared_database_holds_many_groups_but_a_brokerName_belongs_to_one_cluster()
    {
        var cs = Postgres.CreateDatabase();
        try
        {
            JournalSetup Pg() => JournalSetup.Create(StoreSettings.Create(ConfigurationFactory.ParseString(
                $"akkamq.store {{ journal = postgresql, connection-string = \"{cs}\" }}")), FlushDiskType.AsyncFlush);
            Pg().ClaimFor("DefaultCluster", "broker-a");
            Pg().ClaimFor("DefaultCluster", "broker-a"); // the slave, or the master again
            Pg().ClaimFor("DefaultCluster", "broker-b"); // another group of the cluster shares the database

            var e = Assert.Throws<ForeignJournalException>(() => Pg().ClaimFor("OtherCluster", "broker-a"));
            Assert.Contains("DefaultCluster/broker-a", e.Message);
            Assert.Contains("OtherCluster/broker-a", e.Message);
            Assert.Contains("PostgreSQL", e.Message);
        }
        finally
        {
            Postgres.DropDatabase(Postgres.DatabaseName(cs));
        }
    }
}
