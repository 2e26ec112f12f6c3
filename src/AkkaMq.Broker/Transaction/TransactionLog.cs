using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Transaction;

/// <summary>
/// The half messages of one broker group (RocketMQ's TransactionalMessageService over RMQ_SYS_TRANS_HALF_TOPIC), an entity
/// of the broker region. A half message is written, body and all, to this entity's journal and acked once durable; it
/// keeps its real topic and queue but no queue holds it, so no pull, query, count or lag sees it. Commit stores a copy in
/// its queue and then records the resolution (see <see cref="TransactionLog"/>'s delivery part); rollback records it.
/// Every scan (<see cref="TransactionSettings.ScanInterval"/>) the <see cref="TransactionCheckPolicy"/> decides which
/// undecided ones to check back with a live producer of their group (through the group's
/// <see cref="Producer.ProducerGroupManager"/>, which keeps the producers that heartbeat it), to move to
/// TRANS_CHECK_MAX_TIME_TOPIC, or to drop as expired. The journal is compacted at every snapshot.
/// </summary>
public sealed partial class TransactionLog : CompactingPersistentActor, IWithTimers
{
    private sealed class Scan : INoSerializationVerificationNeeded
    {
        public static readonly Scan Instance = new();
    }

    /// <summary>Most check-backs one scan sends; the rest wait for the next scan.</summary>
    private const int MaxChecksPerScan = 2000;

    private readonly string _brokerName;
    private readonly TransactionSettings _settings;
    private readonly TransactionCheckPolicy _policy;
    private readonly Func<long> _now;
    private readonly IActorRef? _regionOverride;
    private readonly string _shardRegionName;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HalfMessageTable _table;
    private readonly TransactionStats.Figures _figures;
    private IActorRef _region = ActorRefs.Nobody;
    private int _inflightPersists;
    private int _eventsSinceSnapshot;
    private bool _stopping;

    public ITimerScheduler Timers { get; set; } = null!;

    public static string PersistenceIdFor(string brokerName) => $"transaction|{brokerName}";

    /// <param name="retention">fileReservedTime: older half messages are dropped; null keeps them.</param>
    /// <param name="region">Where commits are stored (the broker region); tests pass a probe.</param>
    /// <param name="nowMillis">Clock of store times and check-backs; tests pass a controllable one.</param>
    public static Props Props(string brokerName, TransactionSettings settings, TimeSpan? retention,
        string shardRegionName, IActorRef? region = null, Func<long>? nowMillis = null) =>
        Akka.Actor.Props.Create(() => new TransactionLog(brokerName, settings, retention, shardRegionName, region, nowMillis));

    public override string PersistenceId { get; }

