using Akka.Actor;
using Akka.Event;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Store;

/// <summary>
/// Copies the embedded SQLite journal's write-ahead log into the database file every interval, on
/// its own thread, so that no journal write does it. A PASSIVE checkpoint takes no write lock:
/// commits go on appending to the WAL while it copies and fsyncs. Durability is unchanged, as the
/// WAL already holds every commit; the checkpoint only lets SQLite reuse the WAL from its start.
/// </summary>
public sealed class WalCheckpointer : ReceiveActor, IWithTimers
{
    public const string Name = "wal-checkpointer";
    public const string DispatcherPath = "akkamq.store.checkpoint-dispatcher";

    /// <summary>Asks for <see cref="CheckpointStats"/>.</summary>
    public sealed record GetStats
    {
        public static readonly GetStats Instance = new();
    }

    /// <param name="Checkpoints">Checkpoints run so far.</param>
    /// <param name="Failures">Checkpoints that failed (logged; the next one retries).</param>
    /// <param name="LastWalPages">Pages in the WAL at the last checkpoint...</param>
    /// <param name="LastCheckpointedPages">...and how many of them are now in the database.</param>
    public sealed record CheckpointStats(long Checkpoints, long Failures, long LastWalPages, long LastCheckpointedPages);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _connectionString;
    private readonly TimeSpan _interval;
    private SqliteConnection? _connection;
    private long _checkpoints, _failures, _lastWalPages, _lastCheckpointed;

    public ITimerScheduler Timers { get; set; } = null!;

    public WalCheckpointer(string connectionString, TimeSpan interval)
    {
        // Its own unpooled connection: a checkpoint holds it for the length of the copy and fsyncs.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _interval = interval;
        Receive<Tick>(_ => Checkpoint());
        Receive<GetStats>(_ => Sender.Tell(new CheckpointStats(_checkpoints, _failures, _lastWalPages, _lastCheckpointed)));
    }

    public static Props Props(string connectionString, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new WalCheckpointer(connectionString, interval)).WithDispatcher(DispatcherPath);

    protected override void PreStart() => Timers.StartPeriodicTimer("checkpoint", Tick.Instance, _interval);

    protected override void PostStop() => _connection?.Dispose();

    private void Checkpoint()
    {
        try
        {
            if (_connection == null)
            {
                _connection = new SqliteConnection(_connectionString);
                _connection.Open();
            }
            using var cmd = _connection.CreateCommand();
            // Returns (busy, pages in the WAL, pages of it now in the database).
            cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            using var reader = cmd.ExecuteReader();
            if (!reader.Read()) return;
            _checkpoints++;
            _lastWalPages = reader.GetInt64(1);
            _lastCheckpointed = reader.GetInt64(2);
        }
        catch (Exception e)
        {
            _failures++;
            _log.Warning("WAL checkpoint of the journal failed (retrying in {0}): {1}", _interval, e.Message);
            _connection?.Dispose();
            _connection = null;
        }
    }
}
