using System.Data.Common;
using Akka.Actor;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AkkaMq.Broker.Offsets;

/// <summary>
/// The consumer groups that committed offsets on a topic of a broker group (RocketMQ's
/// ConsumerOffsetManager iterates its table for cleanOffsetByTopic). Each group's offsets are one
/// <see cref="ConsumerOffsetLog"/> that starts on demand, so the list comes from the journal's
/// persistence ids: Akka.Persistence.Sql keeps a row for every id that ever wrote, even once its
/// events are deleted, and the snapshot table holds the rest.
/// </summary>
public static class ConsumerOffsetGroups
{
    private const string JournalConfig = "akka.persistence.journal.sql";

    /// <summary>The groups found among persistence ids for the topic's offset logs of brokerName.</summary>
    public static IReadOnlyList<string> Of(IEnumerable<string> persistenceIds, string brokerName, string topic)
    {
        var prefix = ConsumerOffsetLog.PersistenceIdFor(brokerName, "", "")[..^1]; // "offset|broker|"
        var suffix = "|" + topic;
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in persistenceIds)
            if (id.Length > prefix.Length + suffix.Length && id.StartsWith(prefix, StringComparison.Ordinal) && id.EndsWith(suffix, StringComparison.Ordinal))
                groups.Add(id[prefix.Length..^suffix.Length]);
        return groups.ToList();
    }

    /// <summary>Reads the offset logs' persistence ids of brokerName from the node's journal (SQLite or PostgreSQL).</summary>
    public static async Task<IReadOnlyList<string>> FindAsync(ActorSystem system, string brokerName, string topic, CancellationToken ct)
    {
        var config = system.Settings.Config.GetConfig(JournalConfig);
        var connectionString = config.GetString("connection-string", "");
        var postgres = config.GetString("provider-name", "") == ProviderName.PostgreSQL15;
        var prefix = ConsumerOffsetLog.PersistenceIdFor(brokerName, "", "")[..^1];
        await using DbConnection connection = postgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = connection.CreateCommand();
        // SQLite compares ids bytewise, so a range reads only this broker's offset ids through the index.
        // PostgreSQL's collation may not be bytewise: there a prefix match (LIKE would treat '%' and '_' in names as wildcards).
        var where = postgres ? "left(persistence_id, @n) = @lo" : "persistence_id >= @lo AND persistence_id < @hi";
        cmd.CommandText = $"SELECT persistence_id FROM journal WHERE {where} GROUP BY persistence_id " +
                          $"UNION SELECT persistence_id FROM snapshot WHERE {where} GROUP BY persistence_id";
        Add(cmd, "lo", prefix);
        Add(cmd, "hi", prefix[..^1] + (char)(prefix[^1] + 1));
        Add(cmd, "n", prefix.Length);
        var ids = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        return Of(ids, brokerName, topic);
    }

    private static void Add(DbCommand cmd, string name, object value)
    {
        if (!cmd.CommandText.Contains("@" + name, StringComparison.Ordinal)) return;
        var p = cmd.CreateParameter();
        p.ParameterName = "@" + name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