    public TransactionLog(string brokerName, TransactionSettings settings, TimeSpan? retention,
        string shardRegionName, IActorRef? region, Func<long>? nowMillis)
    {
        _brokerName = brokerName;
        _settings = settings;
        _policy = new TransactionCheckPolicy(settings.TransactionTimeOut, settings.TransactionCheckInterval, settings.TransactionCheckMax, retention);
        _regionOverride = region;
        _shardRegionName = shardRegionName;
        _now = nowMillis ?? (() => Retention.BrokerClock.For(Context.System).GetUtcNow().ToUnixTimeMilliseconds());
        _table = new HalfMessageTable(brokerName);
        _figures = TransactionStats.For(Context.System).For(brokerName);
        PersistenceId = PersistenceIdFor(brokerName);

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is TransactionLogSnapshot s) _table.Restore(s);
        });
        Recover<HalfMessagesStored>(e => _table.Stored(e));
        Recover<HalfMessagesResolved>(e =>
        {
            foreach (var r in e.Resolutions) _table.Resolve(r);
        });
        Recover<HalfMessagesChecked>(e => _table.Checked(e));
        Recover<RecoveryCompleted>(_ =>
        {
            _table.MarkAllMaybeStored();
            PublishPending();
            if (_table.Count > 0) _log.Info("Transactions of {0}: recovered {1} undecided half messages", _brokerName, _table.Count);
        });

        Command<PrepareHalfMessages>(OnPrepare);
        Command<EndTransaction>(OnEnd);
        Command<QueryHalfMessages>(m =>
        {
            var (list, total) = _table.List(m.Topic, m.ProducerGroup, Math.Max(0, m.MaxNum));
            Sender.Tell(new HalfMessageList(_brokerName, _now(), total, list, ResponseCode.Success, null));
        });
        Command<Scan>(_ => OnScan());
        ServeDeliveries();
        Command<Queue.QueueLog.Stop>(_ =>
        {
            _stopping = true;
            if (_inflightPersists == 0) Context.Stop(Self);
        });
    }

    protected override void PreStart()
    {
        _region = _regionOverride ?? ClusterSharding.Get(Context.System).ShardRegion(_shardRegionName);
        Timers.StartPeriodicTimer("scan", Scan.Instance, _settings.ScanInterval);
    }

    /// <summary>Stores the half messages of a send batch; an empty one is the gateway's wake-up after a restart.</summary>
    private void OnPrepare(PrepareHalfMessages m)
    {
        if (m.Entries.Count == 0) return;
        var replyTo = Sender;
        long bytes = 0;
        foreach (var e in m.Entries) bytes += e.Message.Body.Length;
        if (_table.Count + m.Entries.Count > _settings.MaxPendingMessages || _table.PendingBytes + bytes > _settings.MaxPendingBytes)
        {
            var error = $"broker busy: {_table.Count} undecided half messages ({_table.PendingBytes} body bytes) on broker '{_brokerName}' "
                + "(transaction.max-pending-messages, transaction.max-pending-bytes); commit or roll back, then retry";
            var refused = m.Entries.Where(e => !e.Oneway).Select(e => e.FailedAck(ResponseCode.SystemBusy, error)).ToList();
            if (refused.Count > 0) replyTo.Tell(new SendAcks(_brokerName, refused));
            return;
        }
        var e0 = new HalfMessagesStored(_table.Reserve(m.Entries.Count), _now(), m.Entries);
        PersistEvent(e0, e =>
        {
            _table.Stored(e);
            PublishPending();
            List<SendAck>? acks = null;
            for (var i = 0; i < e.Entries.Count; i++)
            {
                var entry = e.Entries[i];
                if (!entry.Oneway)
                    (acks ??= new List<SendAck>(e.Entries.Count)).Add(new SendAck(entry.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk,
                        entry.QueueId, e.BaseOffset + i));
            }
            if (acks != null) replyTo.Tell(new SendAcks(_brokerName, acks));
        });
    }

    private void OnEnd(EndTransaction m)
    {
        if (!TransactionIds.TryParse(_brokerName, m.TransactionId, out var offset))
        {
            ReplyFailure(m, Sender, $"'{m.TransactionId}' is not a transaction id of broker '{_brokerName}'");
            return;
        }
        if (!_table.TryGet(offset, out var p))
        {
            if (_table.TryGetResolved(offset, out var r)) ReplyRepeated(m, Sender, r);
            else ReplyFailure(m, Sender, $"transaction {m.TransactionId} has no half message on broker '{_brokerName}' (never stored, or decided long ago)");
            return;
        }
        if (p.Entry.Message.Topic != m.Topic)
        {
            ReplyFailure(m, Sender, $"transaction {m.TransactionId} belongs to topic '{p.Entry.Message.Topic}', not '{m.Topic}'");
            return;
        }
        if (p.ProducerGroup != m.ProducerGroup)
        {
            ReplyFailure(m, Sender, $"transaction {m.TransactionId} belongs to producer group '{p.ProducerGroup}', not '{m.ProducerGroup}'");
            return;
        }
        switch (m.Resolution)
        {
            case TransactionResolution.Commit:
                Deliver(p, HalfMessageOutcome.Committed, Sender, m);
                break;
            case TransactionResolution.Rollback when p.InFlight != null:
                ReplyFailure(m, Sender, $"transaction {m.TransactionId} is being committed (or moved to {TransactionConst.CheckMaxTimeTopic}); it cannot be rolled back");
                break;
            case TransactionResolution.Rollback:
                var replyTo = Sender;
                p.InFlight = m; // no second decision while the rollback is written
                PersistEvent(new HalfMessagesResolved(new[] { new HalfResolution(offset, HalfMessageOutcome.RolledBack, -1, -1) }), e =>
                {
                    Resolved(e.Resolutions[0]);
                    replyTo.Tell(new EndTransactionReply(_brokerName, m.TransactionId, m.Resolution, -1, -1, ResponseCode.Success, null));
                });
                break;
            default:
                // Unknown: nothing changes; the check-back asks again later.
                Sender.Tell(new EndTransactionReply(_brokerName, m.TransactionId, m.Resolution, -1, -1, ResponseCode.Success, null));
                break;
        }
    }

    /// <summary>A repeated decision gets the first one's answer; a contradicting one is refused.</summary>
    private void ReplyRepeated(EndTransaction m, IActorRef to, HalfResolution r)
    {
        var same = m.Resolution == TransactionResolution.Unknown
            || m.Resolution == TransactionResolution.Commit && r.Outcome == HalfMessageOutcome.Committed
            || m.Resolution == TransactionResolution.Rollback && r.Outcome == HalfMessageOutcome.RolledBack;
        if (same) to.Tell(new EndTransactionReply(_brokerName, m.TransactionId, m.Resolution, r.QueueId, r.QueueOffset, ResponseCode.Success, null));
        else ReplyFailure(m, to, $"transaction {m.TransactionId} was already {Describe(r.Outcome)}");
    }

    private static string Describe(HalfMessageOutcome o) => o switch
    {
        HalfMessageOutcome.Committed => "committed",
        HalfMessageOutcome.RolledBack => "rolled back",
        HalfMessageOutcome.CheckMaxReached => $"moved to {TransactionConst.CheckMaxTimeTopic} after transactionCheckMax check-backs",
        _ => "dropped by retention",
    };

    private void ReplyFailure(EndTransaction m, IActorRef to, string error) =>
        to.Tell(new EndTransactionReply(_brokerName, m.TransactionId, m.Resolution, -1, -1, ResponseCode.InvalidTransactionId, error));

    private void OnScan()
    {
        var now = _now();
        List<long>? check = null;
        List<PendingHalf>? checkMax = null;
        List<HalfResolution>? expired = null;
        foreach (var p in _table.Pending)
        {
            if (p.InFlight != null) continue;
            switch (_policy.Decide(p.StoreTimestamp, p.CheckCount, p.LastCheckTimestamp, p.ImmunityMillis, now))
            {
                case HalfCheckDecision.Check when (check?.Count ?? 0) < MaxChecksPerScan: (check ??= new()).Add(p.HalfOffset); break;
                case HalfCheckDecision.CheckMax: (checkMax ??= new()).Add(p); break;
                case HalfCheckDecision.Expire:
                    p.InFlight = HalfMessageOutcome.Expired;
                    (expired ??= new()).Add(new HalfResolution(p.HalfOffset, HalfMessageOutcome.Expired, -1, -1));
                    break;
            }
        }
        if (checkMax != null)
            foreach (var p in checkMax) Deliver(p, HalfMessageOutcome.CheckMaxReached, null, null);
        if (expired != null)
        {
            _log.Warning("Transactions of {0}: dropping {1} undecided half messages older than retention", _brokerName, expired.Count);
            PersistEvent(new HalfMessagesResolved(expired), e => { foreach (var r in e.Resolutions) Resolved(r); });
        }
        if (check == null) return;
        // Counted at once, so the next scan does not check them again while the event is written.
        var checkedEvent = new HalfMessagesChecked(now, check);
        _table.Checked(checkedEvent);
        PersistEvent(checkedEvent, SendChecks);
    }

    /// <summary>
    /// One CheckTransactionState per half message, through the region to its group's producer manager, which hands it to
    /// the group's next live producer; none live: the check still counts, as in RocketMQ.
    /// </summary>
    private void SendChecks(HalfMessagesChecked e)
    {
        foreach (var offset in e.HalfOffsets)
        {
            if (!_table.TryGet(offset, out var p)) continue;
            var m = p.Entry.Message;
            var props = new Dictionary<string, string>(m.Properties) { [TransactionConst.TransactionCheckTimes] = p.CheckCount.ToString() };
            var ext = new MessageExt(m.Topic, _brokerName, p.Entry.QueueId, p.HalfOffset, m.Tags, m.Keys, props, m.Body, p.Entry.BornTimestamp, p.StoreTimestamp);
            _region.Tell(new CheckTransactionState(_brokerName, p.ProducerGroup, p.TransactionId, p.CheckCount, ext), Self);
            Interlocked.Increment(ref _figures.CheckBacks);
        }
    }

    /// <summary>Applies a persisted resolution: the half message leaves the pending set and the figures count it.</summary>
    private void Resolved(HalfResolution r)
    {
        if (!_table.Resolve(r)) return;
        switch (r.Outcome)
        {
            case HalfMessageOutcome.Committed: Interlocked.Increment(ref _figures.Committed); break;
            case HalfMessageOutcome.RolledBack: Interlocked.Increment(ref _figures.RolledBack); break;
            case HalfMessageOutcome.CheckMaxReached: Interlocked.Increment(ref _figures.CheckMax); break;
            default: Interlocked.Increment(ref _figures.Expired); break;
        }
        PublishPending();
    }

    private void PublishPending() => Volatile.Write(ref _figures.Pending, _table.Count);

    /// <summary>
    /// Persists without stashing commands; a snapshot is taken only while no write is in flight, so it never claims an
    /// event whose effect it does not hold.
    /// </summary>
    private void PersistEvent<T>(T e, Action<T> then) where T : class
    {
        _inflightPersists++;
        PersistAsync(e, x =>
        {
            _inflightPersists--;
            then(x);
            if (++_eventsSinceSnapshot >= _settings.SnapshotEvery && _inflightPersists == 0)
            {
                _eventsSinceSnapshot = 0;
                SaveSnapshot(_table.ToSnapshot());
            }
            if (_stopping && _inflightPersists == 0) Context.Stop(Self);
        });
    }
}
