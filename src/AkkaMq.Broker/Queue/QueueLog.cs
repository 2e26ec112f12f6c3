using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Retention;
using AkkaMq.Broker.Stats;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// One message queue (topic, queueId) of a broker group; its journal is the queue log.
/// Write path: sends wait in a pending list while a journal write is in flight and are then
/// persisted together as one <see cref="MessagesAppended"/> event (group commit, see
/// <see cref="GroupCommitBuffer"/>); each sender is acked once its batch is durable. Read path:
/// recent offsets from the in-memory tail, older ones from the <see cref="ReadAheadCache"/> or by a
/// <see cref="QueueReader"/> child reading the journal; pulls at the end of the queue are held
/// until a matching message arrives (long polling, see <see cref="HeldPulls"/>). Retention deletes
/// the oldest events in steps and moves the min offset (<see cref="QueueRetention"/>).
/// </summary>
public sealed class QueueLog : UntypedPersistentActor, IWithTimers, IPullHost
{
    /// <summary>Stop after in-flight writes complete (sharding hand-off and passivation).</summary>
    public sealed class Stop : INoSerializationVerificationNeeded
    {
        public static readonly Stop Instance = new();
        private Stop() { }
    }

    private readonly string _brokerName;
    private readonly string _topic;
    private readonly int _queueId;
    private readonly QueueLogSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly MessageTail _tail;
    private readonly SparseOffsetIndex _index;
    private readonly MessageKeyIndex _keys;
    private readonly BrokerStats _stats;
    private readonly TopicStats _topicStats;
    private readonly QueueStats _queueStats;
    private readonly string? _dlqGroup; // the group, when this is a %DLQ%group queue
    private readonly GroupCommitBuffer _sends;
    private readonly HeldPulls _held;
    private readonly ReadAheadCache _ahead;
    private readonly Action<MessagesAppended> _onPersisted;
    private readonly QueueRetention _retention;
    private readonly QueueBytes _bytes = new();

