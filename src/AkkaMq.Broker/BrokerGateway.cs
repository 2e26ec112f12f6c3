using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Broker.Stats;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker;

/// <summary>
/// The client entry point of a broker node (/user/broker). Checks every request (names, message
/// limits, topic existence, queue ids, permissions) so bad input is refused with a clear error
/// before anything is stored, splits send batches per queue and forwards to the broker region
/// keeping the producer as sender, so acks go straight back. Registers the node with the
/// NameServer at start, on request and every registerNameServerPeriod.
/// </summary>
public sealed class BrokerGateway : ReceiveActor, IWithTimers, IWithStash
{
    public const string Name = "broker";

    private sealed class Heartbeat : INoSerializationVerificationNeeded
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed class LoadTopics : INoSerializationVerificationNeeded
    {
        public static readonly LoadTopics Instance = new();
    }

    private readonly BrokerSettings _settings;
    private readonly IActorRef _region;
    private readonly IActorRef _nameServer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, TopicConfig> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _topicUpdateRequesters = new(StringComparer.Ordinal);
    private readonly List<(object Message, IActorRef Sender)> _awaitingTopics = new();
    private readonly List<(object Message, IActorRef Sender, DateTime At)> _heldForFailover = new();
    // This group's members and which nodes are unreachable, from cluster events.
    private readonly Dictionary<Address, Member> _groupMembers = new();
    private readonly HashSet<Address> _unreachable = new();
    private bool _servingNodeUnreachable;
    // After the serving node is back or gone: hold until the group's shard answers again, since the
    // region may still route to the removed node for a moment.
    private bool _awaitingShard;
    private bool HoldingForFailover => _servingNodeUnreachable || _awaitingShard;
    private readonly Dictionary<string, List<IActorRef>> _topicDeleteRequesters = new(StringComparer.Ordinal);
    private readonly BrokerStats _stats;
    // Port of the node's data channel; 0 when it has none.
    private readonly int _dataChannelPort;
    // Put/get totals sampled every second; TPS is taken over the last TpsWindow samples (brokerStatus, clusterList).
    private readonly Queue<(long At, long Put, long Get)> _tpsSamples = new();
    private const int TpsWindow = 10;
    private bool _registered;
    private DateTime? _registrationSentAt; // the oldest registration the NameServer has not answered
    private DateTime _lastTopicRefresh = DateTime.MinValue;

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    /// <param name="dataChannelPort">Port of the node's data channel (BrokerBootstrap binds it), 0 for none.</param>
    public static Props Props(BrokerSettings settings, IActorRef region, IActorRef nameServer, int dataChannelPort = 0) =>
        Akka.Actor.Props.Create(() => new BrokerGateway(settings, region, nameServer, dataChannelPort));

    public BrokerGateway(BrokerSettings settings, IActorRef region, IActorRef nameServer, int dataChannelPort)
    {
        _dataChannelPort = dataChannelPort;
        _settings = settings;
        _region = region;
        _nameServer = nameServer;
        _stats = BrokerStatsExtension.For(Context.System);
        _stats.SetBrokerName(settings.BrokerName);
        Loading();
    }

    private string BrokerName => _settings.BrokerName;

    private BrokerIdentity Identity
    {
        get
        {
            var a = Cluster.Get(Context.System).SelfAddress;
            return _settings.Identity($"{a.Host}:{a.Port}");
        }
    }

    private sealed class ExpireHeld : INoSerializationVerificationNeeded
    {
        public static readonly ExpireHeld Instance = new();
    }

    protected override void PreStart()
    {
        if (_settings.FailoverHoldTimeout > TimeSpan.Zero)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Self.Tell(LoadTopics.Instance);
        Timers.StartPeriodicTimer("load", LoadTopics.Instance, TimeSpan.FromSeconds(2));
        Timers.StartPeriodicTimer("tps", SampleTps.Instance, TimeSpan.FromSeconds(1));
        OnSampleTps();
    }

    private sealed class SampleTps : INoSerializationVerificationNeeded
    {
        public static readonly SampleTps Instance = new();
    }

    private void OnSampleTps()
    {
        _tpsSamples.Enqueue((Environment.TickCount64, _stats.MsgPutTotal, _stats.MsgGetTotal));
        while (_tpsSamples.Count > TpsWindow + 1) _tpsSamples.Dequeue();
    }

