using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>The journal contract on PostgreSQL (akkamq.store.journal = postgresql), a fresh database per test.</summary>
[NeedsPostgres]
public sealed class PostgresJournalContractTests(ITestOutputHelper output) : JournalContractTests(output)
{
    private readonly string _connectionString = Postgres.CreateDatabase();

    protected override string StoreHocon => $"""
        akkamq.store.journal = postgresql
        akkamq.store.connection-string = "{_connectionString}"
        """;

    protected override Dictionary<string, long> TableRows() => JournalTestKit.RowCounts(new Npgsql.NpgsqlConnection(_connectionString),
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Postgres.DropDatabase(Postgres.DatabaseName(_connectionString));
    }
}
