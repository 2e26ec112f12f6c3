using System.Data.Common;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AkkaMq.Broker.Store;

/// <summary>
/// Configures Akka.Persistence.Sql as AkkaMq's journal and snapshot store: embedded SQLite in
/// the data directory (WAL mode; synchronous=NORMAL for ASYNC_FLUSH, FULL for SYNC_FLUSH) or a
/// shared PostgreSQL database.
/// </summary>
public sealed class JournalSetup
{
    public const string JournalPluginId = "akka.persistence.journal.sql";
    public const string SnapshotPluginId = "akka.persistence.snapshot-store.sql";

    /// <summary>
    /// Set in the node's config by <see cref="Create"/> when the journal is an SQLite file with the
    /// background checkpointer on; the broker starts a <see cref="WalCheckpointer"/> for it.
    /// </summary>
    public const string CheckpointConnectionStringPath = "akkamq.store.checkpointer-connection-string";

    private readonly string _provider;
    private readonly string _connectionString;

    private JournalSetup(Config config, MultiDataOptionsSetup dataOptions, string description, string provider, string connectionString)
    {
        Config = config;
        DataOptions = dataOptions;
        Description = description;
        _provider = provider;
        _connectionString = connectionString;
    }

    /// <summary>HOCON for the journal and snapshot plugins.</summary>
    public Config Config { get; }

    /// <summary>Add to the ActorSystem's setup: carries the connection interceptor.</summary>
    public MultiDataOptionsSetup DataOptions { get; }

    public string Description { get; }

