using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Store;
using AkkaMq.Broker.Timer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Consumer;

/// <summary>
/// The delayed messages of one broker group (RocketMQ's ScheduleMessageService and timer store in
/// one), as a timer wheel (<see cref="TimerWheel"/>): every delayed send and every retry is written,
/// body and all, to the journal of its delivery second's wheel slot and acknowledged once durable;
/// memory holds only the list of non-empty buckets. A bucket is loaded shortly before it falls due
/// and delivered by a <see cref="TimerBucketDrain"/>, which deletes its slot journal afterwards. A
/// crash before that deletion delivers a message twice, never not at all; nothing is delivered
/// before its time. The schedule's own journal (the bucket list) is compacted at every snapshot
/// (<see cref="CompactingPersistentActor"/>); schedules written before the wheel are moved into it.
/// </summary>
public sealed class ScheduleMessageLog : CompactingPersistentActor, IWithTimers
{
    private sealed class Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    /// <summary>Diagnostics and tests: answered with <see cref="TimerState"/>.</summary>
    public sealed class GetTimerState : INoSerializationVerificationNeeded
    {
        public static readonly GetTimerState Instance = new();
    }

    /// <summary>Buckets holding delayed messages, those being delivered, and messages waiting for their journal write.</summary>
    public sealed record TimerState(int PendingBuckets, int DrainingBuckets, int WaitingForWrite) : INoSerializationVerificationNeeded;

    private enum Origin { Send, Carry, Migration }

    /// <summary>A message waiting for its slot journal write, and whom to answer.</summary>
    private readonly record struct Item(ScheduledMessage Message, long Bucket, Origin Origin, IActorRef? ReplyTo, SendEntry? Entry);

    private readonly string _brokerName;
    private readonly ScheduleSettings _settings;
    private readonly Func<long> _now;
    private readonly IActorRef? _regionOverride;
    private readonly string _shardRegionName;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimerWheel _wheel;
    private readonly Dictionary<long, ScheduledMessage> _legacy = new(); // a pre-wheel schedule, until moved into the wheel
    private readonly List<Item> _buffer = new();
    private List<Item>? _writing;
    private readonly HashSet<int> _slotsBeingWritten = new();
    private long _batchNo;
    private int _migrating;
    private long _nextId;
    private int _eventsSinceSnapshot;
    private IActorRef _region = ActorRefs.Nobody;
    private IActorRef _journal = ActorRefs.Nobody;
    private IActorRef _writer = ActorRefs.Nobody;

    public ITimerScheduler Timers { get; set; } = null!;

    public static string PersistenceIdFor(string brokerName) => $"schedule|{brokerName}";

    /// <summary>The journal of one wheel slot: the delayed messages of every bucket it holds.</summary>
    public static string SlotPersistenceIdFor(string brokerName, int slot) => $"timer|{brokerName}|{slot}";

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
        _shardRegionName = shardRegionName;
        _now = nowMillis ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _wheel = new TimerWheel((long)settings.TimerPrecision.TotalMilliseconds, settings.WheelSlots);
        PersistenceId = PersistenceIdFor(brokerName);

        Recover<SnapshotOffer>(o =>
        {
            switch (o.Snapshot)
            {
                case TimerWheelSnapshot s:
                    _nextId = Math.Max(_nextId, s.NextId);
                    _wheel.SeedSeqNr(s.LastSeqNr);
                    foreach (var b in s.Pending) _wheel.Open(b);
                    break;
                case ScheduleLogSnapshot s:
                    _legacy.Clear();
                    _nextId = Math.Max(_nextId, s.NextId);
                    foreach (var m in s.Pending) AddLegacy(m);
                    break;
            }
        });
        Recover<TimerBucketsOpened>(e =>
        {
            _nextId = Math.Max(_nextId, e.NextId);
            _wheel.SeedSeqNr(e.LastSeqNr);
            foreach (var b in e.Buckets) _wheel.Open(b);
        });
        Recover<TimerBucketsDelivered>(e =>
        {
            foreach (var b in e.Buckets) _wheel.Delivered(b);
        });
        Recover<ScheduledMessagesAdded>(e =>
        {
            foreach (var m in e.Messages) AddLegacy(m);
        });
        Recover<ScheduledMessagesDelivered>(e =>
        {
            foreach (var id in e.Ids) _legacy.Remove(id);
        });
        Recover<RecoveryCompleted>(_ => Recovered());

