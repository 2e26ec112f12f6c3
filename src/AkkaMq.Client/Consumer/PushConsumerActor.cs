using Akka;
using Akka.Actor;
using Akka.Event;
using AkkaMq.Client.Consumer.Rebalance;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// The engine of a push consumer (RocketMQ's DefaultMQPushConsumerImpl and its PullMessageService).
/// It heartbeats to the brokers of its topics, rebalances (<see cref="Rebalancer"/>) when the group
/// changes (broker notice), every rebalanceInterval and at start, keeps one <see cref="ProcessQueue"/>
/// per owned queue, long-polls each queue, caches what it pulled (pausing pulls while the cache is
/// over pullThreshold*), hands messages to the listener through an <see cref="IConsumeMessageService"/>
/// and writes the lowest unconsumed offset of each queue to its <see cref="IOffsetStore"/> every
/// persistConsumerOffsetInterval, on rebalance and on shutdown. Never a gap: an offset moves past
/// a message only once the listener succeeded with it (or it went to the retry topic).
/// </summary>
internal sealed partial class PushConsumerActor : ReceiveActor, IWithTimers, IConsumeServiceHost
{
    // ---- messages from the facade
    internal sealed record Shutdown : INoSerializationVerificationNeeded;
    internal sealed record Query : INoSerializationVerificationNeeded;
    internal sealed record Snapshot(string ClientId, IReadOnlyList<MessageQueue> Owned, IReadOnlyDictionary<MessageQueue, long> Offsets,
        int CachedMessages, long FlowControlTimes) : INoSerializationVerificationNeeded;

    // ---- internal
    private sealed record Tick(string Kind) : INoSerializationVerificationNeeded;
    private sealed record RebalanceComputed(Dictionary<string, List<MessageQueue>> Allocation) : INoSerializationVerificationNeeded;
    private sealed record RebalanceFailed(string Why) : INoSerializationVerificationNeeded;
    private sealed record StartOffset(ProcessQueue Pq, long Offset) : INoSerializationVerificationNeeded;
    private sealed record StartOffsetFailed(ProcessQueue Pq, string Why) : INoSerializationVerificationNeeded;
    private sealed record PullAgain(ProcessQueue Pq) : INoSerializationVerificationNeeded;
    private sealed record PullReply(ProcessQueue Pq, long Seq, PullResult Result) : INoSerializationVerificationNeeded;
    private sealed record PullFailed(ProcessQueue Pq, long Seq, string Why) : INoSerializationVerificationNeeded;
    private sealed record ConsumeDone(ConsumeRequest Request, bool Success) : INoSerializationVerificationNeeded;
    private sealed record ConsumeAgain(ConsumeRequest Request) : INoSerializationVerificationNeeded;
    private sealed record SendBackDone(ConsumeRequest Request, IReadOnlyList<MessageExt> Failed) : INoSerializationVerificationNeeded;
    private sealed record ShutdownDone(IActorRef ReplyTo) : INoSerializationVerificationNeeded;

