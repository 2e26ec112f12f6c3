using System.Data.Common;

namespace AkkaMq.Broker.Store;

/// <summary>A node's journal could not be claimed for its broker group at start; the node does not start.</summary>
public class JournalClaimException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A node was started on a journal stamped with another broker group.</summary>
public sealed class ForeignJournalException(string message) : JournalClaimException(message);

/// <summary>
/// The broker group a journal belongs to, stamped in the journal itself (table akkamq_broker_group)
/// on a node's first start and checked on every start, so a node never serves its group from
/// another group's log. An embedded SQLite journal belongs to one group (cluster, brokerName). A
/// shared PostgreSQL database holds many groups, each brokerName belonging to one cluster. brokerId
/// is not stamped: a slave serves its master's log after failover. A journal written before stamps
/// existed is stamped by its next start.
/// </summary>
public static class BrokerGroupStamp
{
    public const string Table = "akkamq_broker_group";

    /// <param name="onePerJournal">True for an embedded journal, which no other group may share.</param>
    /// <param name="journal">The journal as the error names it.</param>
    public static void Claim(DbConnection connection, bool onePerJournal, string clusterName, string brokerName, string journal)
    {
        // A journal from before stamps: its topic table's events name the group that wrote it (the cluster is not recorded).
        if (onePerJournal && !SqliteTableExists(connection, Table) && UnstampedGroup(connection) is { } writer && writer != brokerName)
            throw new ForeignJournalException(
                $"the journal {journal} holds the events of brokerName {writer} (written before broker groups were stamped), " +
                $"not of this node's broker group {clusterName}/{brokerName}; give this node its own data directory, or start it as brokerName {writer}");
        try
        {
            Execute(connection, $"CREATE TABLE IF NOT EXISTS {Table} (broker_name VARCHAR(255) NOT NULL PRIMARY KEY, " +
                                "cluster_name VARCHAR(255) NOT NULL, stamped_at BIGINT NOT NULL)");
        }
        catch (DbException) when (!onePerJournal)
        {
            // PostgreSQL: another node created it at the same moment (IF NOT EXISTS does not cover the race); the read below needs it.
        }
        Check(Read(connection), onePerJournal, clusterName, brokerName, journal);
        // Two nodes of one group may stamp a shared database at once: the first stamp stays, and both check it.
        Execute(connection, $"INSERT INTO {Table} (broker_name, cluster_name, stamped_at) VALUES (@broker, @cluster, @now) " +
                            "ON CONFLICT (broker_name) DO NOTHING",
            ("broker", brokerName), ("cluster", clusterName), ("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        Check(Read(connection), onePerJournal, clusterName, brokerName, journal);
    }

    /// <summary>Throws <see cref="ForeignJournalException"/> naming both groups when the stamps say the journal is another group's.</summary>
    public static void Check(IReadOnlyList<(string Cluster, string BrokerName)> stamps, bool onePerJournal, string clusterName, string brokerName,
        string journal)
    {
        foreach (var (cluster, broker) in stamps)
        {
            if (cluster == clusterName && broker == brokerName) continue;
            if (!onePerJournal && broker != brokerName) continue;
            throw new ForeignJournalException(
                $"the journal {journal} holds broker group {cluster}/{broker}, not this node's broker group {clusterName}/{brokerName}; " +
                (onePerJournal
                    ? "give this node its own data directory, or start it as that group (brokerClusterName, brokerName)"
                    : $"brokerName {broker} is stamped by cluster {cluster} in this database: rename this group or give it its own database"));
        }
    }

    /// <summary>SQLite: the brokerName of an unstamped journal's topic table (persistence id topics|name), or null.</summary>
    private static string? UnstampedGroup(DbConnection connection)
    {
        if (!SqliteTableExists(connection, "journal")) return null;
        using var cmd = connection.CreateCommand();
        // A range on the unique (persistence_id, sequence_number) index: '}' follows '|'.
        cmd.CommandText = "SELECT persistence_id FROM journal WHERE persistence_id >= 'topics|' AND persistence_id < 'topics}' LIMIT 1";
        return cmd.ExecuteScalar() is string id ? id["topics|".Length..] : null;
    }

    private static bool SqliteTableExists(DbConnection connection, string table)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'";
        return Convert.ToInt64(cmd.ExecuteScalar()) > 0;
    }

    private static List<(string, string)> Read(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT cluster_name, broker_name FROM {Table} ORDER BY broker_name";
        using var reader = cmd.ExecuteReader();
        var stamps = new List<(string, string)>();
        while (reader.Read()) stamps.Add((reader.GetString(0), reader.GetString(1)));
        return stamps;
    }

    private static void Execute(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        cmd.ExecuteNonQuery();
    }
}
