using System.Runtime.InteropServices;
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
/// <remarks>
/// SQLite starts the WAL over only after a checkpoint that ended level with it, and only such a
/// checkpoint fsyncs the database file. Under steady writes a PASSIVE pass never ends level, as
/// commits land while it copies; the WAL then grew to wal-autocheckpoint and the commit that
/// crossed it finished the copy and fsynced everything copied since, with every ack waiting
/// (docs/storage.md, "The checkpointer"). So once the WAL passes wal-restart-size, the
/// checkpointer flushes the file system while commits go on, then holds commits
/// (<see cref="WalWriteGate"/>) for one more pass, which has only the last moments to copy and
/// flush and ends level, so the next commit starts the WAL over.
/// </remarks>
public sealed class WalCheckpointer : ReceiveActor, IWithTimers
{
    public const string Name = "wal-checkpointer";
    public const string DispatcherPath = "akkamq.store.checkpoint-dispatcher";
    private const int PageBytes = 4096;
    private const int HeldPassPages = 64;
    private const int MaxCatchUpPasses = 4;

    /// <summary>Asks for <see cref="CheckpointStats"/>.</summary>
    public sealed record GetStats
    {
        public static readonly GetStats Instance = new();
    }

    /// <param name="Checkpoints">Checkpoints run so far.</param>
    /// <param name="Failures">Checkpoints that failed (logged; the next one retries).</param>
    /// <param name="LastWalPages">Pages in the WAL at the last checkpoint...</param>
    /// <param name="LastCheckpointedPages">...and how many of them are now in the database.</param>
    /// <param name="Restarts">Passes with commits held that ended level with the WAL, letting it start over.</param>
    public sealed record CheckpointStats(long Checkpoints, long Failures, long LastWalPages, long LastCheckpointedPages, long Restarts);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _connectionString;
    private readonly TimeSpan _interval;
    private readonly long _restartPages;
    private readonly object _gate;
    private readonly string _directory;
    private SqliteConnection? _connection;
    private long _checkpoints, _failures, _lastWalPages, _lastCheckpointed, _restarts;
    private long _levelAt = -1; // WAL length at the last pass that ended level

    public ITimerScheduler Timers { get; set; } = null!;

    public WalCheckpointer(string connectionString, TimeSpan interval, long restartBytes)
    {
        // Its own unpooled connection: a checkpoint holds it for the length of the copy and fsyncs.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _interval = interval;
        _restartPages = Math.Max(1, restartBytes / PageBytes);
        _gate = WalWriteGate.For(connectionString);
        _directory = Path.GetDirectoryName(Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource)) ?? ".";
        Receive<Tick>(_ => Checkpoint());
        Receive<GetStats>(_ => Sender.Tell(new CheckpointStats(_checkpoints, _failures, _lastWalPages, _lastCheckpointed, _restarts)));
    }

    public static Props Props(string connectionString, TimeSpan interval, long restartBytes) =>
        Akka.Actor.Props.Create(() => new WalCheckpointer(connectionString, interval, restartBytes)).WithDispatcher(DispatcherPath);

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
            // A pass reports the WAL's length when it began and how much of that is now copied;
            // whether commits extended the WAL meanwhile it does not say.
            var (wal, _) = Pass(_connection);
            // Level already, waiting for a commit to start it over: nothing to do.
            if (wal < _restartPages || wal == _levelAt) return;
            // What the pass copied goes to disk now, while commits go on, so that the held pass's
            // fsync of the database file finds little left to write.
            FlushFileSystem();
            // Catch up with the commits that landed meanwhile, so the held pass has only the last
            // moments to copy: a held pass holds every ack for as long as it is behind.
            for (var i = 0; i < MaxCatchUpPasses; i++)
            {
                var (next, _) = Pass(_connection);
                var appended = next - wal;
                wal = next;
                if (appended < 0) return; // a commit's own checkpoint started the WAL over
                if (appended <= HeldPassPages) break;
            }
            long copied;
            lock (_gate)
            {
                (wal, copied) = Pass(_connection);
            }
            // With commits held the pass ends level, unless a reader still needs old frames (or
            // the snapshot store committed); then the next tick tries again.
            if (copied < wal) return;
            _restarts++;
            _levelAt = wal;
        }
        catch (Exception e)
        {
            _failures++;
            _log.Warning("WAL checkpoint of the journal failed (retrying in {0}): {1}", _interval, e.Message);
            _connection?.Dispose();
            _connection = null;
        }
    }

    private (long Wal, long Copied) Pass(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        // Returns (busy, pages in the WAL, pages of it now in the database).
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) return (0, 0);
        _checkpoints++;
        _lastWalPages = reader.GetInt64(1);
        _lastCheckpointed = reader.GetInt64(2);
        return (_lastWalPages, _lastCheckpointed);
    }

    /// <summary>
    /// syncfs(2) through a descriptor of the data directory. Not an fsync of the database file: a
    /// second descriptor of that file, once closed, would drop SQLite's POSIX locks on it. Elsewhere
    /// than Linux the held pass does the whole flush itself.
    /// </summary>
    private void FlushFileSystem()
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = Open(_directory, ReadOnlyDirectory);
        if (fd < 0) return;
        try { SyncFs(fd); }
        finally { Close(fd); }
    }

    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY

    [DllImport("libc", EntryPoint = "open")]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "syncfs")]
    private static extern int SyncFs(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
