using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>The journal contract on the embedded SQLite journal (one database file in the data directory).</summary>
public sealed class SqliteJournalContractTests(ITestOutputHelper output) : JournalContractTests(output)
{
    private readonly TempDirectory _dir = new("akkamq-journal-");

    protected override string StoreHocon => $"akkamq.store.data-dir = \"{_dir.Path.Replace("\\", "/")}\"";

    protected override string? NodeDataDir => _dir.Path;

    protected override Dictionary<string, long> TableRows() => JournalTestKit.RowCounts(new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "akkamq.db")};Pooling=False"),
        "SELECT name FROM sqlite_master WHERE type = 'table'");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
