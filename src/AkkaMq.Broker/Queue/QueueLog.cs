using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
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
/// persisted together as one <see cref="MessagesAppended"/> event (group commit); each sender is
/// acked once its batch is durable. Read path: recent offsets from the in-memory tail, older ones
/// by a <see cref="QueueReader"/> child reading the journal; pulls at the end of the queue are
/// held until a matching message arrives (long polling).
/// </summary>
public sealed class QueueLog : UntypedPersistentActor, IWithTimers
{
    /// <summary>Stop after in-flight writes complete (sharding hand-off and passivation).</summary>
    public sealed class Stop : INoSerializationVerificationNeeded
    {
        public static readonly Stop Instance = new();
        private Stop() { }
    }

    private readonly record struct PendingSend(SendEntry Entry, IActorRef Sender, long ArrivedAt);

    private sealed class HeldPull
    {
        public required PullMessage Request;
        public required SubscriptionExpression Filter;
        public required IActorRef ReplyTo;
        public long Offset;
        public long Id;
    }

    private sealed record HeldPullExpired(long Id) : INoSerializationVerificationNeeded;

    /// <summary>
    /// The range after the last pull that was served from the journal, read in the background so
    /// that a consumer catching up finds its next pull in memory (the journal read of the range
    /// after it overlaps with the transfer). Events is null while it loads; pulls for its first
    /// offset wait for it meanwhile.
    /// </summary>
    private sealed class ReadAheadRange
    {
        public required long Id;
        public required long From;
        public long To;
        public long NextSeqNr;
        public List<MessagesAppended>? Events;
        public readonly List<(PullMessage Request, SubscriptionExpression Filter, IActorRef ReplyTo)> Waiting = new();
    }

    private sealed record ReadAheadUnused(long Id) : INoSerializationVerificationNeeded;

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
    private readonly Queue<PendingSend> _pending = new();
    private readonly List<HeldPull> _held = new();
    private readonly Dictionary<long, long> _cursors = new();
    private readonly Queue<List<PendingSend>> _writing = new(); // batches in journal order