    private readonly ClientContext _ctx;
    private readonly string _group;
    private readonly string _clientId;
    private readonly PushConsumerSettings _settings;
    private readonly IReadOnlyList<SubscriptionData> _subscriptions;
    private readonly Dictionary<string, string> _subExpressions = new(StringComparer.Ordinal);
    private readonly bool _orderly;
    private readonly Rebalancer _rebalancer;
    private readonly IOffsetStore _offsetStore;
    private readonly IConsumeMessageService _consumeService;
    private readonly PullMessageService _pullService;
    private readonly ConsumerBrokerApi _broker;
    private readonly AkkaMqPullConsumer _offsetQueries;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<MessageQueue, ProcessQueue> _pqs = new();
    private Dictionary<string, TopicRouteData> _routes = new(StringComparer.Ordinal);
    // Where pulls go, per broker: the node's data channel, or its gateway when it has none.
    private Dictionary<string, IActorRef> _pullChannels = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _warnedMissingTopics = new(StringComparer.Ordinal);
    private bool _stopping;
    private long _lastEarlyRouteFetch;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ClientContext ctx, string group, string clientId, PushConsumerSettings settings,
        IReadOnlyList<SubscriptionData> subscriptions, MessageListenerConcurrently? concurrently, MessageListenerOrderly? orderly) =>
        Akka.Actor.Props.Create(() => new PushConsumerActor(ctx, group, clientId, settings, subscriptions, concurrently, orderly));

    public PushConsumerActor(ClientContext ctx, string group, string clientId, PushConsumerSettings settings,
        IReadOnlyList<SubscriptionData> subscriptions, MessageListenerConcurrently? concurrently, MessageListenerOrderly? orderly)
    {
        _ctx = ctx;
        _group = group;
        _clientId = clientId;
        _settings = settings;
        _subscriptions = subscriptions;
        foreach (var s in subscriptions) _subExpressions.TryAdd(s.Topic, s.SubExpression);
        _orderly = orderly != null;
        _rebalancer = new Rebalancer(group, clientId, AllocateMessageQueueStrategies.ByName(settings.AllocateMessageQueueStrategy), settings.MessageModel);
        _offsetQueries = new AkkaMqPullConsumer(ctx, group);
        _broker = new ConsumerBrokerApi(group, clientId, ctx.Settings.RequestTimeout, Self);
        _offsetStore = settings.MessageModel == MessageModel.Broadcasting
            ? new LocalFileOffsetStore(settings.OffsetStoreDir, group, settings.InstanceName)
            : new RemoteBrokerOffsetStore(group, mq => _offsetQueries.FetchConsumeOffsetAsync(mq), _broker.TrySend, _broker.TryCommit);
        _consumeService = orderly != null
            ? new ConsumeMessageOrderlyService(this, _offsetStore, orderly, settings)
            : new ConsumeMessageConcurrentlyService(this, _offsetStore, concurrently!, settings);
        _pullService = new PullMessageService(group, settings, NeedsLock, _consumeService, _offsetStore);

        Receive<Tick>(OnTick);
        Receive<ConsumerRoutes>(OnRoutes);
        Receive<Status.Failure>(f => _log.Warning("Consumer {0} of group {1}: {2}", _clientId, _group, f.Cause.Message));
        Receive<ConsumerIdsChanged>(_ => StartRebalance());
        Receive<ConsumerHeartbeatReply>(m =>
        {
            if (m.Code != ResponseCode.Success) _log.Error("Broker {0} refused heartbeat of {1}: {2}", m.BrokerName, _clientId, m.Error);
        });
        Receive<RebalanceComputed>(OnRebalanceComputed);
        Receive<RebalanceFailed>(m =>
        {
            if (m.Why == Rebalancer.NotRegistered)
            {
                _broker.Heartbeat(_settings.MessageModel, _subscriptions);
                Timers.StartSingleTimer("rebalance-again", new Tick("rebalance"), TimeSpan.FromSeconds(1));
            }
            else _log.Warning("Rebalance of group {0} on {1} failed: {2}", _group, _clientId, m.Why);
            RebalanceFinished();
        });
        Receive<StartOffset>(OnStartOffset);
        Receive<StartOffsetFailed>(m =>
        {
            _log.Warning("No start offset for {0}: {1}; the next rebalance tries again", m.Pq.Mq, m.Why);
            if (_pqs.TryGetValue(m.Pq.Mq, out var pq) && ReferenceEquals(pq, m.Pq))
            {
                _pqs.Remove(m.Pq.Mq);
                if (NeedsLock) _broker.Unlock(pq.Mq);
            }
        });
        Receive<PullReply>(OnPullReply);
        Receive<PullAgain>(m => Pull(m.Pq));
        Receive<Terminated>(t =>
        {
            // A data channel closed: pull through the gateway until the routes bring a new one.
            foreach (var (broker, channel) in _pullChannels.ToList())
                if (channel.Equals(t.ActorRef) && _broker.Gateways.TryGetValue(broker, out var gateway)) _pullChannels[broker] = gateway;
            RefreshRoutesSoon();
        });
        Receive<PullFailed>(m =>
        {
            if (!IsCurrentPull(m.Pq, m.Seq)) return;
            _log.Warning("Pull from {0} got no answer: {1}; pulling again", m.Pq.Mq, m.Why);
            m.Pq.PullInFlight = false;
            RefreshRoutesSoon(); // the broker group may be served by another node now (failover)
            PullLater(m.Pq, _settings.PullTimeDelayWhenFlowControl);
        });
        Receive<ConsumeDone>(m => _consumeService.OnConsumed(m.Request, m.Success));
        Receive<ConsumeAgain>(m => _consumeService.ConsumeAgain(m.Request));
        Receive<SendBackDone>(m => _consumeService.OnSendBackDone(m.Request, m.Failed));
        Receive<CommitConsumerOffsetsReply>(m =>
        {
            if (m.Code == ResponseCode.Success) return;
            _log.Warning("Offset commit of {0} on {1} failed: {2}", _group, m.Topic, m.Error);
            (_offsetStore as RemoteBrokerOffsetStore)?.CommitRefused(m.Topic);
        });
        Receive<LockBatchMQReply>(OnLockReply);
        Receive<ResetConsumerClientOffset>(OnResetOffset);
        Receive<Query>(_ => Sender.Tell(new Snapshot(_clientId,
            _pqs.Values.Where(p => !p.Dropped && p.NextOffset >= 0).Select(p => p.Mq).OrderBy(q => q, Comparer<MessageQueue>.Create(AllocateMessageQueueStrategies.Compare)).ToList(),
            _offsetStore.CloneOffsetTable(), _pqs.Values.Sum(p => p.CachedCount), _pullService.FlowControlTimes)));
        Receive<Shutdown>(_ => OnShutdown());
        Receive<ShutdownDone>(m =>
        {
            m.ReplyTo.Tell(Done.Instance);
            Context.Stop(Self);
        });
    }

    /// <summary>Orderly clustering consumers lock queues at the broker; a broadcasting member reads every queue anyway.</summary>
    private bool NeedsLock => _orderly && _settings.MessageModel == MessageModel.Clustering;

    protected override void PreStart()
    {
        Self.Tell(new Tick("routes"));
        Timers.StartPeriodicTimer("routes", new Tick("routes"), _settings.HeartbeatBrokerInterval);
        Timers.StartPeriodicTimer("rebalance", new Tick("rebalance"), _settings.RebalanceInterval);
        Timers.StartPeriodicTimer("persist", new Tick("persist"), _settings.PersistConsumerOffsetInterval);
        if (NeedsLock) Timers.StartPeriodicTimer("lock", new Tick("lock"), _settings.LockRenewInterval);
    }

    private void OnTick(Tick t)
    {
        if (_stopping) return;
        switch (t.Kind)
        {
            case "routes": FetchRoutes(); break;
            case "rebalance": StartRebalance(); break;
            case "persist": PersistOffsets(); break;
            case "lock": LockAll(); break;
        }
    }

    // ------------------------------------------------------------ routes and heartbeats

    private void FetchRoutes() => ConsumerRoutes.FetchAsync(_ctx, _subExpressions.Keys, _log, _warnedMissingTopics).PipeTo(Self);

    /// <summary>Looks routes and gateways up again now, at most every 3 s, instead of waiting for the heartbeat interval.</summary>
    private void RefreshRoutesSoon()
    {
        var now = Environment.TickCount64;
        if (now - _lastEarlyRouteFetch < 3000) return;
        _lastEarlyRouteFetch = now;
        FetchRoutes();
    }

    private void OnRoutes(ConsumerRoutes m)
    {
        if (_stopping) return;
        var first = _routes.Count == 0;
        var changed = !m.Routes.Keys.ToHashSet().SetEquals(_routes.Keys) || !m.Gateways.Keys.ToHashSet().SetEquals(_broker.Gateways.Keys);
        _routes = m.Routes;
        _broker.Gateways = m.Gateways;
        _pullChannels = m.PullChannels;
        foreach (var (broker, channel) in _pullChannels)
            if (!channel.Equals(m.Gateways.GetValueOrDefault(broker))) Context.Watch(channel);
        _broker.Heartbeat(_settings.MessageModel, _subscriptions);
        // A topic not created yet (or a retry topic the broker is creating now): look again soon.
        if (_subscriptions.Any(s => !m.Routes.ContainsKey(s.Topic)))
            Timers.StartSingleTimer("routes-again", new Tick("routes"), TimeSpan.FromSeconds(1));
        if (first || changed) StartRebalance();
    }

    // ------------------------------------------------------------ rebalance

    private void StartRebalance()
    {
        if (_stopping || _routes.Count == 0 || !_rebalancer.TryStart()) return;
        var gateways = _broker.Gateways;
        var group = _group;
        var timeout = _ctx.Settings.RequestTimeout;
        _rebalancer.AllocateAsync(_routes, gateways.ContainsKey, broker => gateways[broker].Ask<ConsumerList>(new GetConsumerList(broker, group), timeout))
            .PipeTo(Self, success: a => a.Owned != null ? new RebalanceComputed(a.Owned) : new RebalanceFailed(a.Failure!),
                failure: e => new RebalanceFailed(e.Message));
    }

    private void RebalanceFinished()
    {
        if (_rebalancer.Finish()) StartRebalance(); // asked for again while it ran
    }

    private void OnRebalanceComputed(RebalanceComputed m)
    {
        if (_stopping) return;
        var changes = Rebalancer.Changes(m.Allocation, _pqs.Keys);
        foreach (var mq in changes.Dropped) Drop(_pqs[mq]);
        if (changes.Added.Count > 0)
        {
            var added = new List<ProcessQueue>(changes.Added.Count);
            foreach (var mq in changes.Added) added.Add(_pqs[mq] = new ProcessQueue(mq, _subExpressions[mq.Topic]));
            _log.Info("Consumer {0} of group {1} now also owns {2}", _clientId, _group, string.Join(", ", changes.Added));
            // Orderly: the start offset is read only once the lock is ours, after the previous owner committed and unlocked.
            if (NeedsLock) _broker.Lock(added);
            else foreach (var pq in added) FetchStartOffset(pq);
        }
        RebalanceFinished();
    }

    /// <summary>The queue moved to another member: stop pulling, commit what was consumed, release its lock.</summary>
    private void Drop(ProcessQueue pq)
    {
        var mq = pq.Mq;
        pq.Dropped = true;
        _pqs.Remove(mq);
        _log.Info("Consumer {0} of group {1} gives up {2}", _clientId, _group, mq);
        if (pq.NextOffset >= 0) _offsetStore.UpdateOffset(mq, pq.OffsetToCommit, increaseOnly: true);
        var offset = _offsetStore.ReadOffset(mq);
        _offsetStore.RemoveOffset(mq);
        switch (Rebalancer.WhenDropped(offset, _settings.MessageModel, NeedsLock, pq.Consuming))
        {
            case DropAction.Unlock: _broker.Unlock(mq); break;
            case DropAction.Commit: _broker.TrySend(_broker.Commit(mq, offset)); break;
            case DropAction.CommitThenUnlock: _broker.CommitThenUnlock(mq, offset); break;
        }
    }

    private void FetchStartOffset(ProcessQueue pq)
    {
        if (pq.OffsetRequested) return;
        pq.OffsetRequested = true;
        var ts = _settings.ConsumeTimestamp > 0 ? _settings.ConsumeTimestamp : DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
        PullFromWhere.ComputeAsync(_offsetStore, _offsetQueries, pq.Mq, _settings.ConsumeFromWhere, ts)
            .PipeTo(Self, success: o => new StartOffset(pq, o), failure: e => new StartOffsetFailed(pq, e.Message));
    }

    private void OnStartOffset(StartOffset m)
    {
        var pq = m.Pq;
        if (pq.Dropped) return;
        pq.NextOffset = m.Offset;
        _offsetStore.UpdateOffset(pq.Mq, m.Offset, increaseOnly: false);
        Pull(pq);
    }

    // ------------------------------------------------------------ pulling

    private void Pull(ProcessQueue pq)
    {
        var hasChannel = _pullChannels.TryGetValue(pq.Mq.BrokerName, out var channel);
        var decision = _pullService.Decide(pq, _stopping, hasChannel);
        if (decision == PullDecision.Skip) return;
        if (decision != PullDecision.Send)
        {
            PullLater(pq, _pullService.DelayFor(decision));
            return;
        }
        var seq = pq.BeginPull();
        // Ask, not Tell: each answer is tied to its own request, so a late answer to an earlier pull
        // (timed out, or of a queue given up and owned again) can never move this queue's offset.
        channel!.Ask<PullResult>(_pullService.Request(pq), _pullService.PullTimeout(_ctx.Settings.RequestTimeout))
            .PipeTo(Self, success: r => new PullReply(pq, seq, r), failure: e => new PullFailed(pq, seq, e.Message));
    }

    private void PullLater(ProcessQueue pq, TimeSpan delay) => Timers.StartSingleTimer("pull:" + pq.Mq, new PullAgain(pq), delay);

    private bool IsCurrentPull(ProcessQueue pq, long seq) =>
        pq.IsCurrentPull(seq) && _pqs.TryGetValue(pq.Mq, out var current) && ReferenceEquals(current, pq);

    private void OnPullReply(PullReply reply)
    {
        var (pq, r) = (reply.Pq, reply.Result);
        if (!IsCurrentPull(pq, reply.Seq)) return;
        pq.PullInFlight = false;
        if (r.Code != ResponseCode.Success)
        {
            _log.Warning("Pull from {0} failed: {1}", pq.Mq, r.Error);
            if (r.Code is ResponseCode.SystemError or ResponseCode.TopicNotExist or ResponseCode.ServiceNotAvailable) RefreshRoutesSoon();
            PullLater(pq, _settings.PullTimeDelayWhenException);
            return;
        }
        _pullService.ProcessPullResult(pq, r);
        Pull(pq);
    }

    // ------------------------------------------------------------ orderly locks

    private void LockAll() => _broker.Lock(_pqs.Values.Where(p => !p.Dropped).ToList());

    private void OnLockReply(LockBatchMQReply m)
    {
        if (m.Code != ResponseCode.Success)
        {
            _log.Warning("Queue lock refused for {0}: {1}", _clientId, m.Error);
            return;
        }
        var ok = m.LockOKMQSet.ToHashSet();
        var now = Environment.TickCount64;
        foreach (var pq in _pqs.Values)
        {
            if (!ok.Contains(pq.Mq)) continue;
            var wasLocked = pq.MarkLocked(now);
            if (pq.NextOffset < 0) FetchStartOffset(pq);
            else if (!wasLocked) Pull(pq);
            _consumeService.OnLocked(pq);
        }
        // A queue another member still holds (it is finishing its current message) is asked for again shortly;
        // one whose lock was not renewed stops being consumed once lockMaxLiveTime passes (ProcessQueue.IsLockValid).
        if (_pqs.Values.Any(p => !p.Locked && !p.Dropped))
            Timers.StartSingleTimer("lock-again", new Tick("lock"), TimeSpan.FromSeconds(1));
    }

    // ------------------------------------------------------------ offsets and shutdown

    private void PersistOffsets()
    {
        try { _offsetStore.PersistAll(); }
        catch (IOException e) { _log.Warning("Could not write the offsets of {0}: {1}", _group, e.Message); }
    }

    private void OnShutdown()
    {
        if (_stopping) return;
        _stopping = true;
        Timers.CancelAll();
        foreach (var pq in _pqs.Values)
        {
            pq.Dropped = true;
            if (pq.NextOffset >= 0) _offsetStore.UpdateOffset(pq.Mq, pq.OffsetToCommit, increaseOnly: true);
        }
        var replyTo = Sender;
        // The gateways are not replaced any more once stopping (OnRoutes), so the shutdown task may read them.
        _broker.LeaveAsync(_offsetStore, _offsetStore.CloneOffsetTable(), _pqs.Keys.ToList(), NeedsLock, _log)
            .PipeTo(Self, success: () => new ShutdownDone(replyTo));
    }
}
