using Akka;
using Akka.Actor;
using Akka.Event;
using AkkaMq.Client.Consumer.Rebalance;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// The engine of a push consumer (RocketMQ's DefaultMQPushConsumerImpl + RebalanceImpl +
/// PullMessageService + ConsumeMessageService in one actor). It heartbeats to the brokers of its
/// topics, rebalances when the group changes (broker notice), every rebalanceInterval and at
/// start, keeps one <see cref="ProcessQueue"/> per owned queue, long-polls each queue, caches
/// what it pulled (pausing pulls while the cache is over pullThreshold*), hands messages to the
/// listener on the thread pool and commits the lowest unconsumed offset of each queue every
/// persistConsumerOffsetInterval, on rebalance and on shutdown. Never a gap: an offset moves past
/// a message only once the listener succeeded with it (or it went to the retry topic).
/// </summary>
internal sealed class PushConsumerActor : ReceiveActor, IWithTimers
{
    // ---- messages from the facade
    internal sealed record Shutdown : INoSerializationVerificationNeeded;
    internal sealed record Query : INoSerializationVerificationNeeded;
    internal sealed record Snapshot(string ClientId, IReadOnlyList<MessageQueue> Owned, IReadOnlyDictionary<MessageQueue, long> Offsets,
        int CachedMessages, long FlowControlTimes) : INoSerializationVerificationNeeded;

    // ---- internal
    private sealed record Tick(string Kind) : INoSerializationVerificationNeeded;
    private sealed record RoutesFetched(Dictionary<string, TopicRouteData> Routes, Dictionary<string, IActorRef> Gateways,
        Dictionary<string, IActorRef> PullChannels) : INoSerializationVerificationNeeded;
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

    internal sealed class ConsumeRequest
    {
        public required ProcessQueue Pq;
        public required IReadOnlyList<MessageExt> Msgs;
    }

    /// <summary>Client-side state of one owned queue.</summary>
    internal sealed class ProcessQueue
    {
        public required MessageQueue Mq;
        public required string SubExpression;
        public readonly SortedDictionary<long, MessageExt> Msgs = new();
        public long CachedBytes;
        public long NextOffset = -1;   // next offset to pull; -1 while the start offset is looked up
        public bool Dropped;
        public bool PullInFlight;
        public long PullSeq;
        // orderly
        public bool Locked;
        public long LockLastTime;
        public bool Consuming;
        public bool OffsetRequested;

        // Runs once per consumed batch: the dictionary's own enumerator, not LINQ's boxed one.
        public long OffsetToCommit
        {
            get
            {
                if (Msgs.Count == 0) return NextOffset;
                var e = Msgs.GetEnumerator();
                e.MoveNext();
                return e.Current.Key;
            }
        }
    }

    private const string NotRegistered = "this client is not in the broker's member list yet";

    /// <summary>RocketMQ's fixed pause before a failed batch is handed to the listener again locally.</summary>
    private static readonly TimeSpan LocalReconsumeDelay = TimeSpan.FromSeconds(5);

    private readonly ClientContext _ctx;
    private readonly string _group;
    private readonly string _clientId;
    private readonly PushConsumerSettings _settings;
    private readonly IReadOnlyList<SubscriptionData> _subscriptions;
    private readonly MessageListenerConcurrently? _concurrently;
    private readonly MessageListenerOrderly? _orderly;
    private readonly IAllocateMessageQueueStrategy _strategy;
    private readonly LocalFileOffsetStore? _localOffsets;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<MessageQueue, ProcessQueue> _pqs = new();
    private readonly Dictionary<MessageQueue, long> _offsets = new();          // last consumed-up-to offset per queue
    private readonly Dictionary<MessageQueue, long> _committed = new();        // last value sent to the broker
    private readonly Queue<ConsumeRequest> _consumeQueue = new();
    private Dictionary<string, TopicRouteData> _routes = new(StringComparer.Ordinal);
    private Dictionary<string, IActorRef> _gateways = new(StringComparer.Ordinal);
    // Where pulls go, per broker: the node's data channel, or its gateway when it has none.
    private Dictionary<string, IActorRef> _pullChannels = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _warnedMissingTopics = new(StringComparer.Ordinal);
    private int _running;
    private bool _rebalancing;
    private bool _rebalanceAgain;
    private bool _stopping;
    private long _flowControlTimes;

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
        _concurrently = concurrently;
        _orderly = orderly;
        _strategy = AllocateMessageQueueStrategies.ByName(settings.AllocateMessageQueueStrategy);
        if (settings.MessageModel == MessageModel.Broadcasting)
            _localOffsets = new LocalFileOffsetStore(settings.OffsetStoreDir, group, settings.InstanceName);