    private long _nextOffset;       // next offset to assign
    private long _committedOffset;  // offsets below this are durable and readable (RocketMQ's maxOffset)
    private long _minOffset;
    private long _lastStoreTimestamp;
    private int _inflightWrites;
    private int _eventsSinceSnapshot;
    private long _messagesSinceSnapshot;
    private long _nextHeldId;
    private ReadAheadRange? _ahead;
    private long _nextAheadId;
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
        _tail = new MessageTail(settings.TailMessages, settings.TailBytes);
        _index = new SparseOffsetIndex(settings.IndexMaxEntries);
        _keys = new MessageKeyIndex(settings.KeyIndexMaxKeys, settings.KeyIndexMaxOffsetsPerKey);
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
            case SnapshotOffer { Snapshot: QueueLogSnapshot s } offer:
                _nextOffset = _committedOffset = s.NextOffset;
                _minOffset = s.MinOffset;
                _lastStoreTimestamp = s.LastStoreTimestamp;
                _index.Restore(s.Index, s.IndexStride, offer.Metadata.SequenceNr);
                break;
            case SnapshotOffer { Snapshot: QueueLogKeyedSnapshot s } offer:
                _nextOffset = _committedOffset = s.NextOffset;
                _minOffset = s.MinOffset;
                _lastStoreTimestamp = s.LastStoreTimestamp;
                _index.Restore(s.Index, s.IndexStride, offer.Metadata.SequenceNr);
                _keys.Restore(s.Keys);
                break;
            case MessagesAppended e:
                Apply(e, LastSequenceNr);
                break;
            case RecoveryCompleted:
                _nextOffset = _committedOffset;
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
        }
        _committedOffset = e.BaseOffset + msgs.Count;
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
                if (_cursors.Count >= 64) _cursors.Clear();
                _cursors[c.Offset] = c.SeqNr;
                if (_ahead == null) StartReadAhead(c.Offset, c.SeqNr);
                break;
            case QueueReader.ReadAheadLoaded m:
                OnReadAheadLoaded(m);
                break;
            case ReadAheadUnused m:
                if (_ahead?.Id == m.Id && _ahead.Waiting.Count == 0) _ahead = null;
                break;
            case HeldPullExpired m:
                OnHeldPullExpired(m.Id);
                break;
            case Stop:
                _stopping = true;
                StopIfDrained();
                break;
            case SaveSnapshotSuccess s:
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure f:
                _log.Warning("Snapshot of {0} failed: {1}", PersistenceId, f.Cause.Message);
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
        if (_stopping || _pending.Count + m.Entries.Count > _settings.MaxPendingMessages)
        {
            var why = _stopping ? "queue is moving to another node, retry" : $"broker busy: {_pending.Count} messages wait for queue {_topic}:{_queueId}";
            Reply(Sender, m.Entries, ResponseCode.SystemBusy, why);
            return;
        }
        var now = Stopwatch.GetTimestamp();
        foreach (var e in m.Entries) _pending.Enqueue(new PendingSend(e, Sender, now));
        Flush();
    }

    private void Reply(IActorRef to, IReadOnlyList<SendEntry> entries, ResponseCode code, string error)
    {
        var acks = new List<SendAck>(entries.Count);
        foreach (var e in entries)
            if (!e.Oneway) acks.Add(new SendAck(e.CorrelationId, code, error, SendStatus.SendOk, e.QueueId, -1));
        if (acks.Count > 0) to.Tell(new SendAcks(_brokerName, acks));
    }

    private void Flush()
    {
        List<MessagesAppended>? events = null;
        while (_inflightWrites < _settings.MaxInflightWrites && _pending.Count > 0)
        {
            var batch = new List<PendingSend>(Math.Min(_pending.Count, _settings.MaxBatchMessages));
            long bytes = 0;
            while (_pending.Count > 0 && batch.Count < _settings.MaxBatchMessages)
            {
                var next = _pending.Peek();
                if (batch.Count > 0 && bytes + next.Entry.Message.Body.Length > _settings.MaxBatchBytes) break;
                bytes += next.Entry.Message.Body.Length;
                batch.Add(_pending.Dequeue());
            }
            var stored = new StoredMessage[batch.Count];
            for (var i = 0; i < stored.Length; i++)
            {
                var msg = batch[i].Entry.Message;
                stored[i] = new StoredMessage(msg.Tags, msg.Keys, msg.Properties, msg.Body, batch[i].Entry.BornTimestamp);
            }
            // Store times never go backwards within a queue, so time search can bisect.
            var now = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _lastStoreTimestamp);
            var evt = new MessagesAppended(_nextOffset, now, stored);
            _nextOffset += stored.Length;
            _inflightWrites++;
            _writing.Enqueue(batch);
            (events ??= new()).Add(evt);
        }
        // Handlers run in journal order, so each takes the oldest batch.
        if (events != null) PersistAllAsync(events, e => OnPersisted(e, _writing.Dequeue()));
    }

    private void OnPersisted(MessagesAppended e, List<PendingSend> batch)
    {
        _inflightWrites--;
        Apply(e, LastSequenceNr);
        BrokerStats.Publish(_queueStats, _minOffset, _committedOffset, _lastStoreTimestamp);
        long bytes = 0;
        for (var i = 0; i < e.Messages.Count; i++) bytes += e.Messages[i].Body.Length;
        BrokerStats.AddIn(_topicStats, e.Messages.Count, bytes);
        if (_dlqGroup != null) CountDeadLetters(e);
        _stats.RecordSendLatency(_topic, batch[0].ArrivedAt);
        AckBatch(batch, e.BaseOffset);
        if (_held.Count > 0) WakeHeldPulls();
        _messagesSinceSnapshot += e.Messages.Count;
        // A snapshot copies the whole key index: wait until at least an eighth of its size in new
        // messages arrived, so its cost per stored message stays bounded whatever the batch size.
        if (++_eventsSinceSnapshot >= _settings.SnapshotEvery && _messagesSinceSnapshot >= _keys.Count / 8) SaveQueueSnapshot();
        if (_pending.Count > 0) Flush();
        else if (_stopping) StopIfDrained();
    }

    /// <summary>
    /// Dead letters the broker routed here (send-backs past maxReconsumeTimes, which carry
    /// ORIGIN_MESSAGE_ID); a producer writing to the DLQ topic directly is not counted. Counted
    /// here, once the write is durable, so each stored dead letter counts once.
    /// </summary>
    private void CountDeadLetters(MessagesAppended e)
    {
        foreach (var m in e.Messages)
        {
            if (!m.Properties.ContainsKey(MessageConst.OriginMessageId)) continue;
            _stats.SentToDlq(_dlqGroup!, m.Properties.TryGetValue(MessageConst.RetryTopic, out var t) ? t : "", 1);
        }
    }

    private void AckBatch(List<PendingSend> batch, long baseOffset)
    {
        // Acks go out per run of entries from one sender: one reply message per producer batch.
        List<SendAck>? acks = null;
        IActorRef? to = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var (entry, sender, _) = batch[i];
            if (!ReferenceEquals(sender, to))
            {
                if (acks is { Count: > 0 }) to!.Tell(new SendAcks(_brokerName, acks));
                acks = null;
                to = sender;
            }
            if (entry.Oneway) continue;
            // Sized for the rest of the batch (usually one sender), so it never regrows.
            (acks ??= new List<SendAck>(batch.Count - i)).Add(new SendAck(entry.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, _queueId, baseOffset + i));
        }
        if (acks is { Count: > 0 }) to!.Tell(new SendAcks(_brokerName, acks));
    }

    private void SaveQueueSnapshot()
    {
        _eventsSinceSnapshot = 0;
        _messagesSinceSnapshot = 0;
        SaveSnapshot(new QueueLogKeyedSnapshot(_committedOffset, _minOffset, _lastStoreTimestamp, _index.Stride, _index.Entries.ToArray(),
            _keys.ToEntries()));
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The actor stops after this; nobody waiting may be left without an answer.
        var error = $"journal write failed for queue {_topic}:{_queueId}: {cause.Message}";
        _log.Error(cause, "{0}", error);
        PassivateBeforeStop();
        FailPending(error);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        var error = $"journal rejected a write for queue {_topic}:{_queueId}: {cause.Message}";
        _log.Error(cause, "{0}", error);
        PassivateBeforeStop();
        FailPending(error);
        // Offsets were handed out for the rejected batch; restart from the journal so none is skipped.
        Context.Stop(Self);
    }

    /// <summary>
    /// Told before anyone hears of the failure, so the shard buffers what arrives from then on and
    /// restarts the log with it once this one has stopped; a send routed to the dying incarnation
    /// would otherwise be lost to dead letters and wait out its timeout.
    /// </summary>
    private void PassivateBeforeStop() => Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(Stop.Instance));

    private void FailPending(string error)
    {
        var failed = new List<PendingSend>();
        while (_writing.Count > 0) failed.AddRange(_writing.Dequeue());
        while (_pending.Count > 0) failed.Add(_pending.Dequeue());
        foreach (var p in failed)
            if (!p.Entry.Oneway)
                p.Sender.Tell(new SendAcks(_brokerName, new[] { new SendAck(p.Entry.CorrelationId, ResponseCode.SystemError, error, SendStatus.SendOk, _queueId, -1) }));
    }

    private void StopIfDrained()
    {
        if (_inflightWrites > 0 || _pending.Count > 0) return;
        foreach (var h in _held) h.ReplyTo.Tell(Collect(h.Request, h.Filter, h.Offset).Result(_minOffset, _committedOffset));
        _held.Clear();
        if (_ahead != null)
            foreach (var (request, filter, replyTo) in _ahead.Waiting)
                replyTo.Tell(Collect(request, filter, request.QueueOffset).Result(_minOffset, _committedOffset));
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
        if (!SubscriptionExpression.TryParse(m.SubExpression, out var filter, out var filterError))
        {
            Sender.Tell(PullResult.Failed(m, ResponseCode.SubscriptionParseFailed, filterError!));
            return;
        }
        if (m.MaxMsgNums < 1)
        {
            Sender.Tell(PullResult.Failed(m, ResponseCode.MessageIllegal, $"maxMsgNums must be at least 1, not {m.MaxMsgNums}"));
            return;
        }
        if (m.QueueOffset < _minOffset || m.QueueOffset > _committedOffset)
        {
            var tooSmall = m.QueueOffset < _minOffset;
            Sender.Tell(new PullResult(PullStatus.OffsetIllegal, tooSmall ? _minOffset : _committedOffset, _minOffset, _committedOffset,
                _topic, _brokerName, _queueId, Array.Empty<MessageExt>(), ResponseCode.Success,
                $"offset {m.QueueOffset} is too {(tooSmall ? "small" : "big")}: queue {_topic}:{_queueId} holds offsets {_minOffset}..{_committedOffset - 1}"));
            return;
        }
        if (m.QueueOffset == _committedOffset)
        {
            if (m.SuspendTimeoutMillis > 0 && _held.Count < _settings.MaxHeldPulls && !_stopping)
                Hold(m, filter);
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
            for (var i = start; i < _tail.Count; i++)
            {
                if (!c.Offer(_tail[i])) break;
            }
            replyTo.Tell(c.Result(_minOffset, _committedOffset));
            return;
        }
        if (_ahead != null && TryServeAhead(m, filter, offset, replyTo)) return;
        var exact = _cursors.TryGetValue(offset, out var hinted);
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
        // Nothing beyond the end, and offsets the tail holds need no journal read.
        if (!_settings.ReadAhead || _stopping || offset >= _committedOffset || (_tail.Count > 0 && offset >= _tail[0].Offset)) return;
        var perEvent = Math.Max(1, _committedOffset / Math.Max(1, LastSequenceNr));
        var events = (int)Math.Min(_settings.ReadBatchEvents, (_settings.MaxPullMessages + perEvent - 1) / perEvent + 1);
        _ahead = new ReadAheadRange { Id = ++_nextAheadId, From = offset };
        StartReader(null, null, fromSeqNr, Self, events, new QueueReader.ReadAhead(_ahead.Id, offset, _settings.MaxPullMessages, _settings.MaxPullBytes));
        Timers.StartSingleTimer("read-ahead", new ReadAheadUnused(_ahead.Id), _settings.ReadAheadKeep);
    }

    private void OnReadAheadLoaded(QueueReader.ReadAheadLoaded m)
    {
        if (_ahead?.Id != m.Id) return;
        var waiting = _ahead.Waiting.ToArray();
        if (m.Events.Count == 0)
        {
            _ahead = null;
        }
        else
        {
            var last = m.Events[^1];
            _ahead.Events = m.Events;
            _ahead.To = last.BaseOffset + last.Messages.Count;
            _ahead.NextSeqNr = m.NextSeqNr;
            _ahead.Waiting.Clear();
        }
        foreach (var (request, filter, replyTo) in waiting) ServeOrRead(request, filter, request.QueueOffset, replyTo);
    }

    private bool TryServeAhead(PullMessage m, SubscriptionExpression filter, long offset, IActorRef replyTo)
    {
        var a = _ahead!;
        if (a.Events == null)
        {
            if (offset != a.From || a.Waiting.Count >= _settings.MaxHeldPulls) return false;
            a.Waiting.Add((m, filter, replyTo));
            return true;
        }
        if (offset < a.From || offset >= a.To) return false;
        var c = Collect(m, filter, offset);
        foreach (var e in a.Events)
        {
            if (e.BaseOffset + e.Messages.Count <= offset) continue;
            var full = false;
            for (var i = (int)Math.Max(0, offset - e.BaseOffset); i < e.Messages.Count; i++)
                if (!c.Offer(e.BaseOffset + i, e.StoreTimestamp, e.Messages[i])) { full = true; break; }
            if (full) break;
        }
        replyTo.Tell(c.Result(_minOffset, _committedOffset));
        Timers.StartSingleTimer("read-ahead", new ReadAheadUnused(a.Id), _settings.ReadAheadKeep);
        // The consumer reached the end of the range: read the one after it.
        if (c.NextOffset >= a.To)
        {
            _ahead = null;
            StartReadAhead(a.To, a.NextSeqNr);
        }
        return true;
    }

    private void Hold(PullMessage m, SubscriptionExpression filter)
    {
        var suspend = TimeSpan.FromMilliseconds(Math.Min(m.SuspendTimeoutMillis, _settings.MaxSuspend.TotalMilliseconds));
        var held = new HeldPull { Request = m, Filter = filter, ReplyTo = Sender, Offset = m.QueueOffset, Id = ++_nextHeldId };
        _held.Add(held);
        Timers.StartSingleTimer(held.Id, new HeldPullExpired(held.Id), suspend);
    }

    private void WakeHeldPulls()
    {
        for (var i = _held.Count - 1; i >= 0; i--)
        {
            var h = _held[i];
            if (h.Offset >= _committedOffset) continue;
            var start = _tail.IndexOf(h.Offset);
            if (start < 0)
            {
                // Fell out of the tail already (a huge batch): let the journal serve it.
                _held.RemoveAt(i);
                Timers.Cancel(h.Id);
                ServeOrRead(h.Request, h.Filter, h.Offset, h.ReplyTo);
                continue;
            }
            var c = Collect(h.Request, h.Filter, h.Offset);
            for (var j = start; j < _tail.Count; j++)
            {
                if (!c.Offer(_tail[j])) break;
            }
            if (c.FoundCount == 0)
            {
                // Nothing matched the filter: keep holding, but remember how far was scanned.
                h.Offset = c.NextOffset;
                continue;
            }
            _held.RemoveAt(i);
            Timers.Cancel(h.Id);
            var result = c.Result(_minOffset, _committedOffset);
            h.ReplyTo.Tell(result);
        }
    }

    private void OnHeldPullExpired(long id)
    {
        var i = _held.FindIndex(h => h.Id == id);
        if (i < 0) return;
        var h = _held[i];
        _held.RemoveAt(i);
        // Report how far non-matching messages moved the offset (NO_MATCHED_MSG) or NO_NEW_MSG.
        var status = h.Offset > h.Request.QueueOffset ? PullStatus.NoMatchedMsg : PullStatus.NoNewMsg;
        h.ReplyTo.Tell(new PullResult(status, h.Offset, _minOffset, _committedOffset, _topic, _brokerName, _queueId,
            Array.Empty<MessageExt>(), ResponseCode.Success, null));
    }

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
                if (_committedOffset == _minOffset || m.Timestamp > _lastStoreTimestamp)
                {
                    Sender.Tell(OffsetReply(_committedOffset));
                    return;
                }
                if (_tail.Count > 0 && _tail[0].StoreTimestamp < m.Timestamp)
                {
                    for (var i = 0; i < _tail.Count; i++)
                        if (_tail[i].StoreTimestamp >= m.Timestamp)
                        {
                            Sender.Tell(OffsetReply(_tail[i].Offset));
                            return;
                        }
                }
                StartReader(null, m, _index.FloorSeqNrForTimestamp(m.Timestamp), Sender, Math.Min(_index.Stride + 1, _settings.ReadBatchEvents));
                break;
        }
    }

    private QueueOffsetReply OffsetReply(long offset) =>
        new(_topic, _queueId, offset, _minOffset, _committedOffset, _lastStoreTimestamp, ResponseCode.Success, null);
}
