using System.Collections.Immutable;
using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Persistence.Sql.Journal;
using Akka.Serialization;
using Akka.Util;
using Microsoft.Data.Sqlite;
using Config = Akka.Configuration.Config;

namespace AkkaMq.Broker.Store;

/// <summary>
/// Akka.Persistence.Sql's journal with its own inserts, replay and highest-sequence-number reads
/// for the embedded SQLite file. Deletes, the schema and the snapshot store stay
/// Akka.Persistence.Sql's. Rows are the ones Akka.Persistence.Sql writes (same table, columns and
/// values), so either journal reads what the other wrote.
/// Why: a one-message write through Akka.Persistence.Sql passes a stream stage, an async hop
/// and linq2db, which builds its INSERT text anew for every row; that fixed cost per write was
/// most of a send's time at low load. Here writes that arrive while the actor is busy are
/// committed together in one transaction (group commit across queues), through one connection
/// and one prepared statement, on the journal's own thread (a pinned dispatcher, as SQLite calls block).
/// A failed transaction of several writes is retried write by write, so one bad write (a stale
/// writer's duplicate sequence number, a refused row) fails only its own persistent actor; the
/// writes of that actor already on their way fail with it until it recovers, so its events never
/// follow a gap.
/// </summary>
public sealed class SqliteWriteJournal : SqlWriteJournal
{
    /// <summary>Key in the journal's config section: the PRAGMAs run once on the write connection.</summary>
    public const string PragmasKey = "akkamq-pragmas";

    /// <summary>The journal's dispatcher: a thread of its own, as its SQLite calls block.</summary>
    public const string DispatcherPath = "akkamq.store.journal-dispatcher";

    private sealed class FlushWrites
    {
        public static readonly FlushWrites Instance = new();
    }

    private sealed record Row(string PersistenceId, long SequenceNr, long Created, byte[] Message, string Tags, string Manifest, int Identifier);

    private sealed class PendingWrite(string persistenceId, List<Row>?[] rows, IImmutableList<Exception?> rejections)
    {
        public readonly string PersistenceId = persistenceId; // one WriteMessages comes from one persistent actor
        public readonly List<Row>?[] Rows = rows; // per AtomicWrite; null where rejected
        public readonly IImmutableList<Exception?> Rejections = rejections;
        // Completed on the journal's thread; the continuations only hand the replies to
        // AsyncWriteJournal's resequencer, so they run inline rather than as one more hop.
        public readonly TaskCompletionSource<IImmutableList<Exception>> Done = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _connectionString;
    private readonly string _readConnectionString;
    private readonly string _pragmas;
    private readonly string _tagSeparator;
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly List<PendingWrite> _pending = new();
    private readonly HashSet<string> _pendingIds = new(StringComparer.Ordinal);
    // Persistence ids whose write failed, until their next recovery: a later write of theirs that
    // was already on its way must fail too, or the journal would hold it after a gap.
    private readonly Dictionary<string, Exception> _failedIds = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private SqliteCommand? _insert;
    private SqliteCommand? _highest;
    private SqliteParameter _pCreated = null!, _pPid = null!, _pSeq = null!, _pMessage = null!, _pTags = null!, _pManifest = null!, _pIdentifier = null!;
    private bool _flushScheduled;
    private readonly object _gate;

    public SqliteWriteJournal(Config journalConfig) : base(journalConfig)
    {
        _connectionString = new SqliteConnectionStringBuilder(journalConfig.GetString("connection-string")) { Pooling = false }.ToString();
        _readConnectionString = new SqliteConnectionStringBuilder(journalConfig.GetString("connection-string")) { Pooling = true }.ToString();
        _gate = WalWriteGate.For(_connectionString);
        _pragmas = journalConfig.GetString(PragmasKey, "");
        _tagSeparator = journalConfig.GetString("tag-separator", ";");
        _serialization = Context.System.Serialization;
        var mapping = journalConfig.GetString("table-mapping", "default");
        if (mapping != "default")
            throw new ArgumentException($"{nameof(SqliteWriteJournal)} writes Akka.Persistence.Sql's default table mapping, not '{mapping}'");
        var tagMode = journalConfig.GetString("tag-write-mode", "Csv");
        if (!tagMode.Equals("Csv", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{nameof(SqliteWriteJournal)} writes tags in the journal row (tag-write-mode = Csv), not '{tagMode}'");
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        OnJournalThread();
        var now = DateTime.UtcNow.Ticks;
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var rows = new List<Row>?[writes.Count];
        Exception?[]? rejections = null; // made only when a write is rejected
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                var payload = (IImmutableList<IPersistentRepresentation>)writes[i].Payload;
                var list = new List<Row>(payload.Count);
                foreach (var p in payload) list.Add(ToRow(p, now));
                rows[i] = list;
                _pendingIds.Add(writes[i].PersistenceId);
            }
            catch (Exception e)
            {
                // A payload that cannot be serialized is rejected: its actor is told and goes on.
                (rejections ??= new Exception?[writes.Count])[i] = e;
            }
        }
        // No rejections: AsyncWriteJournal takes a null list as every write stored.
        var write = new PendingWrite(writes.Count > 0 ? writes[0].PersistenceId : "", rows,
            rejections == null ? null! : ImmutableArray.Create(rejections));
        _pending.Add(write);
        if (!_flushScheduled)
        {
            // Writes already in the mailbox are taken into the same transaction.
            _flushScheduled = true;
            Self.Tell(FlushWrites.Instance);
        }
        return write.Done.Task;
    }