    public static JournalSetup Create(StoreSettings store, FlushDiskType flush)
    {
        string provider, connectionString, description;
        IInterceptor? interceptor = null;
        string? pragmas = null;
        string? checkpointed = null;
        int parallelism;
        if (store.Journal == "postgresql")
        {
            provider = ProviderName.PostgreSQL15;
            connectionString = store.ConnectionString;
            parallelism = 3;
            description = "PostgreSQL (" + RedactPassword(connectionString) + ")";
        }
        else
        {
            provider = ProviderName.SQLiteMS;
            if (string.IsNullOrWhiteSpace(store.ConnectionString))
            {
                var dir = Path.GetFullPath(store.DataDir);
                Directory.CreateDirectory(dir);
                connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "akkamq.db"), Pooling = true }.ToString();
            }
            else connectionString = store.ConnectionString;
            if (!IsInMemory(connectionString))
            {
                EnableWal(connectionString);
                if (store.CheckpointInterval > TimeSpan.Zero) checkpointed = connectionString;
            }
            pragmas = SqlitePragmas.Sql(flush == FlushDiskType.SyncFlush ? "FULL" : "NORMAL", checkpointed != null ? store.WalAutocheckpointBytes : null);
            interceptor = new SqlitePragmas(pragmas);
            // SQLite has one writer; more parallel writers only contend (and time out under load).
            parallelism = 1;
            description = $"SQLite ({new SqliteConnectionStringBuilder(connectionString).DataSource}, {(flush == FlushDiskType.SyncFlush ? "synchronous=FULL" : "synchronous=NORMAL")})";
        }

        // SQLite: Akka.Persistence.Sql's journal with AkkaMq's insert path, on a thread of its own.
        var journalClass = pragmas != null
            ? $"{typeof(SqliteWriteJournal).FullName}, {typeof(SqliteWriteJournal).Assembly.GetName().Name}"
            : "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql";
        var sqliteJournalKeys = pragmas != null
            ? $"plugin-dispatcher = \"{SqliteWriteJournal.DispatcherPath}\"\n{SqliteWriteJournal.PragmasKey} = \"{pragmas}\""
            : "";
        var hocon = $$"""
            akka.persistence {
              journal {
                plugin = "{{JournalPluginId}}"
                sql {
                  class = "{{journalClass}}"
                  {{sqliteJournalKeys}}
                  connection-string = "{{Escape(connectionString)}}"
                  provider-name = "{{provider}}"
                  auto-initialize = on
                  parallelism = {{parallelism}}
                  tag-write-mode = Csv
                  # A cloned connection made linq2db rebuild its mapping schema on every write
                  # (~19 KB of the ~58 KB a one-message append allocated); a new one reuses the saved setup.
                  use-clone-connection = off
                }
              }
              snapshot-store {
                plugin = "{{SnapshotPluginId}}"
                sql {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  connection-string = "{{Escape(connectionString)}}"
                  provider-name = "{{provider}}"
                  auto-initialize = on
                  use-clone-connection = off
                }
              }
            }
            {{(checkpointed != null ? $"{CheckpointConnectionStringPath} = \"{Escape(checkpointed)}\"" : "")}}
            """;
        var setup = new MultiDataOptionsSetup();
        var options = new DataOptions().UseConnectionString(provider, connectionString);
        if (interceptor != null) options = options.UseInterceptor(interceptor);
        setup.AddDataOptions(JournalPluginId, options);
        setup.AddDataOptions(SnapshotPluginId, options);
        return new JournalSetup(ConfigurationFactory.ParseString(hocon), setup, description, provider, connectionString);
    }

    /// <summary>
    /// Stamps the journal with the node's broker group on first start, or throws
    /// <see cref="ForeignJournalException"/> when it is another group's (<see cref="BrokerGroupStamp"/>), and
    /// <see cref="JournalClaimException"/> when the journal cannot be reached to check.
    /// Call before the node starts; an in-memory SQLite journal has nothing to protect.
    /// </summary>
    public void ClaimFor(string clusterName, string brokerName)
    {
        var postgres = _provider == ProviderName.PostgreSQL15;
        if (!postgres && IsInMemory(_connectionString)) return;
        try
        {
            using DbConnection connection = postgres ? new NpgsqlConnection(_connectionString) : new SqliteConnection(_connectionString);
            connection.Open();
            BrokerGroupStamp.Claim(connection, onePerJournal: !postgres, clusterName, brokerName, Description);
        }
        catch (DbException e)
        {
            throw new JournalClaimException($"cannot check which broker group the journal {Description} belongs to: {e.Message}", e);
        }
    }

    private static bool IsInMemory(string connectionString)
    {
        var source = new SqliteConnectionStringBuilder(connectionString);
        return source.Mode == SqliteOpenMode.Memory || source.DataSource.Contains("mode=memory", StringComparison.Ordinal)
            || source.DataSource == ":memory:";
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");

    private static string RedactPassword(string cs) =>
        System.Text.RegularExpressions.Regex.Replace(cs, "(?i)(password|pwd)=[^;]*", "$1=***");

    /// <summary>WAL lets readers run beside the writer; the mode is stored in the file, so once is enough.</summary>
    private static void EnableWal(string connectionString)
    {
        using var c = new SqliteConnection(connectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        cmd.ExecuteScalar();
    }

    /// <summary>
    /// Per-connection settings that cannot go in the connection string, set on every open.
    /// busy_timeout: the journal and the snapshot store write through separate connections, and
    /// SQLite has one writer. Without it a writer that finds the lock taken gets SQLITE_BUSY and
    /// Microsoft.Data.Sqlite retries after sleeping 150 ms, which stalled every queue's acks behind
    /// each queue snapshot; SQLite's own busy handler retries after 1, 2, 5, 10... ms instead.
    /// wal_autocheckpoint and journal_size_limit: with the background <see cref="WalCheckpointer"/>
    /// commits checkpoint only as a backstop, at walLimitBytes.
    /// </summary>
    private sealed class SqlitePragmas(string sql) : ConnectionInterceptor
    {
        private readonly string _sql = sql;

        public static string Sql(string synchronous, long? walLimitBytes) => $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=30000;" +
            (walLimitBytes is { } limit ? $" PRAGMA wal_autocheckpoint={limit / 4096}; PRAGMA journal_size_limit={limit};" : "");

        public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection) => Run(connection);

        public override Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
        {
            Run(connection);
            return Task.CompletedTask;
        }

        private void Run(DbConnection connection)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = _sql;
            cmd.ExecuteNonQuery();
        }
    }
}