        Receive<Tick>(OnTick);
        Receive<RoutesFetched>(OnRoutes);
        Receive<Status.Failure>(f => _log.Warning("Consumer {0} of group {1}: {2}", _clientId, _group, f.Cause.Message));
        Receive<ConsumerIdsChanged>(_ => StartRebalance());
        Receive<ConsumerHeartbeatReply>(m =>
        {
            if (m.Code != ResponseCode.Success) _log.Error("Broker {0} refused heartbeat of {1}: {2}", m.BrokerName, _clientId, m.Error);
        });
        Receive<RebalanceComputed>(OnRebalanceComputed);
        Receive<RebalanceFailed>(m =>
        {
            if (m.Why == NotRegistered)
            {
                SendHeartbeats();
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
                if (NeedsLock && _gateways.TryGetValue(pq.Mq.BrokerName, out var gw))
                    gw.Tell(new UnlockBatchMQ(pq.Mq.BrokerName, _group, _clientId, new[] { pq.Mq }), Self);
            }
        });
        Receive<PullReply>(OnPullReply);
        Receive<PullAgain>(m => Pull(m.Pq));
        Receive<Terminated>(t =>
        {
            // A data channel closed: pull through the gateway until the routes bring a new one.
            foreach (var (broker, channel) in _pullChannels.ToList())
                if (channel.Equals(t.ActorRef) && _gateways.TryGetValue(broker, out var gateway)) _pullChannels[broker] = gateway;
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
        Receive<ConsumeDone>(OnConsumeDone);
        Receive<ConsumeAgain>(m =>
        {
            if (m.Request.Pq.Dropped) return;
            if (Orderly) TryConsumeOrderly(m.Request.Pq);
            else Enqueue(m.Request);
        });
        Receive<SendBackDone>(OnSendBackDone);
        Receive<CommitConsumerOffsetsReply>(m =>
        {
            if (m.Code == ResponseCode.Success) return;
            _log.Warning("Offset commit of {0} on {1} failed: {2}", _group, m.Topic, m.Error);
            // Send those offsets again with the next persist.
            foreach (var mq in _committed.Keys.Where(q => q.Topic == m.Topic).ToList()) _committed.Remove(mq);
        });
        Receive<LockBatchMQReply>(OnLockReply);
        Receive<Query>(_ => Sender.Tell(new Snapshot(_clientId,
            _pqs.Values.Where(p => !p.Dropped && p.NextOffset >= 0).Select(p => p.Mq).OrderBy(q => q, Comparer<MessageQueue>.Create(AllocateMessageQueueStrategies.Compare)).ToList(),
            new Dictionary<MessageQueue, long>(_offsets), _pqs.Values.Sum(p => p.Msgs.Count), _flowControlTimes)));
        Receive<Shutdown>(_ => OnShutdown());
        Receive<ShutdownDone>(m =>
        {
            m.ReplyTo.Tell(Done.Instance);
            Context.Stop(Self);
        });
    }

    private bool Orderly => _orderly != null;

    /// <summary>Orderly clustering consumers lock queues at the broker; a broadcasting member reads every queue anyway.</summary>
    private bool NeedsLock => Orderly && _settings.MessageModel == MessageModel.Clustering;

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

    private void FetchRoutes()
    {
        var ctx = _ctx;
        var topics = _subscriptions.Select(s => s.Topic).ToList();
        var log = _log;
        var warned = _warnedMissingTopics;
        async Task<object> Run()
        {
            var routes = new Dictionary<string, TopicRouteData>(StringComparer.Ordinal);
            var gateways = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
            var pullChannels = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
            foreach (var topic in topics)
            {
                TopicRouteData route;
                try
                {
                    route = await ctx.FetchRouteAsync(topic);
                }
                catch (AkkaMqException e)
                {
                    // A topic that does not exist yet is looked up again shortly (OnRoutes); said once, not every second.
                    if (!topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal) && warned.TryAdd(topic, 0))
                        log.Warning("Consumer subscribed to {0}: {1}", topic, e.Message);
                    continue;
                }
                routes[topic] = route;
                warned.TryRemove(topic, out _);
                foreach (var b in route.BrokerDatas)
                {
                    if (gateways.ContainsKey(b.BrokerName) || b.SelectAddress() is not { } address) continue;
                    try
                    {
                        gateways[b.BrokerName] = await ctx.GatewayAsync(address);
                        pullChannels[b.BrokerName] = await ctx.PullChannelAsync(address);
                    }
                    catch (AkkaMqException) { }
                }
            }
            return new RoutesFetched(routes, gateways, pullChannels);
        }
        Run().PipeTo(Self);
    }

