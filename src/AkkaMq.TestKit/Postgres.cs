using System.Collections.Concurrent;
using Npgsql;
using Xunit;

namespace AkkaMq.TestKit;

/// <summary>
/// The PostgreSQL server of the PostgreSQL tests, named by AKKAMQ_PG_CONNECTION (a connection string
/// to a base database, e.g. as <c>.ci/postgres.sh start</c> exports it). Each test gets its own
/// database next to the base one.
/// </summary>
public static class Postgres
{
    public const string Variable = "AKKAMQ_PG_CONNECTION";

    public const string MissingMessage =
        "AKKAMQ_PG_CONNECTION is not set; run .ci/postgres.sh start (see its header) to run PostgreSQL tests";

    private static readonly ConcurrentDictionary<string, string> Created = new();

    public static bool IsConfigured => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable));

    /// <summary>CI=true: PostgreSQL tests must run there, so a missing server fails them instead of skipping.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The base connection string; throws with <see cref="MissingMessage"/> when the variable is not set.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { } cs && !string.IsNullOrWhiteSpace(cs)
            ? cs
            : throw new InvalidOperationException(MissingMessage);

    /// <summary>Creates a fresh, uniquely named database and returns its connection string.</summary>
    public static string CreateDatabase(string prefix = "akkamq_test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        using (var c = OpenBase())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = $"CREATE DATABASE {Quote(name)}";
            cmd.ExecuteNonQuery();
        }
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
        Created[name] = cs;
        return cs;
    }

    /// <summary>The database a connection string names (to pass to <see cref="DropDatabase"/>).</summary>
    public static string DatabaseName(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Database
        ?? throw new ArgumentException("the connection string names no database", nameof(connectionString));

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, closing its sessions; errors are ignored.</summary>
    public static void DropDatabase(string name)
    {
        try
        {
            // Pooled idle connections of the node would otherwise be broken sessions in this process.
            if (Created.TryRemove(name, out var cs))
                using (var pooled = new NpgsqlConnection(cs)) NpgsqlConnection.ClearPool(pooled);
            using var c = OpenBase();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)";
            cmd.ExecuteNonQuery();
        }
        catch (Exception)
        {
            // Best effort: a throwaway server is deleted with its databases anyway.
        }
    }

    private static NpgsqlConnection OpenBase()
    {
        // No pooling: these are rare admin sessions, and a pooled one would keep the base database busy.
        var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        c.Open();
        return c;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}

/// <summary>
/// A fact that needs the PostgreSQL server of <see cref="Postgres"/>. Without AKKAMQ_PG_CONNECTION it
/// is skipped, except in CI (CI=true), where it runs and fails with <see cref="Postgres.MissingMessage"/>.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!Postgres.IsConfigured && !Postgres.IsCi) Skip = Postgres.MissingMessage;
    }
}