    private long _nextOffset;       // next offset to assign
    private long _committedOffset;  // offsets below this are durable and readable (RocketMQ's maxOffset)
    private long _minOffset;
    private long _lastStoreTimestamp;
    private int _eventsSinceSnapshot;
    private long _messagesSinceSnapshot;
    private bool _stopping;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string brokerName, string topic, int queueId, QueueLogSettings settings) =>
        Akka.Actor.Props.Create(() => new QueueLog(brokerName, topic, queueId, settings));

    public QueueLog(string brokerName, string topic, int queueId, QueueLogSettings settings)
    {
        _brokerName = brokerName;
        _topic = topic;
        _queueId = queueId;
        _settings = settings;
        var budget = Memory.QueueCaches.Join(Context.System, Self);
        _tail = new MessageTail(settings.TailMessages, settings.TailBytes, budget);
        _index = new SparseOffsetIndex(settings.IndexMaxEntries);
        _keys = new MessageKeyIndex(settings.KeyIndexMaxKeys, settings.KeyIndexMaxOffsetsPerKey);
        _sends = new GroupCommitBuffer(brokerName, queueId, settings, budget);
        _held = new HeldPulls(settings.MaxHeldPulls, settings.MaxSuspend, topic, brokerName, queueId);
        _ahead = new ReadAheadCache(settings.ReadAhead, settings.MaxHeldPulls, budget);
        _onPersisted = OnPersisted;
        _retention = new QueueRetention(topic, queueId, settings.DeleteBatchEvents, _index, _tail, _keys, _ahead, _bytes);
        _stats = BrokerStatsExtension.For(Context.System);
        _topicStats = _stats.Topic(topic);
        _queueStats = _stats.Queue(topic, queueId);
        if (topic.StartsWith(MessageConst.DlqGroupTopicPrefix, StringComparison.Ordinal)) _dlqGroup = topic[MessageConst.DlqGroupTopicPrefix.Length..];
        PersistenceId = PersistenceIdFor(brokerName, topic, queueId);
    }

    public static string PersistenceIdFor(string brokerName, string topic, int queueId) => $"queue|{brokerName}|{topic}|{queueId}";

    public override string PersistenceId { get; }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer offer when QueueSnapshot.Read(offer.Snapshot) is { } s:
                _nextOffset = _committedOffset = s.NextOffset;
                _minOffset = s.MinOffset;
                _lastStoreTimestamp = s.LastStoreTimestamp;
                _index.Restore(s.Index, s.IndexStride, offer.Metadata.SequenceNr);
                if (s.Keys != null) _keys.Restore(s.Keys);
                _bytes.Restore(s.StoredBytes, s.NextOffset);
                break;
            case MessagesAppended e:
                Apply(e, LastSequenceNr);
                break;
            case RecoveryCompleted:
                _nextOffset = _committedOffset;
                _bytes.Recovered(_minOffset, _committedOffset);
                BrokerStats.Publish(_queueStats, _minOffset, _committedOffset, _lastStoreTimestamp);
                if (_committedOffset > 0)
                    _log.Debug("Queue {0} recovered: offsets {1}..{2}, {3} journal events", PersistenceId, _minOffset, _committedOffset, LastSequenceNr);
                break;
        }
    }

    private void Apply(MessagesAppended e, long seqNr)
    {
        var msgs = e.Messages;
        _index.Add(e.BaseOffset, seqNr, e.StoreTimestamp);
        for (var i = 0; i < msgs.Count; i++)
        {
            var m = msgs[i];
            _tail.Append(e.BaseOffset + i, e.StoreTimestamp, m);
            if (m.Keys != null) _keys.Add(m.Keys, e.BaseOffset + i);
            if (m.Properties.Count > 0 && m.Properties.TryGetValue(MessageConst.UniqKey, out var uniq)) _keys.Add(uniq, e.BaseOffset + i);
        }
        _committedOffset = e.BaseOffset + msgs.Count;
        _bytes.Appended(e);
        _lastStoreTimestamp = e.StoreTimestamp;
        BrokerStats.Stored(_queueStats, e.BaseOffset, e.StoreTimestamp);
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case AppendMessages m:
                OnAppend(m);
                break;
            case PullMessage m:
                OnPull(m);
                break;
            case QueryQueueOffset m:
                OnQueryOffset(m);
                break;
            case QueryMessageKey m:
                Sender.Tell(new MessageKeyOffsets(_topic, _queueId, m.Key, _keys.Lookup(m.Key, m.MaxNum), ResponseCode.Success, null));
                break;
            case QueueReader.ReadCursor c:
                _ahead.NoteCursor(c.Offset, c.SeqNr);
                if (!_ahead.IsActive) StartReadAhead(c.Offset, c.SeqNr);
                break;
            case QueueReader.ReadAheadLoaded m:
                _ahead.Loaded(m.Id, m.Events, m.NextSeqNr, this);
                break;
            case ReadAheadCache.Unused m:
                _ahead.DropIfUnused(m.Id);
                break;
            case Memory.ShrinkCaches:
                Memory.QueueCaches.GiveBack(_tail, _ahead, Memory.MemoryBudget.For(Context.System));
                break;
            case HeldPulls.Expired m:
                _held.Expire(m.Id, _minOffset, _committedOffset);
                break;
            case Stop:
                _stopping = true;
                StopIfDrained();
                break;
            case CleanExpiredMessages m:
                if (_retention.Begin(m, Sender, _minOffset, _committedOffset, _lastStoreTimestamp, LastSequenceNr) is not { } min) break;
                _minOffset = min;
                BrokerStats.Publish(_queueStats, _minOffset, _committedOffset, _lastStoreTimestamp);
                SaveQueueSnapshot();
                break;
            case DeleteMessagesSuccess or DeleteMessagesFailure:
                _retention.Deleted(message is DeleteMessagesFailure failed ? $"journal delete failed: {failed.Cause.Message}" : null, _minOffset,
                    _committedOffset, _lastStoreTimestamp);
                break;
            case SaveSnapshotSuccess s:
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
                if (_retention.SnapshotSaved(s.Metadata.SequenceNr) is { } deleteTo) DeleteMessages(deleteTo);
                break;
            case SaveSnapshotFailure f:
                _log.Warning("Snapshot of {0} failed: {1}", PersistenceId, f.Cause.Message);
                _retention.SnapshotFailed($"snapshot failed: {f.Cause.Message}", _minOffset, _committedOffset, _lastStoreTimestamp);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // ---------------------------------------------------------------- write path

    private void OnAppend(AppendMessages m)
    {
        if (_stopping) _sends.Reject(Sender, m.Entries, ResponseCode.SystemBusy, "queue is moving to another node, retry");
        else if (_sends.EnqueueOrReject(m.Entries, Sender, Stopwatch.GetTimestamp(), _topic)) Flush();
    }

    // What this queue held leaves the node's memory budget.
    protected override void PostStop() => Memory.QueueCaches.Release(_tail, _ahead, _sends);

    private void Flush()
    {
        List<MessagesAppended>? events = null;
        while (_sends.TakeBatch() is { } stored)
        {
            // Store times never go backwards within a queue, so time search can bisect.
            var now = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _lastStoreTimestamp);
            var evt = new MessagesAppended(_nextOffset, now, stored);
            _nextOffset += stored.Length;
            (events ??= new()).Add(evt);
        }
        // Handlers run in journal order, so each acks the oldest batch in flight.
        if (events != null) PersistAllAsync(events, _onPersisted);
    }

    private void OnPersisted(MessagesAppended e)
    {
        Apply(e, LastSequenceNr);
        BrokerStats.Publish(_queueStats, _minOffset, _committedOffset, _lastStoreTimestamp);
        long bytes = 0;
        for (var i = 0; i < e.Messages.Count; i++) bytes += e.Messages[i].Body.Length;
        BrokerStats.AddIn(_topicStats, e.Messages.Count, bytes);
        if (_dlqGroup != null) DeadLetters.Count(_stats, _dlqGroup, e);
        _stats.RecordSendLatency(_topic, _sends.OldestArrivedAt);
        _sends.AckOldest(e.BaseOffset);
        if (_held.Count > 0) _held.Wake(_tail, _minOffset, _committedOffset, this);
        _messagesSinceSnapshot += e.Messages.Count;
        // A snapshot copies the whole key index: wait until at least an eighth of its size in new
        // messages arrived, so its cost per stored message stays bounded whatever the batch size.
        if (++_eventsSinceSnapshot >= _settings.SnapshotEvery && _messagesSinceSnapshot >= _keys.Count / 8) SaveQueueSnapshot();
        if (_sends.PendingCount > 0) Flush();
        else if (_stopping) StopIfDrained();
    }

    private void SaveQueueSnapshot()
    {
        _eventsSinceSnapshot = 0;
        _messagesSinceSnapshot = 0;
        SaveSnapshot(new QueueLogSizedSnapshot(_committedOffset, _minOffset, _lastStoreTimestamp, _index.Stride, _index.Entries.ToArray(),
            _keys.ToEntries(), _bytes.Stored));
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The actor stops after this; nobody waiting may be left without an answer.
        FailWrites($"journal write failed for queue {_topic}:{_queueId}: {cause.Message}", cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        FailWrites($"journal rejected a write for queue {_topic}:{_queueId}: {cause.Message}", cause);
        // Offsets were handed out for the rejected batch; restart from the journal so none is skipped.
        Context.Stop(Self);
    }

    private void FailWrites(string error, Exception cause)
    {
        _log.Error(cause, "{0}", error);
        PassivateBeforeStop();
        _sends.FailAll(error);
    }

    /// <summary>
    /// Told before anyone hears of the failure, so the shard buffers what arrives from then on and
    /// restarts the log with it once this one has stopped; a send routed to the dying incarnation
    /// would otherwise be lost to dead letters and wait out its timeout.
    /// </summary>
    private void PassivateBeforeStop() => Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(Stop.Instance));

    private void StopIfDrained()
    {
        if (!_sends.IsDrained) return;
        _held.ReleaseAll(_minOffset, _committedOffset, this);
        _ahead.ReleaseWaiting(_minOffset, _committedOffset, this);
        Context.Stop(Self);
    }

    // ---------------------------------------------------------------- read path

    private PullCollector Collect(PullMessage m, SubscriptionExpression filter, long offset)
    {
        var max = Math.Min(m.MaxMsgNums, _settings.MaxPullMessages);
        // Admin reads are not deliveries: they leave the metrics alone.
        var counted = m.ConsumerGroup != AdminNames.ToolsConsumerGroup;
        return new PullCollector(m with { QueueOffset = offset }, filter, max, _settings.MaxPullBytes, _settings.MaxFilterScan,
            counted ? _stats : null, _topicStats, _queueStats);
    }

    private void OnPull(PullMessage m)
    {
        if (PullRequestCheck.Reject(m, _topic, _brokerName, _queueId, _minOffset, _committedOffset, out var filter) is { } rejected)
        {
            Sender.Tell(rejected);
            return;
        }
        if (m.QueueOffset == _committedOffset)
        {
            if (m.SuspendTimeoutMillis > 0 && _held.HasRoom && !_stopping)
            {
                var id = _held.Hold(m, filter, Sender, out var suspend);
                Timers.StartSingleTimer(id, new HeldPulls.Expired(id), suspend);
            }
            else
                Sender.Tell(Collect(m, filter, m.QueueOffset).Result(_minOffset, _committedOffset));
            return;
        }
        ServeOrRead(m, filter, m.QueueOffset, Sender);
    }

    private void ServeOrRead(PullMessage m, SubscriptionExpression filter, long offset, IActorRef replyTo)
    {
        var c = Collect(m, filter, offset);
        var start = _tail.IndexOf(offset);
        if (start >= 0)
        {
            c.OfferTail(_tail, start);
            replyTo.Tell(c.Result(_minOffset, _committedOffset));
            return;
        }
        if (TryServeAhead(m, filter, offset, replyTo)) return;
        var exact = _ahead.TryGetCursor(offset, out var hinted);
        var from = exact ? hinted : _index.FloorSeqNrForOffset(offset);
        // Fetch about as many events as the pull needs (plus the index's slack), not a fixed large chunk.
        var perEvent = Math.Max(1, _committedOffset / Math.Max(1, LastSequenceNr));
        var events = (Math.Min(m.MaxMsgNums, _settings.MaxPullMessages) + perEvent - 1) / perEvent + 1 + (exact ? 0 : _index.Stride);
        StartReader(c, null, from, replyTo, (int)Math.Min(events, _settings.ReadBatchEvents));
    }

    private void StartReader(PullCollector? collector, QueryQueueOffset? search, long fromSeqNr, IActorRef replyTo, int batchEvents,
        QueueReader.ReadAhead? ahead = null)
    {
        var journal = Persistence.Instance.Apply(Context.System).JournalFor(JournalPluginId);
        Context.ActorOf(QueueReader.Props(new QueueReader.Job(PersistenceId, journal, fromSeqNr, LastSequenceNr, batchEvents,
            replyTo, _minOffset, _committedOffset, collector, search, ahead)));
    }

    /// <summary>Reads the range from offset (held in the event at fromSeqNr or later) ahead of the pull that will ask for it.</summary>
    private void StartReadAhead(long offset, long fromSeqNr)
    {
        if (_stopping || !_ahead.TryBegin(offset, _committedOffset, _tail.FirstOffset, out var id)) return;
        var perEvent = Math.Max(1, _committedOffset / Math.Max(1, LastSequenceNr));
        var events = (int)Math.Min(_settings.ReadBatchEvents, (_settings.MaxPullMessages + perEvent - 1) / perEvent + 1);
        StartReader(null, null, fromSeqNr, Self, events, new QueueReader.ReadAhead(id, offset, _settings.MaxPullMessages, _settings.MaxPullBytes));
        Timers.StartSingleTimer("read-ahead", new ReadAheadCache.Unused(id), _settings.ReadAheadKeep);
    }

    private bool TryServeAhead(PullMessage m, SubscriptionExpression filter, long offset, IActorRef replyTo)
    {
        if (_ahead.TryWait(m, filter, offset, replyTo)) return true;
        if (!_ahead.Holds(offset)) return false;
        var c = Collect(m, filter, offset);
        _ahead.Fill(c, offset);
        replyTo.Tell(c.Result(_minOffset, _committedOffset));
        Timers.StartSingleTimer("read-ahead", new ReadAheadCache.Unused(_ahead.Id), _settings.ReadAheadKeep);
        // The consumer reached the end of the range: read the one after it.
        if (_ahead.Consumed(c.NextOffset, out var to, out var nextSeqNr)) StartReadAhead(to, nextSeqNr);
        return true;
    }

    PullCollector IPullHost.Collect(PullMessage request, SubscriptionExpression filter, long offset) => Collect(request, filter, offset);

    void IPullHost.Serve(PullMessage request, SubscriptionExpression filter, long offset, IActorRef replyTo) => ServeOrRead(request, filter, offset, replyTo);

    void IPullHost.CancelExpiry(long id) => Timers.Cancel(id);

    private void OnQueryOffset(QueryQueueOffset m)
    {
        switch (m.Kind)
        {
            case QueueOffsetKind.Min:
                Sender.Tell(OffsetReply(_minOffset));
                break;
            case QueueOffsetKind.Max:
                Sender.Tell(OffsetReply(_committedOffset));
                break;
            default:
                var known = _committedOffset == _minOffset || m.Timestamp > _lastStoreTimestamp ? _committedOffset : _tail.OffsetStoredAtOrAfter(m.Timestamp);
                if (known >= 0)
                {
                    Sender.Tell(OffsetReply(known));
                    return;
                }
                StartReader(null, m, _index.FloorSeqNrForTimestamp(m.Timestamp), Sender, Math.Min(_index.Stride + 1, _settings.ReadBatchEvents));
                break;
        }
    }

    private QueueOffsetReply OffsetReply(long offset) =>
        new(_topic, _queueId, offset, _minOffset, _committedOffset, _lastStoreTimestamp, ResponseCode.Success, null);
}
