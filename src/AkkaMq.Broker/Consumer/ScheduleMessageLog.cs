using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Consumer;

/// <summary>
/// The delayed messages of one broker group (RocketMQ's ScheduleMessageService and timer store in
/// one): every delayed send and every retry is persisted here first and acknowledged once durable.
/// A tick every tick-interval re-stores the due ones into their real queue; once that queue
/// acknowledges, their delivery is persisted too. A crash between the two delivers a message
/// twice, never not at all. Nothing is delivered before its time. Its journal is compacted at
/// every snapshot (<see cref="CompactingPersistentActor"/>).
/// </summary>
public sealed class ScheduleMessageLog : CompactingPersistentActor, IWithTimers
{
    private sealed class Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private readonly string _brokerName;
    private readonly ScheduleSettings _settings;
    private readonly Func<long> _now;
    private readonly IActorRef? _regionOverride;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, ScheduledMessage> _pending = new();
    private readonly SortedSet<(long DeliverAt, long Id)> _due = new();
    private readonly Dictionary<long, long> _inflight = new(); // id -> when it was handed to its queue
    private long _nextId;
    private int _eventsSinceSnapshot;
    private IActorRef _region = ActorRefs.Nobody;

    public ITimerScheduler Timers { get; set; } = null!;

    public static string PersistenceIdFor(string brokerName) => $"schedule|{brokerName}";

    /// <param name="region">Where due messages go (the broker region); tests pass a probe.</param>
    /// <param name="nowMillis">Clock deciding what is due; tests pass a controllable one.</param>
    public static Props Props(string brokerName, ScheduleSettings settings, string shardRegionName, IActorRef? region = null, Func<long>? nowMillis = null) =>
        Akka.Actor.Props.Create(() => new ScheduleMessageLog(brokerName, settings, shardRegionName, region, nowMillis));

    public override string PersistenceId { get; }