    private long _lastEarlyRouteFetch;

    /// <summary>Looks routes and gateways up again now, at most every 3 s, instead of waiting for the heartbeat interval.</summary>
    private void RefreshRoutesSoon()
    {
        var now = Environment.TickCount64;
        if (now - _lastEarlyRouteFetch < 3000) return;
        _lastEarlyRouteFetch = now;
        FetchRoutes();
    }

    private void OnRoutes(RoutesFetched m)
    {
        if (_stopping) return;
        var first = _routes.Count == 0;
        var changed = !m.Routes.Keys.ToHashSet().SetEquals(_routes.Keys) || !m.Gateways.Keys.ToHashSet().SetEquals(_gateways.Keys);
        _routes = m.Routes;
        _gateways = m.Gateways;
        _pullChannels = m.PullChannels;
        foreach (var (broker, channel) in _pullChannels)
            if (!channel.Equals(_gateways.GetValueOrDefault(broker))) Context.Watch(channel);
        SendHeartbeats();
        // A topic not created yet (or a retry topic the broker is creating now): look again soon.
        if (_subscriptions.Any(s => !m.Routes.ContainsKey(s.Topic)))
            Timers.StartSingleTimer("routes-again", new Tick("routes"), TimeSpan.FromSeconds(1));
        if (first || changed) StartRebalance();
    }

    private void SendHeartbeats()
    {
        foreach (var (broker, gw) in _gateways)
            gw.Tell(new ConsumerHeartbeat(broker, _group, _clientId, _settings.MessageModel, _subscriptions), Self);
    }

    // ------------------------------------------------------------ rebalance

    private static List<MessageQueue> ReadableQueues(string topic, TopicRouteData route)
    {
        var list = new List<MessageQueue>();
        foreach (var q in route.QueueDatas)
        {
            if (!Perm.IsReadable(q.Perm)) continue;
            for (var i = 0; i < q.ReadQueueNums; i++) list.Add(new MessageQueue(topic, q.BrokerName, i));
        }
        list.Sort(AllocateMessageQueueStrategies.Compare);
        return list;
    }

    private void StartRebalance()
    {
        if (_stopping || _routes.Count == 0) return;
        if (_rebalancing)
        {
            _rebalanceAgain = true;
            return;
        }
        _rebalancing = true;
        var routes = _routes;
        var gateways = _gateways;
        var timeout = _ctx.Settings.RequestTimeout;
        var group = _group;
        var clientId = _clientId;
        var strategy = _strategy;
        var broadcasting = _settings.MessageModel == MessageModel.Broadcasting;
        async Task<object> Run()
        {
            var allocation = new Dictionary<string, List<MessageQueue>>(StringComparer.Ordinal);
            foreach (var (topic, route) in routes)
            {
                var mqAll = ReadableQueues(topic, route);
                if (broadcasting)
                {
                    allocation[topic] = mqAll;
                    continue;
                }
                // Any broker of the topic knows the whole group: every member heartbeats to all of them.
                var broker = route.BrokerDatas.Select(b => b.BrokerName).Where(gateways.ContainsKey).OrderBy(b => b, StringComparer.Ordinal).FirstOrDefault();
                if (broker == null) return new RebalanceFailed($"no reachable broker for topic '{topic}'");
                var list = await gateways[broker].Ask<ConsumerList>(new GetConsumerList(broker, group), timeout);
                if (list.Code != ResponseCode.Success) return new RebalanceFailed(list.Error ?? "consumer list refused");
                var cidAll = list.ClientIds.OrderBy(c => c, StringComparer.Ordinal).ToList();
                // Not (yet, or no longer: the group's shard moved) registered there: keep what we own
                // and heartbeat again, rather than give everything up on a transient view.
                if (!cidAll.Contains(clientId)) return new RebalanceFailed(NotRegistered);
                allocation[topic] = strategy.Allocate(group, clientId, mqAll, cidAll).ToList();
            }
            return new RebalanceComputed(allocation);
        }
        Run().PipeTo(Self, failure: e => new RebalanceFailed(e.Message));
    }