    /// <summary>
    /// The pending list is the actor's state: AsyncWriteJournal calls both methods from its receive
    /// (through the circuit breaker, before any await). Should that change, fail loudly rather than race.
    /// </summary>
    private static void OnJournalThread()
    {
        if (InternalCurrentActorCellKeeper.Current == null)
            throw new InvalidOperationException($"{nameof(SqliteWriteJournal)} was called outside its actor's receive");
    }

    private Row ToRow(IPersistentRepresentation p, long now)
    {
        var payload = p.Payload;
        var tags = "";
        if (payload is Tagged tagged)
        {
            payload = tagged.Payload;
            if (tagged.Tags.Count > 0) tags = _tagSeparator + string.Join(_tagSeparator, tagged.Tags) + _tagSeparator;
        }
        var serializer = _serialization.FindSerializerFor(payload);
        var (manifest, bytes) = Akka.Serialization.Serialization.WithTransport(_serialization.System, (serializer, payload), static s =>
        {
            var (ser, o) = s;
            var m = ser switch
            {
                SerializerWithStringManifest sm => sm.Manifest(o),
                { IncludeManifest: true } => o.GetType().TypeQualifiedName(),
                _ => "",
            };
            return (m, ser.ToBinary(o));
        });
        return new Row(p.PersistenceId, p.SequenceNr, p.Timestamp == 0 ? now : p.Timestamp, bytes, tags, manifest, serializer.Identifier);
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is FlushWrites)
        {
            _flushScheduled = false;
            Flush();
            return true;
        }
        return base.ReceivePluginInternal(message);
    }

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // A write of this persistence id still waiting for its transaction must count.
        OnJournalThread();
        if (_pendingIds.Contains(persistenceId)) Flush();
        // A new incarnation recovers from what the journal holds; its writes are welcome again.
        _failedIds.Remove(persistenceId);
        // One indexed lookup on the write connection: cheaper here than a linq2db query on another.
        try
        {
            var cmd = HighestCommand();
            cmd.Parameters[0].Value = persistenceId;
            cmd.Parameters[1].Value = fromSequenceNr;
            return Task.FromResult(cmd.ExecuteScalar() is long highest ? highest : 0L);
        }
        catch (SqliteException e)
        {
            ResetConnection(); // opened anew on the next use
            return Task.FromException<long>(e);
        }
    }

    /// <summary>
    /// Replays (a recovery, or a queue reading old offsets) read the rows Akka.Persistence.Sql's
    /// replay reads, in the same order, without its stream and linq2db: on a pooled connection of
    /// their own and off the journal's thread, so writes go on meanwhile.
    /// </summary>
    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || toSequenceNr < fromSequenceNr) return Task.CompletedTask;
        return Task.Run(() =>
        {
            using var c = new SqliteConnection(_readConnectionString);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT sequence_number, message, manifest, identifier, writer_uuid, created FROM journal " +
                              "WHERE persistence_id = $pid AND sequence_number >= $from AND sequence_number <= $to AND deleted = 0 " +
                              "ORDER BY sequence_number LIMIT $max";
            cmd.Parameters.AddWithValue("$pid", persistenceId);
            cmd.Parameters.AddWithValue("$from", fromSequenceNr);
            cmd.Parameters.AddWithValue("$to", toSequenceNr);
            cmd.Parameters.AddWithValue("$max", max);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var manifest = r.IsDBNull(2) ? "" : r.GetString(2);
                var bytes = (byte[])r.GetValue(1);
                var payload = r.IsDBNull(3)
                    ? FromTypeName(bytes, manifest) // rows written without a serializer id (older Akka.Persistence.Sql)
                    : _serialization.Deserialize(bytes, r.GetInt32(3), manifest);
                recoveryCallback(new Persistent(payload, r.GetInt64(0), persistenceId, manifest, false, ActorRefs.NoSender,
                    r.IsDBNull(4) ? null : r.GetString(4), r.GetInt64(5)));
            }
        });
    }

    private object FromTypeName(byte[] bytes, string manifest)
    {
        var type = Type.GetType(manifest, true)!;
        return _serialization.FindSerializerForType(type).FromBinary(bytes, type);
    }

    protected override void PostStop()
    {
        foreach (var w in _pending) w.Done.TrySetException(new InvalidOperationException("the journal stopped before the write"));
        _pending.Clear();
        _insert?.Dispose();
        _highest?.Dispose();
        _connection?.Dispose();
        base.PostStop();
    }

    private void Flush()
    {
        if (_pending.Count == 0) return;
        var batch = _failedIds.Count == 0 ? _pending.ToArray() : _pending.Where(w => !FailedBefore(w)).ToArray();
        _pending.Clear();
        _pendingIds.Clear();
        if (batch.Length == 0) return;
        try
        {
            Commit(batch);
            foreach (var w in batch) Complete(w, null);
        }
        catch (Exception e) when (batch.Length > 1)
        {
            _log.Debug("Journal transaction of {0} writes failed ({1}); writing them one by one", batch.Length, e.Message);
            foreach (var w in batch)
            {
                if (FailedBefore(w)) continue;
                try
                {
                    Commit([w]);
                    Complete(w, null);
                }
                catch (Exception one)
                {
                    Fail(w, one);
                }
            }
        }
        catch (Exception e)
        {
            Fail(batch[0], e);
        }
    }

    /// <summary>Fails a write whose persistence id failed since its last recovery; true if so.</summary>
    private bool FailedBefore(PendingWrite w)
    {
        if (!_failedIds.TryGetValue(w.PersistenceId, out var cause)) return false;
        Complete(w, new InvalidOperationException($"an earlier write of {w.PersistenceId} failed: {cause.Message}", cause));
        return true;
    }

    private void Fail(PendingWrite w, Exception cause)
    {
        _failedIds[w.PersistenceId] = cause;
        Complete(w, cause);
    }

    private static void Complete(PendingWrite w, Exception? failure)
    {
        if (failure != null) w.Done.TrySetException(failure);
        else w.Done.TrySetResult(w.Rejections!); // null entries are the written AtomicWrites
    }

    private void Commit(PendingWrite[] writes)
    {
        // Uncontended except while the checkpointer runs the short pass that restarts the WAL.
        lock (_gate) CommitUnderGate(writes);
    }

    private void CommitUnderGate(PendingWrite[] writes)
    {
        var insert = Insert();
        using var tx = _connection!.BeginTransaction(deferred: false);
        try
        {
            insert.Transaction = tx;
            foreach (var w in writes)
            foreach (var rows in w.Rows)
            {
                if (rows == null) continue;
                foreach (var r in rows)
                {
                    _pCreated.Value = r.Created;
                    _pPid.Value = r.PersistenceId;
                    _pSeq.Value = r.SequenceNr;
                    _pMessage.Value = r.Message;
                    _pTags.Value = r.Tags;
                    _pManifest.Value = r.Manifest;
                    _pIdentifier.Value = r.Identifier;
                    insert.ExecuteNonQuery();
                }
            }
            tx.Commit();
        }
        catch
        {
            // A connection left in a bad state is opened anew on the next write.
            try { tx.Rollback(); } catch (Exception) { ResetConnection(); }
            throw;
        }
        finally
        {
            insert.Transaction = null;
        }
    }

    private SqliteCommand HighestCommand()
    {
        if (_highest != null) return _highest;
        var cmd = WriteConnection().CreateCommand();
        // The unique (persistence_id, sequence_number) index answers it; deleted rows count, as in Akka.Persistence.Sql.
        cmd.CommandText = "SELECT MAX(sequence_number) FROM journal WHERE persistence_id = $pid AND sequence_number > $from";
        cmd.Parameters.Add("$pid", SqliteType.Text);
        cmd.Parameters.Add("$from", SqliteType.Integer);
        cmd.Prepare();
        return _highest = cmd;
    }

    private SqliteConnection WriteConnection()
    {
        if (_connection != null) return _connection;
        var c = new SqliteConnection(_connectionString);
        c.Open();
        if (_pragmas.Length > 0)
        {
            using var pragma = c.CreateCommand();
            pragma.CommandText = _pragmas;
            pragma.ExecuteNonQuery();
        }
        return _connection = c;
    }

    private SqliteCommand Insert()
    {
        if (_insert != null) return _insert;
        var c = WriteConnection();
        var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid) " +
                          "VALUES ($created, 0, $pid, $seq, $message, $tags, $manifest, $identifier, $writer)";
        _pCreated = cmd.Parameters.Add("$created", SqliteType.Integer);
        _pPid = cmd.Parameters.Add("$pid", SqliteType.Text);
        _pSeq = cmd.Parameters.Add("$seq", SqliteType.Integer);
        _pMessage = cmd.Parameters.Add("$message", SqliteType.Blob);
        _pTags = cmd.Parameters.Add("$tags", SqliteType.Text);
        _pManifest = cmd.Parameters.Add("$manifest", SqliteType.Text);
        _pIdentifier = cmd.Parameters.Add("$identifier", SqliteType.Integer);
        cmd.Parameters.AddWithValue("$writer", _writerUuid);
        cmd.Prepare();
        _insert = cmd;
        return cmd;
    }

    private void ResetConnection()
    {
        _insert?.Dispose();
        _highest?.Dispose();
        _connection?.Dispose();
        _insert = null;
        _highest = null;
        _connection = null;
    }
}
