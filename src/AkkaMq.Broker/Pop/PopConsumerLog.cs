using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Retention;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Pop;

/// <summary>
/// One POP consumer group's progress on one queue (RocketMQ 5's receive / ack / change-invisible-time),
/// a persistent entity in the broker group's shard next to the queue log. The decisions are
/// <see cref="PopQueueState"/>'s; this actor reads messages through the queue log's read path
/// (<see cref="PullRelay"/>), persists each change before it answers, holds receives that find
/// nothing until their polling time ends, and sends messages past max attempts to %DLQ%group
/// through the gateway's send-back. Receives are served one at a time, in arrival order; acks and
/// invisible-time changes are answered meanwhile. Invisible times are read from the
/// <see cref="BrokerClock"/>; polling times are wall time.
/// </summary>
public sealed partial class PopConsumerLog : CompactingPersistentActor, IWithTimers
{
    private sealed record Waiter(long Id, PopMessage Request, IActorRef ReplyTo, long Deadline, SubscriptionExpression Filter);
    private sealed record ReceiveRead(Waiter Waiter, PopPlan Plan, long[] Versions, long StartedAt, long Suspend, long ReadFrom);
    private sealed record DeadLetterRead(List<long> Offsets);
    private sealed record PollExpired(long Id) : INoSerializationVerificationNeeded;
    private sealed class Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }
    private sealed class Retry : INoSerializationVerificationNeeded { public static readonly Retry Instance = new(); }

    /// <summary>A held read waits at most this long before the receive is planned again (redeliveries may be due by then).</summary>
    private const long HoldSliceMillis = 2_000;
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly string _brokerName;
    private readonly string _group;
    private readonly string _topic;
    private readonly int _queueId;
    private readonly int _snapshotEvery;
    private readonly string _readGroup;
    private readonly IActorRef? _regionOverride;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PopQueueState _state = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private readonly Dictionary<long, List<(IActorRef ReplyTo, string Handle)>> _forwardRequests = new();
    private readonly BrokerClock _clock = BrokerClock.For(Context.System);
    private readonly PopStats _stats = PopStats.For(Context.System);
    private IActorRef _region = ActorRefs.Nobody;
    private Waiter? _serving;
    private bool _retryPending;
    private long _nextWaiterId;
    private int _maxAttempts = PopLimits.DefaultMaxDeliveryAttempts;
    private int _pendingEvents;
    private int _eventsSinceSnapshot;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="region">The broker region the queue log is read through; tests pass a probe.</param>
    public static Props Props(string brokerName, string group, string topic, int queueId, int snapshotEvery, string shardRegionName,
        IActorRef? region = null) =>
        Akka.Actor.Props.Create(() => new PopConsumerLog(brokerName, group, topic, queueId, snapshotEvery, shardRegionName, region));

    public static string PersistenceIdFor(string brokerName, string group, string topic, int queueId) => $"pop|{brokerName}|{group}|{topic}|{queueId}";

    public override string PersistenceId { get; }

    private readonly string _shardRegionName;

    public PopConsumerLog(string brokerName, string group, string topic, int queueId, int snapshotEvery, string shardRegionName, IActorRef? region)
    {
        _brokerName = brokerName;
        _group = group;
        _topic = topic;
        _queueId = queueId;
        _snapshotEvery = Math.Max(1, snapshotEvery);
        _shardRegionName = shardRegionName;
        _regionOverride = region;
        // Reads under their own name: the native group of the same name keeps its delivered-offset metrics.
        _readGroup = "%POP%" + group;
        PersistenceId = PersistenceIdFor(brokerName, group, topic, queueId);

        Recover<SnapshotOffer>(o => { if (o.Snapshot is PopQueueSnapshot s) _state.Restore(s); });
        Recover<PopMessagesDelivered>(_state.Apply);
        Recover<PopMessagesDone>(_state.Apply);
        Recover<PopInvisibleTimeChanged>(_state.Apply);
        Recover<RecoveryCompleted>(_ => PublishStats());

        Command<PopMessage>(OnReceive);
        Command<AckMessage>(OnAck);
        Command<ChangeInvisibleTime>(OnChangeInvisibleTime);
        Command<ForwardToDeadLetterQueue>(OnForward);
        Command<PullRelay.Done>(OnRead);
        Command<SendAcks>(OnDeadLettered);
        Command<PollExpired>(m => ExpireWaiter(m.Id));
        Command<Retry>(_ =>
        {
            _retryPending = false;
            TryServe();
        });
        Command<Tick>(_ => OnTick());
        Command<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    protected override void PreStart()
    {
        base.PreStart();
        _region = _regionOverride ?? ClusterSharding.Get(Context.System).ShardRegion(_shardRegionName);
        Timers.StartPeriodicTimer("tick", Tick.Instance, TickInterval);
    }

    protected override void PostStop()
    {
        // Nobody waits on a stopped entity: held receives get an empty answer, pending forwards an error.
        if (_serving != null) ReplyEmpty(_serving);
        foreach (var w in _waiting) ReplyEmpty(w);
        _waiting.Clear();
        foreach (var (_, list) in _forwardRequests)
            foreach (var (to, handle) in list)
                to.Tell(new ForwardToDeadLetterQueueResult(handle, ResponseCode.ServiceNotAvailable, $"queue {_topic}:{_queueId} is moving, retry"));
        _stats.Gone(_brokerName, _group, _topic, _queueId);
        base.PostStop();
    }

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    // ---------------------------------------------------------------- receive

    private void OnReceive(PopMessage m)
    {
        if (!SubscriptionExpression.TryParse(m.FilterExpression, out var filter, out var filterError))
        {
            Sender.Tell(new PopResult(_brokerName, _group, _topic, Array.Empty<PoppedMessage>(), ResponseCode.SubscriptionParseFailed, filterError));
            return;
        }
        if (m.MaxDeliveryAttempts > 0) _maxAttempts = m.MaxDeliveryAttempts;
        var w = new Waiter(++_nextWaiterId, m, Sender, Environment.TickCount64 + Math.Max(0, m.PollMillis), filter);
        _waiting.AddLast(w);
        if (m.PollMillis > 0) Timers.StartSingleTimer(("poll", w.Id), new PollExpired(w.Id), TimeSpan.FromMilliseconds(m.PollMillis));
        TryServe();
    }

    private static long Remaining(Waiter w) => w.Deadline - Environment.TickCount64;

    /// <summary>Serves the first waiting receive that can be served; a receive that must wait and may not is answered empty.</summary>
    private void TryServe()
    {
        if (_serving != null || _retryPending) return;
        var node = _waiting.First;
        while (node != null)
        {
            var next = node.Next;
            var w = node.Value;
            var plan = _state.Plan(Now, w.Request.MaxMessages, w.Request.Fifo, w.Request.AttemptId, _maxAttempts);
            StartDeadLetters(plan.DeadLetters);
            if (plan.Kind == PopPlanKind.Wait)
            {
                if (Remaining(w) <= 0) Finish(node, w);
                node = next;
                continue;
            }
            _waiting.Remove(node);
            StartReceiveRead(w, plan);
            return;
        }
    }

    private void Finish(LinkedListNode<Waiter> node, Waiter w)
    {
        _waiting.Remove(node);
        Timers.Cancel(("poll", w.Id));
        ReplyEmpty(w);
    }

    private void ExpireWaiter(long id)
    {
        for (var node = _waiting.First; node != null; node = node.Next)
            if (node.Value.Id == id)
            {
                Finish(node, node.Value);
                return;
            }
    }

    private void ReplyEmpty(Waiter w) =>
        w.ReplyTo.Tell(new PopResult(_brokerName, _group, _topic, Array.Empty<PoppedMessage>(), ResponseCode.Success, null));

    private void StartReceiveRead(Waiter w, PopPlan plan)
    {
        _serving = w;
        PullMessage pull;
        long suspend = 0;
        if (plan.Kind == PopPlanKind.ReadNew)
        {
            suspend = Math.Clamp(Remaining(w), 0, HoldSliceMillis);
            pull = new PullMessage(_brokerName, _readGroup, _topic, _queueId, _state.NextReadOffset, w.Request.MaxMessages,
                w.Request.FilterExpression, suspend);
        }
        else
        {
            var first = plan.Entries[0].Offset;
            var span = plan.Entries[^1].Offset - first + 1;
            pull = new PullMessage(_brokerName, _readGroup, _topic, _queueId, first, (int)Math.Min(span, 1024), SubscriptionExpression.All, 0);
        }
        var versions = new long[plan.Entries.Count];
        for (var i = 0; i < versions.Length; i++) versions[i] = plan.Entries[i].Version;
        Context.ActorOf(PullRelay.Props(_region, pull, new ReceiveRead(w, plan, versions, Environment.TickCount64, suspend, _state.NextReadOffset)));
    }

    private void OnRead(PullRelay.Done done)
    {
        switch (done.Purpose)
        {
            case ReceiveRead r:
                _serving = null;
                OnReceiveRead(r, done.Result);
                TryServe();
                break;
            case DeadLetterRead d:
                OnDeadLetterRead(d, done.Result);
                break;
        }
    }

    private void OnReceiveRead(ReceiveRead read, PullResult result)
    {
        var w = read.Waiter;
        if (result.Code != ResponseCode.Success)
        {
            Timers.Cancel(("poll", w.Id));
            w.ReplyTo.Tell(new PopResult(_brokerName, _group, _topic, Array.Empty<PoppedMessage>(), result.Code, result.Error));
            return;
        }
        if (read.Plan.Kind == PopPlanKind.SameBatch)
        {
            Reply(w, SameBatch(read, result));
            return;
        }
        var now = Now;
        var invisibleUntil = now + w.Request.InvisibleMillis;
        var deliveries = new List<PopDelivery>();
        var popped = new List<PoppedMessage>();
        var nextRead = _state.NextReadOffset;
        List<long>? deleted = null;
        if (read.Plan.Kind == PopPlanKind.Redeliver)
        {
            var found = ByOffset(result);
            for (var i = 0; i < read.Plan.Entries.Count; i++)
            {
                var e = read.Plan.Entries[i];
                // Retention deleted it: done for the group, as for native consumers.
                if (e.Offset < result.MinOffset && !e.Done) { (deleted ??= new()).Add(e.Offset); continue; }
                if (!found.TryGetValue(e.Offset, out var msg) || e.Done || e.Forwarding || e.Version != read.Versions[i] || e.VisibleAt > now) continue;
                Deliver(msg, e.Attempt + 1);
            }
        }
        else if (result.Status == PullStatus.OffsetIllegal)
        {
            // Below the min offset (retention deleted it): go on from the min; above the max: nothing to read.
            if (result.NextBeginOffset > nextRead) nextRead = result.NextBeginOffset;
            else _log.Warning("POP {0} reads {1}:{2} at {3}, past its max offset {4}", _group, _topic, _queueId, nextRead, result.MaxOffset);
        }
        else
        {
            foreach (var msg in result.Messages) Deliver(msg, 1);
            nextRead = Math.Max(nextRead, result.NextBeginOffset);
        }

        if (deleted != null) Record(new PopMessagesDone(deleted), () => { });
        if (deliveries.Count > 0 || nextRead > _state.NextReadOffset)
        {
            var attemptId = w.Request.Fifo && deliveries.Count > 0 ? w.Request.AttemptId : null;
            Record(new PopMessagesDelivered(nextRead, attemptId, deliveries), deliveries.Count > 0 ? () => Reply(w, popped) : () => { });
        }
        if (deliveries.Count > 0) return;
        // Moved up to the min offset, or dropped deleted messages: plan again at once; it ends, as both only move up.
        var again = deleted != null || result.Status == PullStatus.OffsetIllegal && nextRead > read.ReadFrom;
        if (!again && (Remaining(w) <= 0 || w.Request.PollMillis <= 0))
        {
            Timers.Cancel(("poll", w.Id));
            DeferAsync(w, ReplyEmpty);
            return;
        }
        _waiting.AddFirst(w);
        // A read answered well before its hold ended (or not held) waits a moment before the next, so it never spins.
        if (!again && (read.Suspend == 0 || Environment.TickCount64 - read.StartedAt < read.Suspend / 2))
        {
            _retryPending = true;
            Timers.StartSingleTimer("retry", Retry.Instance, RetryDelay);
        }

        void Deliver(MessageExt msg, int attempt)
        {
            var d = new PopDelivery(msg.QueueOffset, attempt, _state.NextVersion(), invisibleUntil);
            deliveries.Add(d);
            popped.Add(new PoppedMessage(msg, Handle(d), attempt, invisibleUntil));
        }
    }

    private List<PoppedMessage> SameBatch(ReceiveRead read, PullResult result)
    {
        var found = ByOffset(result);
        var popped = new List<PoppedMessage>();
        for (var i = 0; i < read.Plan.Entries.Count; i++)
        {
            var e = read.Plan.Entries[i];
            if (e.Done || e.Version != read.Versions[i] || !found.TryGetValue(e.Offset, out var msg)) continue;
            popped.Add(new PoppedMessage(msg, Handle(new PopDelivery(e.Offset, e.Attempt, e.Version, e.VisibleAt)), e.Attempt, e.VisibleAt));
        }
        return popped;
    }

    private static Dictionary<long, MessageExt> ByOffset(PullResult result)
    {
        var found = new Dictionary<long, MessageExt>(result.Messages.Count);
        foreach (var m in result.Messages) found[m.QueueOffset] = m;
        return found;
    }

    private void Reply(Waiter w, IReadOnlyList<PoppedMessage> popped)
    {
        Timers.Cancel(("poll", w.Id));
        w.ReplyTo.Tell(new PopResult(_brokerName, _group, _topic, popped, ResponseCode.Success, null));
    }

    private string Handle(PopDelivery d) => new ReceiptHandle(_brokerName, _topic, _queueId, d.Offset, _group, d.Version).Encode();

    private void OnTick()
    {
        StartDeadLetters(_state.DeadLetters(Now, _maxAttempts));
        if (_waiting.Count > 0) TryServe();
        PublishStats();
    }

    // ---------------------------------------------------------------- persistence

    /// <summary>Applies the event now, so later commands see it, and runs then once it is durable.</summary>
    private void Record(IAkkaMqMessage evt, Action then)
    {
        switch (evt)
        {
            case PopMessagesDelivered e: _state.Apply(e); break;
            case PopMessagesDone e: _state.Apply(e); break;
            case PopInvisibleTimeChanged e: _state.Apply(e); break;
        }
        _pendingEvents++;
        PersistAsync(evt, _ =>
        {
            _pendingEvents--;
            then();
            // Only with nothing pending is the state exactly what the journal holds.
            if (++_eventsSinceSnapshot >= _snapshotEvery && _pendingEvents == 0)
            {
                _eventsSinceSnapshot = 0;
                SaveSnapshot(_state.ToSnapshot());
            }
        });
        PublishStats();
    }

    private void PublishStats() => _stats.InFlight(_brokerName, _group, _topic, _queueId, _state.InFlight);
}