    private void RebalanceFinished()
    {
        _rebalancing = false;
        if (_rebalanceAgain)
        {
            _rebalanceAgain = false;
            StartRebalance();
        }
    }

    private void OnRebalanceComputed(RebalanceComputed m)
    {
        if (_stopping) return;
        var added = new List<ProcessQueue>();
        foreach (var (topic, owned) in m.Allocation)
        {
            var set = owned.ToHashSet();
            foreach (var pq in _pqs.Values.Where(p => p.Mq.Topic == topic && !set.Contains(p.Mq)).ToList()) Drop(pq);
            var sub = _subscriptions.First(s => s.Topic == topic);
            foreach (var mq in owned)
            {
                if (_pqs.ContainsKey(mq)) continue;
                var pq = new ProcessQueue { Mq = mq, SubExpression = sub.SubExpression };
                _pqs[mq] = pq;
                added.Add(pq);
            }
        }
        if (added.Count > 0)
        {
            _log.Info("Consumer {0} of group {1} now also owns {2}", _clientId, _group, string.Join(", ", added.Select(p => p.Mq)));
            // Orderly: the start offset is read only once the lock is ours, after the previous owner committed and unlocked.
            if (NeedsLock) Lock(added);
            else foreach (var pq in added) FetchStartOffset(pq);
        }
        RebalanceFinished();
    }

    /// <summary>The queue moved to another member: stop pulling, commit what was consumed, release its lock.</summary>
    private void Drop(ProcessQueue pq)
    {
        pq.Dropped = true;
        _pqs.Remove(pq.Mq);
        _log.Info("Consumer {0} of group {1} gives up {2}", _clientId, _group, pq.Mq);
        if (pq.NextOffset >= 0) _offsets[pq.Mq] = Math.Max(_offsets.GetValueOrDefault(pq.Mq, -1), pq.OffsetToCommit);
        var offset = _offsets.GetValueOrDefault(pq.Mq, -1);
        _offsets.Remove(pq.Mq);
        _committed.Remove(pq.Mq);
        if (!_gateways.TryGetValue(pq.Mq.BrokerName, out var gw)) return;
        if (offset < 0 || _settings.MessageModel == MessageModel.Broadcasting)
        {
            // Nothing consumed here yet: only the lock (which may already be ours) has to go.
            if (NeedsLock) gw.Tell(new UnlockBatchMQ(pq.Mq.BrokerName, _group, _clientId, new[] { pq.Mq }), Self);
            return;
        }
        var commit = new CommitConsumerOffsets(pq.Mq.BrokerName, _group, pq.Mq.Topic, new Dictionary<int, long> { [pq.Mq.QueueId] = offset });
        if (!NeedsLock || pq.Consuming)
        {
            gw.Tell(commit, Self);
            // An orderly queue still being consumed is unlocked when that call ends (OnConsumeDone).
            return;
        }
        CommitThenUnlock(gw, commit, pq.Mq);
    }

    private void CommitThenUnlock(IActorRef gw, CommitConsumerOffsets commit, MessageQueue mq)
    {
        // Commit before unlocking, so the next owner, who can only start after the lock is free, reads this offset.
        var unlock = new UnlockBatchMQ(mq.BrokerName, _group, _clientId, new[] { mq });
        var timeout = _ctx.Settings.RequestTimeout;
        var self = Self;
        async Task Run()
        {
            // Whatever the commit's fate, the lock must go, or the next owner waits out its expiry.
            try { await gw.Ask<CommitConsumerOffsetsReply>(commit, timeout); }
            catch (Exception) { }
            gw.Tell(unlock, self);
        }
        _ = Run();
    }