    public ScheduleMessageLog(string brokerName, ScheduleSettings settings, string shardRegionName, IActorRef? region, Func<long>? nowMillis)
    {
        _brokerName = brokerName;
        _settings = settings;
        _regionOverride = region;
        _now = nowMillis ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        PersistenceId = PersistenceIdFor(brokerName);
        _shardRegionName = shardRegionName;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not ScheduleLogSnapshot s) return;
            _pending.Clear();
            _due.Clear();
            _nextId = s.NextId;
            foreach (var m in s.Pending) Add(m);
        });
        Recover<ScheduledMessagesAdded>(e =>
        {
            foreach (var m in e.Messages) Add(m);
        });
        Recover<ScheduledMessagesDelivered>(e => Remove(e.Ids));
        Recover<RecoveryCompleted>(_ =>
        {
            if (_pending.Count > 0) _log.Info("Schedule of {0} recovered {1} delayed messages", _brokerName, _pending.Count);
        });

        Command<ScheduleMessages>(OnSchedule);
        Command<Tick>(_ => DeliverDue());
        Command<SendAcks>(OnAcks);
        // Never passivated by an idle timeout in practice (its tick keeps it busy); a hand-off stops it.
        Command<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    private readonly string _shardRegionName;

    protected override void PreStart()
    {
        _region = _regionOverride ?? ClusterSharding.Get(Context.System).ShardRegion(_shardRegionName);
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.TickInterval);
    }

    private void Add(ScheduledMessage m)
    {
        _pending[m.Id] = m;
        _due.Add((m.DeliverAt, m.Id));
        if (m.Id >= _nextId) _nextId = m.Id + 1;
    }

    private void Remove(IReadOnlyList<long> ids)
    {
        foreach (var id in ids)
            if (_pending.Remove(id, out var m))
                _due.Remove((m.DeliverAt, id));
    }

    private void OnSchedule(ScheduleMessages m)
    {
        var replyTo = Sender;
        if (m.Entries.Count == 0) return; // the gateway's wake-up
        if (_pending.Count + m.Entries.Count > _settings.MaxPendingMessages)
        {
            var acks = m.Entries.Where(e => !e.Entry.Oneway)
                .Select(e => new SendAck(e.Entry.CorrelationId, ResponseCode.SystemBusy, $"broker busy: {_pending.Count} delayed messages wait on broker '{_brokerName}'",
                    SendStatus.SendOk, e.Entry.QueueId, -1)).ToList();
            if (acks.Count > 0) replyTo.Tell(new SendAcks(_brokerName, acks));
            return;
        }
        var msgs = new ScheduledMessage[m.Entries.Count];
        for (var i = 0; i < msgs.Length; i++)
        {
            var e = m.Entries[i];
            var msg = e.Entry.Message;
            msgs[i] = new ScheduledMessage(_nextId++, e.DeliverAt, msg.Topic, e.Entry.QueueId, e.Entry.BornTimestamp, msg.Tags, msg.Keys, msg.Properties, msg.Body);
        }
        Persist(new ScheduledMessagesAdded(msgs), evt =>
        {
            foreach (var x in evt.Messages) Add(x);
            var acks = new List<SendAck>();
            for (var i = 0; i < m.Entries.Count; i++)
                if (!m.Entries[i].Entry.Oneway)
                    acks.Add(new SendAck(m.Entries[i].Entry.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, m.Entries[i].Entry.QueueId, msgs[i].Id));
            if (acks.Count > 0) replyTo.Tell(new SendAcks(_brokerName, acks));
            MaybeSnapshot();
        });
    }

    private void DeliverDue()
    {
        if (Storage.DiskSpace.For(Context.System).RefusesWrites) return; // disk full: due messages wait, late but kept
        var now = _now();
        Dictionary<(string, int), List<SendEntry>>? byQueue = null;
        foreach (var (at, id) in _due)
        {
            if (at > now) break;
            if (_inflight.TryGetValue(id, out var sentAt) && now - sentAt < (long)_settings.RedeliverAfter.TotalMilliseconds) continue;
            var m = _pending[id];
            _inflight[id] = now;
            byQueue ??= new();
            if (!byQueue.TryGetValue((m.Topic, m.QueueId), out var list)) byQueue[(m.Topic, m.QueueId)] = list = new List<SendEntry>();
            // The delay properties stay on the message as a record; the queue stores it as is.
            list.Add(new SendEntry(id, m.QueueId, false, m.BornTimestamp, new Message(m.Topic, m.Body, m.Tags, m.Keys, m.Properties)));
            if (list.Count >= 500) break; // bound one tick's work; the next tick continues
        }
        if (byQueue == null) return;
        foreach (var ((topic, queueId), entries) in byQueue)
            _region.Tell(new AppendMessages(_brokerName, topic, queueId, entries), Self);
    }

    private void OnAcks(SendAcks m)
    {
        List<long>? delivered = null;
        var failed = 0;
        string? error = null;
        var now = _now();
        foreach (var a in m.Acks)
        {
            if (!_inflight.ContainsKey(a.CorrelationId)) continue;
            if (a.Code == ResponseCode.Success)
            {
                _inflight.Remove(a.CorrelationId);
                (delivered ??= new()).Add(a.CorrelationId);
                continue;
            }
            // Retried after redeliver-after, as RocketMQ's schedule service waits 10 s after a failed
            // put: at once, every tick would resend (and log) it for as long as the queue refuses.
            _inflight[a.CorrelationId] = now;
            failed++;
            error ??= a.Error;
        }
        if (failed > 0)
            _log.Warning("{0} delayed message(s) of {1} not stored yet ({2}); retrying in {3} s", failed, _brokerName, error, _settings.RedeliverAfter.TotalSeconds);
        if (delivered == null) return;
        Remove(delivered);
        Persist(new ScheduledMessagesDelivered(delivered), _ => MaybeSnapshot());
    }

    private void MaybeSnapshot()
    {
        if (++_eventsSinceSnapshot < _settings.SnapshotEvery) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(new ScheduleLogSnapshot(_nextId, _pending.Values.OrderBy(x => x.Id).ToList()));
    }
}