    private BrokerRuntimeInfo RuntimeInfo()
    {
        var (at, put, get) = _tpsSamples.Peek();
        var seconds = Math.Max(1, Environment.TickCount64 - at) / 1000.0;
        long putTotal = _stats.MsgPutTotal, getTotal = _stats.MsgGetTotal;
        var extra = new Dictionary<string, string>
        {
            ["brokerRole"] = _settings.BrokerId == 0 ? "ASYNC_MASTER" : "SLAVE",
            ["flushDiskType"] = _settings.FlushDiskType == FlushDiskType.SyncFlush ? "SYNC_FLUSH" : "ASYNC_FLUSH",
            ["autoCreateTopicEnable"] = _settings.AutoCreateTopicEnable ? "true" : "false",
            ["registered"] = _registered ? "true" : "false",
        };
        return new BrokerRuntimeInfo(Identity, _stats.BootTimestamp, putTotal, getTotal, (putTotal - put) / seconds, (getTotal - get) / seconds,
            _topics.Count, extra, ResponseCode.Success, null);
    }

    // The topic table lives in the group's shard; until it answers, requests wait.
    private void Loading()
    {
        Receive<LoadTopics>(_ => _region.Tell(new GetTopicConfigs(BrokerName)));
        Receive<TopicConfigs>(m =>
        {
            ReplaceTopics(m);
            Timers.Cancel("load");
            _log.Info("Broker {0} serving with {1} topics; registering with the NameServer", Identity, _topics.Count);
            Register();
            Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, _settings.RegisterNameServerPeriod);
            Become(Serving);
            Stash.UnstashAll();
            WakeSchedule();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serving()
    {
        Receive<GetDataChannel>(_ => Sender.Tell(new DataChannelAddress(BrokerName, _settings.BrokerIP1, _dataChannelPort)));
        Receive<ClusterEvent.CurrentClusterState>(OnClusterState);
        Receive<ClusterEvent.IMemberEvent>(OnMemberEvent);
        Receive<ClusterEvent.IReachabilityEvent>(OnReachabilityEvent);
        Receive<ExpireHeld>(_ => ExpireHeldRequests());
        Receive<IAkkaMqMessage>(m => HoldingForFailover && IsClientRequest(m), HoldForFailover);
        Receive<ProbeShard>(_ => _region.Tell(new GetTopicConfigs(BrokerName)));
        Receive<SendMessages>(OnSend);
        Receive<PullMessage>(m => Forward(m, m.BrokerName, m.Topic, m.QueueId, read: true, group: m.ConsumerGroup,
            fail: e => PullResult.Failed(m, e.Code, e.Error)));
        Receive<QueryQueueOffset>(m => Forward(m, m.BrokerName, m.Topic, m.QueueId, read: true, group: null,
            fail: e => new QueueOffsetReply(m.Topic, m.QueueId, -1, -1, -1, -1, e.Code, e.Error)));
        Receive<CommitConsumerOffsets>(m =>
        {
            var queue = m.Offsets.Count == 0 ? 0 : m.Offsets.Keys.Max();
            Forward(m, m.BrokerName, m.Topic, queue, read: true, group: m.ConsumerGroup,
                fail: e => new CommitConsumerOffsetsReply(m.ConsumerGroup, m.Topic, e.Code, e.Error));
        });
        Receive<QueryConsumerOffset>(m => Forward(m, m.BrokerName, m.Topic, m.QueueId, read: true, group: m.ConsumerGroup,
            fail: e => new ConsumerOffsetReply(m.ConsumerGroup, m.Topic, m.QueueId, -1, e.Code, e.Error)));
        Receive<ConsumerHeartbeat>(m =>
        {
            // As RocketMQ's heartbeat does: a clustering group gets its retry topic before its first failure.
            if (m.MessageModel == MessageModel.Clustering && m.BrokerName == BrokerName && Validators.CheckGroup(m.ConsumerGroup) == null
                && Validators.CheckTopic(MessageConst.GetRetryTopic(m.ConsumerGroup)) == null)
                EnsureGroupTopic(MessageConst.GetRetryTopic(m.ConsumerGroup));
            ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, null,
            e => new ConsumerHeartbeatReply(m.BrokerName, m.ConsumerGroup, m.ClientId, e.Code, e.Error));
        });
        Receive<UnregisterConsumer>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, null, null));
        Receive<GetConsumerList>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, null, null,
            e => new ConsumerList(m.ConsumerGroup, Array.Empty<string>(), e.Code, e.Error)));
        Receive<GetConsumerConnection>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, null, null,
            e => new ConsumerConnectionInfo(m.BrokerName, m.ConsumerGroup, Array.Empty<ConsumerConnectionEntry>(), e.Code, e.Error)));
        Receive<LockBatchMQ>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues,
            e => new LockBatchMQReply(m.ConsumerGroup, m.ClientId, Array.Empty<MessageQueue>(), e.Code, e.Error)));
        Receive<UnlockBatchMQ>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues, null));
        Receive<ConsumerSendMsgBack>(OnSendMsgBack);
        Receive<UpdateTopicConfig>(m =>
        {
            if (m.BrokerName != BrokerName)
            {
                Sender.Tell(new UpdateTopicConfigReply(m.BrokerName, m.Config.TopicName, null, ResponseCode.SystemError,
                    $"this node serves broker '{BrokerName}', not '{m.BrokerName}'"));
                return;
            }
            if (!_topicUpdateRequesters.TryGetValue(m.Config.TopicName, out var list))
                _topicUpdateRequesters[m.Config.TopicName] = list = new List<IActorRef>();
            list.Add(Sender);
            _region.Tell(m, Self);
        });
        Receive<UpdateTopicConfigReply>(m =>
        {
            if (m.Code == ResponseCode.Success && m.Config != null)
            {
                PutTopic(m.Topic, m.Config);
            }
            if (_topicUpdateRequesters.Remove(m.Topic, out var list))
                foreach (var r in list) r.Tell(m);
            else if (m.Code == ResponseCode.Success)
                Register(); // a topic this gateway created itself (retry, DLQ): publish its route now
        });
        Receive<GetTopicConfigs>(_ => Sender.Tell(new TopicConfigs(BrokerName, _topics.Values.ToList())));
        Receive<SampleTps>(_ => OnSampleTps());
        Receive<GetBrokerRuntimeInfo>(m => Sender.Tell(m.BrokerName == BrokerName
            ? RuntimeInfo()
            : new BrokerRuntimeInfo(Identity, _stats.BootTimestamp, 0, 0, 0, 0, 0, new Dictionary<string, string>(), ResponseCode.SystemError,
                $"this node serves broker '{BrokerName}', not '{m.BrokerName}'")));
        Receive<GetConsumerOffsets>(m => Forward(m, m.BrokerName, m.Topic, 0, read: true, group: m.ConsumerGroup,
            fail: e => new ConsumerOffsets(m.ConsumerGroup, m.Topic, new Dictionary<int, long>(), -1, e.Code, e.Error)));
        Receive<QueryMessageKey>(m => Forward(m, m.BrokerName, m.Topic, m.QueueId, read: true, group: null,
            fail: e => new MessageKeyOffsets(m.Topic, m.QueueId, m.Key, Array.Empty<long>(), e.Code, e.Error)));
        Receive<DeleteTopicInBroker>(m =>
        {
            if (m.BrokerName != BrokerName)
            {
                Sender.Tell(new DeleteTopicReply(m.Topic, ResponseCode.SystemError, $"this node serves broker '{BrokerName}', not '{m.BrokerName}'",
                    Array.Empty<string>()));
                return;
            }
            if (!_topicDeleteRequesters.TryGetValue(m.Topic, out var list))
                _topicDeleteRequesters[m.Topic] = list = new List<IActorRef>();
            list.Add(Sender);
            _region.Tell(m, Self);
        });
        Receive<DeleteTopicReply>(m =>
        {
            if (m.Code == ResponseCode.Success)
            {
                RemoveTopic(m.Topic); // before the requester hears: a scrape after the reply no longer shows it
                Register(); // the NameServer's copy of this group's topics is replaced by the new list
            }
            if (_topicDeleteRequesters.Remove(m.Topic, out var list))
                foreach (var r in list) r.Tell(m);
        });
        Receive<RefreshTopicsAgain>(_ =>
        {
            if (_awaitingTopics.Count > 0) _region.Tell(new GetTopicConfigs(BrokerName));
            else Timers.Cancel("topics-refresh");
        });
        Receive<TopicConfigs>(m =>
        {
            ReplaceTopics(m);
            if (_awaitingShard && !_servingNodeUnreachable) ShardAnswers();
            Timers.Cancel("topics-refresh");
            if (_awaitingTopics.Count > 0)
            {
                var retry = _awaitingTopics.ToList();
                _awaitingTopics.Clear();
                foreach (var (msg, sender) in retry) Self.Tell(msg, sender);
            }
            Register();
        });
        Receive<Heartbeat>(_ =>
        {
            if (_registrationSentAt is { } sent && DateTime.UtcNow - sent is var waited && waited >= _settings.RegisterNameServerPeriod)
                _log.Warning("Broker {0}: the NameServer has not answered its registration for {1:N0} s; is a node with role nameserver up and reachable?",
                    Identity, waited.TotalSeconds);
            _region.Tell(new GetTopicConfigs(BrokerName));
            WakeSchedule();
        });
        Receive<LoadTopics>(_ => { });
        Receive<RequestBrokerRegistration>(_ => Register());
        Receive<RegisterBrokerReply>(m =>
        {
            _registrationSentAt = null;
            if (m.Code != ResponseCode.Success) _log.Error("NameServer refused registration of {0}: {1}", Identity, m.Error);
            else if (!_registered)
            {
                _registered = true;
                _log.Info("Broker {0} registered with the NameServer", Identity);
            }
        });
    }

    /// <summary>
    /// The delayed-message schedule must run while it holds messages, also after a restart or a
    /// shard move when nobody sends a delayed message: an empty ScheduleMessages starts it and keeps
    /// it from being passivated.
    /// </summary>
    private void WakeSchedule() => _region.Tell(new ScheduleMessages(BrokerName, Array.Empty<ScheduledEntry>()), Self);

    private void ReplaceTopics(TopicConfigs m)
    {
        _topics.Clear();
        foreach (var t in m.Configs) _topics[t.TopicName] = t;
        _stats.SetServedTopics(_topics.Keys);
        _lastTopicRefresh = DateTime.UtcNow;
    }

    // The served-topic set in BrokerStats (what the metrics scrape shows) follows every change of _topics.
    private void PutTopic(string topic, TopicConfig config)
    {
        _topics[topic] = config;
        _stats.SetServedTopics(_topics.Keys);
    }

    private void RemoveTopic(string topic)
    {
        _topics.Remove(topic);
        _stats.SetServedTopics(_topics.Keys);
    }

    private void Register()
    {
        _registrationSentAt ??= DateTime.UtcNow;
        _nameServer.Tell(new RegisterBroker(Identity, _topics.Values.ToList(), _settings.AutoCreateTopicEnable, _settings.DefaultTopicQueueNums));
    }

    // ---------------------------------------------------------------- failover hold

    private static bool IsClientRequest(object m) =>
        m is SendMessages or PullMessage or QueryQueueOffset or CommitConsumerOffsets or QueryConsumerOffset;

    private bool IsGroupMember(Member m) => m.HasRole(BrokerRegion.GroupRole(BrokerName));

    private void OnClusterState(ClusterEvent.CurrentClusterState s)
    {
        _groupMembers.Clear();
        _unreachable.Clear();
        foreach (var m in s.Members) if (IsGroupMember(m)) _groupMembers[m.Address] = m;
        foreach (var m in s.Unreachable) _unreachable.Add(m.Address);
        UpdateServingNode();
    }

    private void OnMemberEvent(ClusterEvent.IMemberEvent e)
    {
        if (e is ClusterEvent.MemberRemoved r)
        {
            _groupMembers.Remove(r.Member.Address);
            _unreachable.Remove(r.Member.Address);
        }
        else if (IsGroupMember(e.Member)) _groupMembers[e.Member.Address] = e.Member;
        UpdateServingNode();
    }

    private void OnReachabilityEvent(ClusterEvent.IReachabilityEvent e)
    {
        if (e is ClusterEvent.UnreachableMember u) _unreachable.Add(u.Member.Address);
        else if (e is ClusterEvent.ReachableMember r) _unreachable.Remove(r.Member.Address);
        UpdateServingNode();
    }

    /// <summary>
    /// The group is served by its lowest live brokerId. While that node is unreachable, requests
    /// forwarded into the region would go to it and be lost if it is dead; held here, they go on
    /// once it answers again or is removed and the group's shard has moved (the region buffers them).
    /// </summary>
    private void UpdateServingNode()
    {
        Member? serving = null;
        var best = long.MaxValue;
        foreach (var m in _groupMembers.Values)
        {
            if (m.Status is not (MemberStatus.Up or MemberStatus.Leaving)) continue;
            var id = BrokerRegion.BrokerIdOf(m.Roles) ?? long.MaxValue - 1;
            if (id < best) { best = id; serving = m; }
        }
        var unreachable = serving != null && _unreachable.Contains(serving.Address);
        if (unreachable == _servingNodeUnreachable) return;
        _servingNodeUnreachable = unreachable;
        if (unreachable)
        {
            // Flapped before the shard answered: wait for the next settle, with the hold limit running.
            _awaitingShard = false;
            Timers.Cancel("probe-shard");
            _log.Warning("Broker {0}: serving node {1} is unreachable; holding client requests for up to {2}",
                BrokerName, serving!.Address, _settings.FailoverHoldTimeout);
            Timers.StartPeriodicTimer("expire-held", ExpireHeld.Instance, TimeSpan.FromMilliseconds(500));
            return;
        }
        // Reachable again, or removed (the shard is moving): go on once the group's shard answers.
        _awaitingShard = true;
        _region.Tell(new GetTopicConfigs(BrokerName));
        Timers.StartPeriodicTimer("probe-shard", ProbeShard.Instance, TimeSpan.FromMilliseconds(250));
    }

    private sealed class ProbeShard : INoSerializationVerificationNeeded
    {
        public static readonly ProbeShard Instance = new();
    }

    private void ShardAnswers()
    {
        _awaitingShard = false;
        Timers.Cancel("probe-shard");
        Timers.Cancel("expire-held");
        _log.Info("Broker {0}: the group's queues answer again; passing on {1} held requests", BrokerName, _heldForFailover.Count);
        // In arrival order and ahead of anything newer in the mailbox.
        Stash.Prepend(_heldForFailover.Select(h => new Envelope(h.Message, h.Sender)).ToList());
        _heldForFailover.Clear();
        Stash.UnstashAll();
    }

    private const int MaxHeldForFailover = 10_000;

    private void HoldForFailover(IAkkaMqMessage m)
    {
        if (_heldForFailover.Count >= MaxHeldForFailover)
        {
            Refuse(m, Sender, $"broker '{BrokerName}' is failing over and {MaxHeldForFailover} requests already wait; retry");
            return;
        }
        _heldForFailover.Add((m, Sender, DateTime.UtcNow));
    }

    private void ExpireHeldRequests()
    {
        var cutoff = DateTime.UtcNow - _settings.FailoverHoldTimeout;
        var expired = 0;
        while (expired < _heldForFailover.Count && _heldForFailover[expired].At < cutoff) expired++;
        for (var i = 0; i < expired; i++)
            Refuse(_heldForFailover[i].Message, _heldForFailover[i].Sender,
                $"broker '{BrokerName}' is failing over: its serving node stayed unreachable for {_settings.FailoverHoldTimeout}");
        _heldForFailover.RemoveRange(0, expired);
    }

    /// <summary>Answers a client request with SERVICE_NOT_AVAILABLE (retriable) in the shape its sender expects.</summary>
    private void Refuse(object m, IActorRef to, string error)
    {
        const ResponseCode code = ResponseCode.ServiceNotAvailable;
        switch (m)
        {
            case SendMessages s:
                var acks = s.Entries.Where(e => !e.Oneway).Select(e => new SendAck(e.CorrelationId, code, error, SendStatus.SendOk, e.QueueId, -1)).ToList();
                if (acks.Count > 0) to.Tell(new SendAcks(BrokerName, acks));
                break;
            case PullMessage p:
                to.Tell(PullResult.Failed(p, code, error));
                break;
            case QueryQueueOffset q:
                to.Tell(new QueueOffsetReply(q.Topic, q.QueueId, -1, -1, -1, -1, code, error));
                break;
            case CommitConsumerOffsets c:
                to.Tell(new CommitConsumerOffsetsReply(c.ConsumerGroup, c.Topic, code, error));
                break;
            case QueryConsumerOffset q:
                to.Tell(new ConsumerOffsetReply(q.ConsumerGroup, q.Topic, q.QueueId, -1, code, error));
                break;
        }
    }

    protected override void PostStop()
    {
        if (_settings.FailoverHoldTimeout > TimeSpan.Zero) Cluster.Get(Context.System).Unsubscribe(Self);
        // Leave the routes at once instead of waiting for the NameServer to notice.
        _nameServer.Tell(new UnregisterBroker(_settings.BrokerClusterName, BrokerName, _settings.BrokerId));
    }

    private readonly record struct Failure(ResponseCode Code, string Error);

    /// <summary>
    /// A topic unknown here may have been created through another node of this group a moment
    /// ago: refresh the table (at most every second) before refusing. While a refresh is pending
    /// (e.g. the group's shard is moving after a failover) requests wait for it instead of being
    /// refused; the client's own deadline bounds the wait.
    /// </summary>
    private bool AwaitTopicRefresh(string topic, object message)
    {
        if (_topics.ContainsKey(topic)) return false;
        if (_awaitingTopics.Count == 0 && DateTime.UtcNow - _lastTopicRefresh < TimeSpan.FromSeconds(1)) return false;
        if (_awaitingTopics.Count >= MaxAwaitingTopicRefresh) return false;
        if (_awaitingTopics.Count == 0)
        {
            _region.Tell(new GetTopicConfigs(BrokerName));
            Timers.StartPeriodicTimer("topics-refresh", RefreshTopicsAgain.Instance, TimeSpan.FromSeconds(1));
        }
        _awaitingTopics.Add((message, Sender));
        return true;
    }

    private const int MaxAwaitingTopicRefresh = 10_000;

    private sealed class RefreshTopicsAgain : INoSerializationVerificationNeeded
    {
        public static readonly RefreshTopicsAgain Instance = new();
    }

    private Failure? CheckQueue(string brokerName, string topic, int queueId, bool read)
    {
        if (brokerName != BrokerName)
            return new Failure(ResponseCode.SystemError, $"this node serves broker '{BrokerName}', not '{brokerName}'");
        if (Validators.CheckTopic(topic) is { } topicError) return new Failure(ResponseCode.MessageIllegal, topicError);
        if (!_topics.TryGetValue(topic, out var config))
            return new Failure(ResponseCode.TopicNotExist, $"topic '{topic}' does not exist on broker '{BrokerName}'");
        if (read ? !Perm.IsReadable(config.Perm) : !Perm.IsWriteable(config.Perm))
            return new Failure(ResponseCode.NoPermission, $"topic '{topic}' on broker '{BrokerName}' is not {(read ? "readable" : "writable")} (perm {Perm.ToText(config.Perm)})");
        var queues = read ? Math.Max(config.ReadQueueNums, config.WriteQueueNums) : config.WriteQueueNums;
        if (queueId < 0 || queueId >= queues)
            return new Failure(ResponseCode.MessageIllegal, $"queue id {queueId} is outside 0..{queues - 1} of topic '{topic}' on broker '{BrokerName}'");
        return null;
    }

    private void Forward(IBrokerShardCommand m, string brokerName, string topic, int queueId, bool read, string? group, Func<Failure, object> fail)
    {
        if (AwaitTopicRefresh(topic, m)) return;
        var failure = CheckQueue(brokerName, topic, queueId, read);
        if (failure == null && group != null && Validators.CheckGroup(group) is { } groupError)
            failure = new Failure(ResponseCode.ConsumerGroupIllegal, groupError);
        if (failure != null)
        {
            Sender.Tell(fail(failure.Value));
            return;
        }
        _region.Forward(m);
    }

    /// <summary>
    /// A delayed message (DELAY level or TIMER_DELIVER_MS) goes to the schedule until its time;
    /// deliverAt stays 0 for a message to store now (no delay, or a time already past).
    /// </summary>
    private Failure? DeliverTime(Message msg, out long deliverAt)
    {
        deliverAt = 0;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var levels = _settings.Schedule.DelayLevels;
        if (msg.Properties.TryGetValue(MessageConst.DelayTimeLevel, out var levelText))
        {
            if (!int.TryParse(levelText, out var level) || level < 0 || level > levels.Count)
                return new Failure(ResponseCode.MessageIllegal, $"delay level '{levelText}' is not 0..{levels.Count} (messageDelayLevel has {levels.Count} levels)");
            if (level > 0) deliverAt = now + (long)levels[level - 1].TotalMilliseconds;
        }
        if (msg.Properties.TryGetValue(MessageConst.TimerDeliverMs, out var atText))
        {
            if (deliverAt > 0) return new Failure(ResponseCode.MessageIllegal, $"a message cannot have both {MessageConst.DelayTimeLevel} and {MessageConst.TimerDeliverMs}");
            if (!long.TryParse(atText, out var at) || at < 0)
                return new Failure(ResponseCode.MessageIllegal, $"{MessageConst.TimerDeliverMs} '{atText}' is not a Unix time in milliseconds");
            var max = now + (long)_settings.Schedule.TimerMaxDelay.TotalMilliseconds;
            if (at > max)
                return new Failure(ResponseCode.MessageIllegal, $"{MessageConst.TimerDeliverMs} {at} is more than timerMaxDelay ({_settings.Schedule.TimerMaxDelay}) ahead");
            if (at > now) deliverAt = at;
        }
        return null;
    }

    /// <summary>
    /// RocketMQ's consumerSendMsgBack: the failed message goes to %RETRY%group with a delay
    /// (level 3 + times already reconsumed, unless the consumer chose one), or to %DLQ%group once
    /// it was reconsumed maxReconsumeTimes times. Retry count, first topic and first message id
    /// travel as properties. The consumer gets SendAcks once the copy is durable.
    /// </summary>
    private void OnSendMsgBack(ConsumerSendMsgBack m)
    {
        void Fail(ResponseCode code, string error) =>
            Sender.Tell(new SendAcks(BrokerName, new[] { new SendAck(m.CorrelationId, code, error, SendStatus.SendOk, 0, -1) }));
        if (m.BrokerName != BrokerName) { Fail(ResponseCode.SystemError, $"this node serves broker '{BrokerName}', not '{m.BrokerName}'"); return; }
        if (Validators.CheckGroup(m.ConsumerGroup) is { } groupError) { Fail(ResponseCode.ConsumerGroupIllegal, groupError); return; }
        if (Validators.CheckMessage(m.Msg.Topic, m.Msg.Tags, m.Msg.Keys, m.Msg.Properties, m.Msg.Body, _settings.Limits) is { } msgError)
        {
            Fail(ResponseCode.MessageIllegal, msgError);
            return;
        }
        if (m.MaxReconsumeTimes < 0) { Fail(ResponseCode.MessageIllegal, $"maxReconsumeTimes {m.MaxReconsumeTimes} is negative"); return; }
        var levels = _settings.Schedule.DelayLevels;
        if (m.DelayLevel > levels.Count) { Fail(ResponseCode.MessageIllegal, $"delay level {m.DelayLevel} is over the {levels.Count} levels of messageDelayLevel"); return; }

        var reconsumed = MessageConst.ReconsumeTimes(m.Msg);
        var props = new Dictionary<string, string>(m.Msg.Properties);
        props.TryAdd(MessageConst.RetryTopic, m.Msg.Topic);
        props.TryAdd(MessageConst.OriginMessageId, m.Msg.MsgId);
        props[MessageConst.ReconsumeTime] = (reconsumed + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        props.Remove(MessageConst.DelayTimeLevel);
        props.Remove(MessageConst.TimerDeliverMs);
        var toDlq = reconsumed >= m.MaxReconsumeTimes || m.DelayLevel < 0;
        var topic = toDlq ? MessageConst.GetDlqTopic(m.ConsumerGroup) : MessageConst.GetRetryTopic(m.ConsumerGroup);
        if (Validators.CheckTopic(topic) is { } topicError)
        {
            Fail(ResponseCode.ConsumerGroupIllegal, $"consumer group '{m.ConsumerGroup}' cannot have a retry or dead-letter topic: {topicError}");
            return;
        }
        EnsureGroupTopic(topic);
        var entry = new SendEntry(m.CorrelationId, 0, false, m.Msg.BornTimestamp, new Message(topic, m.Msg.Body, m.Msg.Tags, m.Msg.Keys, props));
        if (toDlq)
        {
            _region.Tell(new AppendMessages(BrokerName, topic, 0, new[] { entry }), Sender);
            return;
        }
        var level = m.DelayLevel > 0 ? m.DelayLevel : Math.Min(3 + reconsumed, levels.Count);
        props[MessageConst.DelayTimeLevel] = level.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var deliverAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)levels[level - 1].TotalMilliseconds;
        _region.Tell(new ScheduleMessages(BrokerName, new[] { new ScheduledEntry(deliverAt, entry) }), Sender);
    }

    /// <summary>Retry and dead-letter topics are created on first use with one queue, as RocketMQ does.</summary>
    private void EnsureGroupTopic(string topic)
    {
        if (_topics.ContainsKey(topic)) return;
        var config = TopicConfig.Create(topic, 1);
        PutTopic(topic, config); // served at once; the reply of the update below confirms it
        _region.Tell(new UpdateTopicConfig(BrokerName, config), Self);
    }

    /// <summary>Consumer group commands: checked here (broker, group, client id, queues), then kept by the group's entity.</summary>
    private void ForwardToGroup(IBrokerShardCommand m, string brokerName, string group, string? clientId, IReadOnlyList<MessageQueue>? queues,
        Func<Failure, object>? fail)
    {
        Failure? failure = null;
        if (brokerName != BrokerName)
            failure = new Failure(ResponseCode.SystemError, $"this node serves broker '{BrokerName}', not '{brokerName}'");
        else if (Validators.CheckGroup(group) is { } groupError)
            failure = new Failure(ResponseCode.ConsumerGroupIllegal, groupError);
        else if (clientId != null && string.IsNullOrWhiteSpace(clientId))
            failure = new Failure(ResponseCode.SystemError, $"consumer of group '{group}' sent an empty client id");
        else if (queues != null)
            foreach (var q in queues)
            {
                if (q.BrokerName != BrokerName)
                    failure = new Failure(ResponseCode.SystemError, $"queue {q} is not on broker '{BrokerName}'");
                else if (Validators.CheckTopic(q.Topic) is { } topicError)
                    failure = new Failure(ResponseCode.MessageIllegal, topicError);
                else if (q.QueueId < 0)
                    failure = new Failure(ResponseCode.MessageIllegal, $"queue id {q.QueueId} of {q} is negative");
                if (failure != null) break;
            }
        if (failure != null)
        {
            if (fail != null) Sender.Tell(fail(failure.Value));
            else _log.Warning("Dropped {0}: {1}", m.GetType().Name, failure.Value.Error);
            return;
        }
        _region.Forward(m);
    }

    private void OnSend(SendMessages m)
    {
        foreach (var e in m.Entries)
            if (AwaitTopicRefresh(e.Message.Topic, m)) return;

        Dictionary<(string, int), List<SendEntry>>? byQueue = null;
        List<SendAck>? rejected = null;
        List<ScheduledEntry>? scheduled = null;
        foreach (var e in m.Entries)
        {
            var msg = e.Message;
            var failure = CheckQueue(m.BrokerName, msg.Topic, e.QueueId, read: false);
            if (failure == null && Validators.CheckMessage(msg, _settings.Limits) is { } error)
                failure = new Failure(ResponseCode.MessageIllegal, error);
            long deliverAt = 0;
            if (failure == null && msg.Properties.Count > 0) failure = DeliverTime(msg, out deliverAt);
            if (failure != null)
            {
                if (!e.Oneway)
                    (rejected ??= new()).Add(new SendAck(e.CorrelationId, failure.Value.Code, failure.Value.Error, SendStatus.SendOk, e.QueueId, -1));
                continue;
            }
            if (deliverAt > 0)
            {
                (scheduled ??= new()).Add(new ScheduledEntry(deliverAt, e));
                continue;
            }
            byQueue ??= new();
            var key = (msg.Topic, e.QueueId);
            if (!byQueue.TryGetValue(key, out var list)) byQueue[key] = list = new List<SendEntry>();
            list.Add(e);
        }
        if (rejected != null) Sender.Tell(new SendAcks(BrokerName, rejected));
        if (scheduled != null) _region.Tell(new ScheduleMessages(BrokerName, scheduled), Sender);
        if (byQueue == null) return;
        foreach (var ((topic, queueId), entries) in byQueue)
            _region.Tell(new AppendMessages(BrokerName, topic, queueId, entries), Sender);
    }
}