    private void FetchStartOffset(ProcessQueue pq)
    {
        if (pq.OffsetRequested) return;
        pq.OffsetRequested = true;
        var mq = pq.Mq;
        var consumer = new AkkaMqPullConsumer(_ctx, _group);
        var where = _settings.ConsumeFromWhere;
        var ts = _settings.ConsumeTimestamp > 0 ? _settings.ConsumeTimestamp : DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
        var local = _localOffsets;
        async Task<object> Run()
        {
            long committed;
            if (local != null) committed = local.Read(local.Load(), mq);
            else committed = await consumer.FetchConsumeOffsetAsync(mq);
            if (committed >= 0) return new StartOffset(pq, committed);
            // A retry topic holds only this group's own failures: read it from its start, whatever consumeFromWhere says.
            if (mq.Topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal)) return new StartOffset(pq, await consumer.MinOffsetAsync(mq));
            var offset = where switch
            {
                ConsumeFromWhere.ConsumeFromFirstOffset => await consumer.MinOffsetAsync(mq),
                ConsumeFromWhere.ConsumeFromTimestamp => await consumer.SearchOffsetAsync(mq, ts),
                _ => await consumer.MaxOffsetAsync(mq),
            };
            return new StartOffset(pq, offset);
        }
        Run().PipeTo(Self, failure: e => new StartOffsetFailed(pq, e.Message));
    }

    private void OnStartOffset(StartOffset m)
    {
        var pq = m.Pq;
        if (pq.Dropped) return;
        pq.NextOffset = m.Offset;
        _offsets[pq.Mq] = m.Offset;
        Pull(pq);
    }

    // ------------------------------------------------------------ pulling

    private void Pull(ProcessQueue pq)
    {
        if (_stopping || pq.Dropped || pq.PullInFlight || pq.NextOffset < 0) return;
        if (pq.Msgs.Count >= _settings.PullThresholdForQueue || pq.CachedBytes >= _settings.PullThresholdSizeForQueue)
        {
            // Flow control: the listener is behind; look again shortly instead of caching more.
            _flowControlTimes++;
            PullLater(pq, _settings.PullTimeDelayWhenFlowControl);
            return;
        }
        if (NeedsLock && !pq.Locked)
        {
            PullLater(pq, _settings.PullTimeDelayWhenException);
            return;
        }
        if (!_pullChannels.TryGetValue(pq.Mq.BrokerName, out var gw))
        {
            PullLater(pq, _settings.PullTimeDelayWhenException);
            return;
        }
        pq.PullInFlight = true;
        var seq = ++pq.PullSeq;
        var suspend = (long)_settings.BrokerSuspendMaxTime.TotalMilliseconds;
        // Ask, not Tell: each answer is tied to its own request, so a late answer to an earlier pull
        // (timed out, or of a queue given up and owned again) can never move this queue's offset.
        gw.Ask<PullResult>(new PullMessage(pq.Mq.BrokerName, _group, pq.Mq.Topic, pq.Mq.QueueId, pq.NextOffset, _settings.PullBatchSize,
                pq.SubExpression, suspend), _settings.BrokerSuspendMaxTime + _ctx.Settings.RequestTimeout)
            .PipeTo(Self, success: r => new PullReply(pq, seq, r), failure: e => new PullFailed(pq, seq, e.Message));
    }

    private void PullLater(ProcessQueue pq, TimeSpan delay) => Timers.StartSingleTimer("pull:" + pq.Mq, new PullAgain(pq), delay);

    private bool IsCurrentPull(ProcessQueue pq, long seq) =>
        !pq.Dropped && pq.PullInFlight && pq.PullSeq == seq && _pqs.TryGetValue(pq.Mq, out var current) && ReferenceEquals(current, pq);

    private void OnPullReply(PullReply reply)
    {
        var (pq, r) = (reply.Pq, reply.Result);
        var mq = pq.Mq;
        if (!IsCurrentPull(pq, reply.Seq)) return;
        pq.PullInFlight = false;
        if (r.Code != ResponseCode.Success)
        {
            _log.Warning("Pull from {0} failed: {1}", mq, r.Error);
            if (r.Code is ResponseCode.SystemError or ResponseCode.TopicNotExist or ResponseCode.ServiceNotAvailable) RefreshRoutesSoon();
            PullLater(pq, _settings.PullTimeDelayWhenException);
            return;
        }
        switch (r.Status)
        {
            case PullStatus.Found:
                var fresh = new List<MessageExt>(r.Messages.Count);
                foreach (var msg in r.Messages)
                {
                    // A retried pull may overlap one that answered late: never cache an offset twice.
                    if (msg.QueueOffset < pq.NextOffset || pq.Msgs.ContainsKey(msg.QueueOffset)) continue;
                    pq.Msgs[msg.QueueOffset] = msg;
                    pq.CachedBytes += msg.Body.Length;
                    fresh.Add(msg);
                }
                pq.NextOffset = Math.Max(pq.NextOffset, r.NextBeginOffset);
                if (Orderly) TryConsumeOrderly(pq);
                else
                    for (var i = 0; i < fresh.Count; i += _settings.ConsumeMessageBatchMaxSize)
                        Enqueue(new ConsumeRequest { Pq = pq, Msgs = fresh.GetRange(i, Math.Min(_settings.ConsumeMessageBatchMaxSize, fresh.Count - i)) });
                break;
            case PullStatus.NoNewMsg:
            case PullStatus.NoMatchedMsg:
            case PullStatus.OffsetIllegal:
                // Filtered-out or missing offsets need no consuming: the committed offset may move past them.
                pq.NextOffset = r.NextBeginOffset;
                if (pq.Msgs.Count == 0) AdvanceOffset(pq);
                break;
        }
        Pull(pq);
    }

    private void AdvanceOffset(ProcessQueue pq)
    {
        var o = pq.OffsetToCommit;
        if (o < 0) return;
        // RocketMQ's increaseOnly: an older answer never moves a committed position back.
        if (!_offsets.TryGetValue(pq.Mq, out var cur) || o > cur) _offsets[pq.Mq] = o;
    }

    // ------------------------------------------------------------ concurrent consumption

    private void Enqueue(ConsumeRequest request)
    {
        _consumeQueue.Enqueue(request);
        Dispatch();
    }

    private void Dispatch()
    {
        while (_running < _settings.ConsumeThreadMax && _consumeQueue.Count > 0)
        {
            var request = _consumeQueue.Dequeue();
            if (request.Pq.Dropped) continue;
            _running++;
            var listener = _concurrently!;
            var timeout = _settings.ConsumeTimeout;
            var msgs = ForListener(request.Msgs);
            RunListener(() => listener(msgs, new ConsumeConcurrentlyContext(request.Pq.Mq)), s => s == ConsumeConcurrentlyStatus.ConsumeSuccess, timeout)
                .PipeTo(Self, success: ok => new ConsumeDone(request, ok));
        }
    }

    /// <summary>A retried message is shown under the topic it was sent to (RocketMQ's resetRetryTopic).</summary>
    private static IReadOnlyList<MessageExt> ForListener(IReadOnlyList<MessageExt> msgs)
    {
        List<MessageExt>? copy = null;
        for (var i = 0; i < msgs.Count; i++)
            if (msgs[i].Properties.TryGetValue(MessageConst.RetryTopic, out var original) && msgs[i].Topic != original)
            {
                copy ??= msgs.ToList();
                copy[i] = msgs[i] with { Topic = original };
            }
        return copy ?? msgs;
    }

    /// <summary>Runs a listener call on the thread pool; a throw or a timeout is a failure.</summary>
    private static async Task<bool> RunListener<T>(Func<Task<T>> call, Func<T, bool> isSuccess, TimeSpan timeout)
    {
        try
        {
            // WaitAsync drops its timer when the call ends; a Task.Delay per message would live for the whole timeout.
            return isSuccess(await Task.Run(call).WaitAsync(timeout));
        }
        catch (Exception)
        {
            return false;
        }
    }

    private void OnConsumeDone(ConsumeDone m)
    {
        var pq = m.Request.Pq;
        if (Orderly)
        {
            OnOrderlyDone(m);
            return;
        }
        _running--;
        if (!pq.Dropped)
        {
            if (m.Success) Remove(pq, m.Request.Msgs);
            else SendBack(m.Request);
        }
        Dispatch();
    }

    private void Remove(ProcessQueue pq, IReadOnlyList<MessageExt> msgs)
    {
        foreach (var msg in msgs)
            if (pq.Msgs.Remove(msg.QueueOffset)) pq.CachedBytes -= msg.Body.Length;
        AdvanceOffset(pq);
    }

    /// <summary>
    /// RECONSUME_LATER (clustering): each message goes back to the broker, which stores it in the
    /// retry topic with the next delay (or the DLQ); once that copy is durable the original may be
    /// passed. What the broker did not take stays cached and is handed to the listener again here
    /// after a pause (and broadcasting, which has no retry topic, always retries locally).
    /// </summary>
    private void SendBack(ConsumeRequest request, int delayLevel = 0)
    {
        if (_settings.MessageModel == MessageModel.Broadcasting || !_gateways.TryGetValue(request.Pq.Mq.BrokerName, out var gw))
        {
            Timers.StartSingleTimer(request, new ConsumeAgain(request), LocalReconsumeDelay);
            return;
        }
        var group = _group;
        var max = _settings.MaxReconsumeTimes;
        var timeout = _ctx.Settings.RequestTimeout;
        async Task<object> Run()
        {
            var failed = new List<MessageExt>();
            foreach (var msg in request.Msgs)
            {
                try
                {
                    var acks = await gw.Ask<SendAcks>(new ConsumerSendMsgBack(msg.BrokerName, group, msg.QueueOffset, msg, delayLevel, max), timeout);
                    if (acks.Acks.Count == 0 || acks.Acks[0].Code != ResponseCode.Success) failed.Add(msg);
                }
                catch (Exception)
                {
                    // Any failure (timeout or a failure reply) leaves the message to be consumed again here.
                    failed.Add(msg);
                }
            }
            return new SendBackDone(request, failed);
        }
        Run().PipeTo(Self);
    }

    private void OnSendBackDone(SendBackDone m)
    {
        var pq = m.Request.Pq;
        if (pq.Dropped) return;
        var failed = m.Failed.Select(x => x.QueueOffset).ToHashSet();
        Remove(pq, m.Request.Msgs.Where(x => !failed.Contains(x.QueueOffset)).ToList());
        if (m.Failed.Count > 0)
            Timers.StartSingleTimer(m.Request, new ConsumeAgain(new ConsumeRequest { Pq = pq, Msgs = m.Failed }), LocalReconsumeDelay);
    }

    // ------------------------------------------------------------ orderly consumption

    private void Lock(IEnumerable<ProcessQueue> pqs)
    {
        foreach (var byBroker in pqs.GroupBy(p => p.Mq.BrokerName))
            if (_gateways.TryGetValue(byBroker.Key, out var gw))
                gw.Tell(new LockBatchMQ(byBroker.Key, _group, _clientId, byBroker.Select(p => p.Mq).ToList()), Self);
    }

    private void LockAll() => Lock(_pqs.Values.Where(p => !p.Dropped).ToList());

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
            var wasLocked = pq.Locked;
            pq.Locked = true;
            pq.LockLastTime = now;
            if (pq.NextOffset < 0) FetchStartOffset(pq);
            else if (!wasLocked) Pull(pq);
            TryConsumeOrderly(pq);
        }
        // A queue another member still holds (it is finishing its current message) is asked for again shortly;
        // one whose lock was not renewed stops being consumed once lockMaxLiveTime passes (LockValid).
        if (_pqs.Values.Any(p => !p.Locked && !p.Dropped))
            Timers.StartSingleTimer("lock-again", new Tick("lock"), TimeSpan.FromSeconds(1));
    }

    private bool LockValid(ProcessQueue pq) => pq.Locked && Environment.TickCount64 - pq.LockLastTime < _settings.LockMaxLiveTime.TotalMilliseconds;

    private void TryConsumeOrderly(ProcessQueue pq)
    {
        if (_stopping || pq.Dropped || pq.Consuming || pq.Msgs.Count == 0) return;
        if (NeedsLock && !LockValid(pq))
        {
            if (pq.Locked) { pq.Locked = false; Lock(new[] { pq }); }
            return;
        }
        var batch = pq.Msgs.Values.Take(_settings.ConsumeMessageBatchMaxSize).ToList();
        pq.Consuming = true;
        var listener = _orderly!;
        var forListener = ForListener(batch);
        RunListener(() => listener(forListener, new ConsumeOrderlyContext(pq.Mq)), s => s == ConsumeOrderlyStatus.Success, _settings.ConsumeTimeout)
            .PipeTo(Self, success: ok => new ConsumeDone(new ConsumeRequest { Pq = pq, Msgs = batch }, ok));
    }

    private void OnOrderlyDone(ConsumeDone m)
    {
        var pq = m.Request.Pq;
        pq.Consuming = false;
        if (pq.Dropped)
        {
            // Given up during the call: count it if it succeeded, then commit and free the lock for the next owner.
            // Not through Remove: AdvanceOffset would put the queue back into the offsets this client
            // commits periodically, over the new owner's.
            if (m.Success)
                foreach (var msg in m.Request.Msgs)
                    if (pq.Msgs.Remove(msg.QueueOffset)) pq.CachedBytes -= msg.Body.Length;
            if (_gateways.TryGetValue(pq.Mq.BrokerName, out var gw) && _settings.MessageModel == MessageModel.Clustering)
                CommitThenUnlock(gw, new CommitConsumerOffsets(pq.Mq.BrokerName, _group, pq.Mq.Topic,
                    new Dictionary<int, long> { [pq.Mq.QueueId] = pq.OffsetToCommit }), pq.Mq);
            return;
        }
        if (m.Success)
        {
            Remove(pq, m.Request.Msgs);
            TryConsumeOrderly(pq);
        }
        else
        {
            // SUSPEND_CURRENT_QUEUE_A_MOMENT: the same messages again after a pause, nothing after them meanwhile.
            Timers.StartSingleTimer("suspend:" + pq.Mq, new ConsumeAgain(m.Request), _settings.SuspendCurrentQueueTime);
        }
    }

    // ------------------------------------------------------------ offsets and shutdown

    private void PersistOffsets()
    {
        var changed = _offsets.Where(kv => !_committed.TryGetValue(kv.Key, out var c) || c != kv.Value).ToList();
        if (changed.Count == 0) return;
        if (_localOffsets != null)
        {
            try
            {
                _localOffsets.Persist(changed);
                foreach (var (mq, o) in changed) _committed[mq] = o;
            }
            catch (IOException e)
            {
                _log.Warning("Could not write {0}: {1}", _localOffsets.FilePath, e.Message);
            }
            return;
        }
        foreach (var g in changed.GroupBy(kv => (kv.Key.BrokerName, kv.Key.Topic)))
        {
            if (!_gateways.TryGetValue(g.Key.BrokerName, out var gw)) continue;
            gw.Tell(new CommitConsumerOffsets(g.Key.BrokerName, _group, g.Key.Topic, g.ToDictionary(kv => kv.Key.QueueId, kv => kv.Value)), Self);
            foreach (var (mq, o) in g) _committed[mq] = o;
        }
    }

    private void OnShutdown()
    {
        if (_stopping) return;
        _stopping = true;
        Timers.CancelAll();
        var replyTo = Sender;
        foreach (var pq in _pqs.Values)
        {
            pq.Dropped = true;
            if (pq.NextOffset >= 0) _offsets[pq.Mq] = Math.Max(_offsets.GetValueOrDefault(pq.Mq, -1), pq.OffsetToCommit);
        }
        var offsets = new Dictionary<MessageQueue, long>(_offsets);
        var owned = _pqs.Keys.ToList();
        var gateways = _gateways;
        var local = _localOffsets;
        var group = _group;
        var clientId = _clientId;
        var timeout = _ctx.Settings.RequestTimeout;
        var orderly = NeedsLock;
        var self = Self;
        var log = _log;
        async Task<object> Run()
        {
            try
            {
                if (local != null) local.Persist(offsets);
                else
                    await Task.WhenAll(offsets.GroupBy(kv => (kv.Key.BrokerName, kv.Key.Topic))
                        .Where(g => gateways.ContainsKey(g.Key.BrokerName))
                        .Select(g => gateways[g.Key.BrokerName].Ask<CommitConsumerOffsetsReply>(
                            new CommitConsumerOffsets(g.Key.BrokerName, group, g.Key.Topic, g.ToDictionary(kv => kv.Key.QueueId, kv => kv.Value)), timeout)));
            }
            catch (Exception e)
            {
                log.Warning("Final offset commit of {0} failed: {1}", clientId, e.Message);
            }
            foreach (var (broker, gw) in gateways)
            {
                if (orderly) gw.Tell(new UnlockBatchMQ(broker, group, clientId, owned.Where(q => q.BrokerName == broker).ToList()), self);
                gw.Tell(new UnregisterConsumer(broker, group, clientId), self);
            }
            return new ShutdownDone(replyTo);
        }
        Run().PipeTo(Self);
    }
}