        Command<ScheduleMessages>(OnSchedule);
        Command<Tick>(_ => StartDrains());
        Command<TimerJournalWriter.Written>(OnWritten);
        Command<TimerBucketDrain.Carry>(c => Enqueue(c.Messages, Origin.Carry, Sender));
        Command<TimerBucketDrain.Drained>(OnDrained);
        Command<GetTimerState>(_ => Sender.Tell(new TimerState(_wheel.PendingBuckets, _wheel.DrainingBuckets, _buffer.Count + (_writing?.Count ?? 0))));
        // Never passivated by an idle timeout in practice (its tick keeps it busy); a hand-off stops it.
        Command<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    protected override void PreStart()
    {
        _region = _regionOverride ?? ClusterSharding.Get(Context.System).ShardRegion(_shardRegionName);
        _journal = Akka.Persistence.Persistence.Instance.Apply(Context.System).JournalFor(JournalPluginId);
        _writer = Context.ActorOf(TimerJournalWriter.Props(_journal), "writer");
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.TickInterval);
    }

    private void AddLegacy(ScheduledMessage m)
    {
        _legacy[m.Id] = m;
        if (m.Id >= _nextId) _nextId = m.Id + 1;
    }

    private void Recovered()
    {
        _wheel.SeedSeqNr(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
        if (_wheel.PendingBuckets > 0) _log.Info("Schedule of {0} recovered {1} timer buckets holding delayed messages", _brokerName, _wheel.PendingBuckets);
        if (_legacy.Count == 0) return;
        // The pre-wheel schedule: write its messages into the wheel; a snapshot then replaces its events.
        _log.Info("Schedule of {0}: moving {1} delayed messages of the old format into the timer wheel", _brokerName, _legacy.Count);
        _migrating = _legacy.Count;
        Enqueue(_legacy.Values.OrderBy(m => m.Id).ToList(), Origin.Migration, null);
        _legacy.Clear();
    }

    private void OnSchedule(ScheduleMessages m)
    {
        var replyTo = Sender;
        if (m.Entries.Count == 0) return; // the gateway's wake-up
        var held = _buffer.Count + (_writing?.Count ?? 0);
        if (held + m.Entries.Count > _settings.MaxPendingMessages)
        {
            var acks = new List<SendAck>();
            foreach (var e in m.Entries)
                if (!e.Entry.Oneway)
                    acks.Add(new SendAck(e.Entry.CorrelationId, ResponseCode.SystemBusy,
                        $"broker busy: {held} delayed messages wait for their journal write on broker '{_brokerName}' (max-pending-messages)",
                        SendStatus.SendOk, e.Entry.QueueId, -1));
            if (acks.Count > 0) replyTo.Tell(new SendAcks(_brokerName, acks));
            return;
        }
        var items = new List<Item>(m.Entries.Count);
        foreach (var e in m.Entries)
        {
            var msg = e.Entry.Message;
            var sm = new ScheduledMessage(_nextId++, e.DeliverAt, msg.Topic, e.Entry.QueueId, e.Entry.BornTimestamp, msg.Tags, msg.Keys, msg.Properties, msg.Body);
            items.Add(new Item(sm, _wheel.BucketOf(e.DeliverAt), Origin.Send, replyTo, e.Entry));
        }
        Buffer(items);
    }

    private void Enqueue(IReadOnlyList<ScheduledMessage> messages, Origin origin, IActorRef? replyTo)
    {
        var items = new List<Item>(messages.Count);
        foreach (var m in messages) items.Add(new Item(m, _wheel.BucketOf(m.DeliverAt), origin, replyTo, null));
        Buffer(items);
    }

    /// <summary>Buckets get their first message only after their opening is persisted, so a restart knows every non-empty one.</summary>
    private void Buffer(List<Item> items)
    {
        List<TimerBucket>? opened = null;
        foreach (var i in items)
            if (!_wheel.IsOpen(i.Bucket) && (opened == null || !opened.Exists(b => b.Bucket == i.Bucket)))
                (opened ??= new()).Add(new TimerBucket(i.Bucket, _wheel.SlotOf(i.Bucket)));
        if (opened == null)
        {
            _buffer.AddRange(items);
            Flush();
            return;
        }
        Persist(new TimerBucketsOpened(_nextId, _wheel.LastSeqNr, opened), e =>
        {
            foreach (var b in e.Buckets) _wheel.Open(b);
            _buffer.AddRange(items);
            Flush();
            MaybeSnapshot();
        });
    }

    /// <summary>One write in flight: what arrives meanwhile goes in the next, one event per slot (group commit).</summary>
    private void Flush()
    {
        if (_writing != null || _buffer.Count == 0) return;
        var batch = new List<Item>();
        long bytes = 0;
        var taken = 0;
        while (taken < _buffer.Count && (batch.Count == 0 || bytes < 1 << 20))
        {
            batch.Add(_buffer[taken]);
            bytes += _buffer[taken].Message.Body.Length + 64;
            taken++;
        }
        _buffer.RemoveRange(0, taken);
        _writing = batch;
        var bySlot = new Dictionary<int, List<ScheduledMessage>>();
        foreach (var i in batch)
        {
            var slot = _wheel.SlotOf(i.Bucket);
            if (!bySlot.TryGetValue(slot, out var list)) bySlot[slot] = list = new List<ScheduledMessage>();
            list.Add(i.Message);
            _wheel.Written(i.Bucket, slot);
        }
        var writes = new List<AtomicWrite>(bySlot.Count);
        var micros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        foreach (var (slot, list) in bySlot)
        {
            _slotsBeingWritten.Add(slot);
            writes.Add(new AtomicWrite(new Persistent(new ScheduledMessagesAdded(list), _wheel.NextSeqNr(micros), SlotPersistenceIdFor(_brokerName, slot),
                string.Empty, false, ActorRefs.NoSender, string.Empty)));
        }
        _writer.Tell(new TimerJournalWriter.Write(++_batchNo, writes));
    }

    private void OnWritten(TimerJournalWriter.Written w)
    {
        var batch = _writing!;
        _writing = null;
        _slotsBeingWritten.Clear();
        Dictionary<IActorRef, List<SendAck>>? acks = null;
        Dictionary<IActorRef, string?>? carried = null;
        var migrated = 0;
        string? migrationError = null;
        foreach (var i in batch)
        {
            var failed = w.Failed.Count == 0 ? null : w.Failed.GetValueOrDefault(SlotPersistenceIdFor(_brokerName, _wheel.SlotOf(i.Bucket)));
            switch (i.Origin)
            {
                case Origin.Send when !i.Entry!.Oneway:
                    if (!(acks ??= new()).TryGetValue(i.ReplyTo!, out var list)) acks[i.ReplyTo!] = list = new List<SendAck>();
                    list.Add(failed == null
                        ? new SendAck(i.Entry.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, i.Entry.QueueId, i.Message.Id)
                        : new SendAck(i.Entry.CorrelationId, ResponseCode.SystemError, $"delayed message not stored: {failed}", SendStatus.SendOk, i.Entry.QueueId, -1));
                    break;
                case Origin.Carry:
                    carried ??= new();
                    if (!carried.TryGetValue(i.ReplyTo!, out var error) || error == null) carried[i.ReplyTo!] = failed;
                    break;
                case Origin.Migration:
                    migrated++;
                    migrationError ??= failed;
                    break;
            }
        }
        if (acks != null) foreach (var (to, list) in acks) to.Tell(new SendAcks(_brokerName, list));
        if (carried != null) foreach (var (to, error) in carried) to.Tell(new TimerBucketDrain.Carried(error));
        if (w.Failed.Count > 0) _log.Error("Schedule of {0}: a timer journal write failed: {1}", _brokerName, w.Failed.First().Value);
        if (migrated > 0) Migrated(migrated, migrationError);
        Flush();
    }

    private void Migrated(int count, string? error)
    {
        if (error != null)
        {
            // The old events stay (no snapshot): the next start moves them again.
            _migrating = -1;
            _log.Error("Schedule of {0}: moving old-format delayed messages into the timer wheel failed ({1}); the next start tries again", _brokerName, error);
            return;
        }
        if (_migrating < 0 || (_migrating -= count) > 0) return;
        _log.Info("Schedule of {0}: old-format delayed messages are in the timer wheel now", _brokerName);
        TakeSnapshot();
    }

    private void StartDrains()
    {
        if (Storage.DiskSpace.For(Context.System).RefusesWrites) return; // disk full: due messages wait, late but kept
        var now = _now();
        var lead = (long)_settings.TimerPrecision.TotalMilliseconds;
        foreach (var b in _wheel.ToDrain(now, lead, _settings.MaxDrainingBuckets, _slotsBeingWritten))
        {
            // The seal: every slot write numbered up to here is durable (no write of this slot is in flight).
            var seal = _wheel.LastSeqNr;
            var tombstone = _wheel.NextSeqNr(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
            _wheel.BeginDrain(b);
            Context.ActorOf(TimerBucketDrain.Props(new TimerBucketDrain.Job(SlotPersistenceIdFor(_brokerName, b.Slot), b, _wheel.EndOf(b.Bucket), seal,
                tombstone, _journal, _region, _brokerName, _now, _settings)));
        }
    }

    private void OnDrained(TimerBucketDrain.Drained d)
    {
        if (d.Error != null)
            _log.Warning("Schedule of {0}: delivering timer bucket {1} stopped ({2}); it is delivered again", _brokerName, d.Bucket.Bucket, d.Error);
        // A message for this bucket that waits for its write keeps the bucket: it is delivered by the next drain.
        if (!_wheel.EndDrain(d.Bucket, d.Error == null && !_buffer.Exists(i => i.Bucket == d.Bucket.Bucket))) return;
        Persist(new TimerBucketsDelivered(new[] { d.Bucket.Bucket }), _ => MaybeSnapshot());
    }

    private void MaybeSnapshot()
    {
        if (++_eventsSinceSnapshot < _settings.SnapshotEvery || _migrating != 0) return;
        TakeSnapshot();
    }

    private void TakeSnapshot()
    {
        _eventsSinceSnapshot = 0;
        _migrating = 0;
        SaveSnapshot(new TimerWheelSnapshot(_nextId, _wheel.LastSeqNr, _wheel.Pending()));
    }
}
