using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>The journal contract on the embedded SQLite journal (one database file in the data directory).</summary>
public sealed class SqliteJournalContractTests(ITestOutputHelper output) : JournalContractTests(output)
{
    private readonly TempDirectory _dir = new("akkamq-journal-");

    protected override string StoreHocon => $"akkamq.store.data-dir = \"{_dir.Path.Replace("\\", "/")}\"";

    protected override string? NodeDataDir => _dir.Path;

    protected override Dictionary<string, long> TableRows() => SqliteTables.RowCounts(Path.Combine(_dir.Path, "akkamq.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}

internal static class SqliteTables
{
    public static Dictionary<string, long> RowCounts(string dbPath)
    {
        using var c = new SqliteConnection($"Data Source={dbPath};Pooling=False");
        c.Open();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
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
}
