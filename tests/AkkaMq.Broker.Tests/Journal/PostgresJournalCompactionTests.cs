using System.Data.Common;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>Journal compaction on PostgreSQL (Akka.Persistence.Sql's own journal and deletes), a fresh database per test.</summary>
[NeedsPostgres]
public sealed class PostgresJournalCompactionTests(ITestOutputHelper output) : JournalCompactionTests(output)
{
    private readonly string _connectionString = Postgres.CreateDatabase();

    protected override string StoreHocon => $"""
        akkamq.store.journal = postgresql
        akkamq.store.connection-string = "{_connectionString}"
        """;

    protected override DbConnection Connect() => new Npgsql.NpgsqlConnection(_connectionString);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Postgres.DropDatabase(Postgres.DatabaseName(_connectionString));
    }
}
