using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Broker.Stats;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
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
    // Put/get totals sampled every second; TPS is taken over the last TpsWindow samples (brokerStatus, clusterList).
    private readonly Queue<(long At, long Put, long Get)> _tpsSamples = new();
    private const int TpsWindow = 10;
    private bool _registered;
    private DateTime _lastTopicRefresh = DateTime.MinValue;

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public static Props Props(BrokerSettings settings, IActorRef region, IActorRef nameServer) =>
        Akka.Actor.Props.Create(() => new BrokerGateway(settings, region, nameServer));

    public BrokerGateway(BrokerSettings settings, IActorRef region, IActorRef nameServer)
    {
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
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serving()
    {
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
            if (m.Code == ResponseCode.Success && m.Config != null) _topics[m.Topic] = m.Config;
            if (_topicUpdateRequesters.Remove(m.Topic, out var list))
                foreach (var r in list) r.Tell(m);
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
                _topics.Remove(m.Topic);
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
            if (_awaitingShard) ShardAnswers();
            Timers.Cancel("topics-refresh");
            if (_awaitingTopics.Count > 0)
            {
                var retry = _awaitingTopics.ToList();
                _awaitingTopics.Clear();
                foreach (var (msg, sender) in retry) Self.Tell(msg, sender);
            }
            Register();
        });
        Receive<Heartbeat>(_ => _region.Tell(new GetTopicConfigs(BrokerName)));
        Receive<LoadTopics>(_ => { });
        Receive<RequestBrokerRegistration>(_ => Register());
        Receive<RegisterBrokerReply>(m =>
        {
            if (m.Code != ResponseCode.Success) _log.Error("NameServer refused registration of {0}: {1}", Identity, m.Error);
            else if (!_registered)
            {
                _registered = true;
                _log.Info("Broker {0} registered with the NameServer", Identity);
            }
        });
    }

    private void ReplaceTopics(TopicConfigs m)
    {
        _topics.Clear();
        foreach (var t in m.Configs) _topics[t.TopicName] = t;
        _lastTopicRefresh = DateTime.UtcNow;
    }

    private void Register() =>
        _nameServer.Tell(new RegisterBroker(Identity, _topics.Values.ToList(), _settings.AutoCreateTopicEnable, _settings.DefaultTopicQueueNums));

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

    private void OnSend(SendMessages m)
    {
        foreach (var e in m.Entries)
            if (AwaitTopicRefresh(e.Message.Topic, m)) return;

        Dictionary<(string, int), List<SendEntry>>? byQueue = null;
        List<SendAck>? rejected = null;
        foreach (var e in m.Entries)
        {
            var msg = e.Message;
            var failure = CheckQueue(m.BrokerName, msg.Topic, e.QueueId, read: false);
            if (failure == null && Validators.CheckMessage(msg, _settings.Limits) is { } error)
                failure = new Failure(ResponseCode.MessageIllegal, error);
            if (failure != null)
            {
                if (!e.Oneway)
                    (rejected ??= new()).Add(new SendAck(e.CorrelationId, failure.Value.Code, failure.Value.Error, SendStatus.SendOk, e.QueueId, -1));
                continue;
            }
            byQueue ??= new();
            var key = (msg.Topic, e.QueueId);
            if (!byQueue.TryGetValue(key, out var list)) byQueue[key] = list = new List<SendEntry>();
            list.Add(e);
        }
        if (rejected != null) Sender.Tell(new SendAcks(BrokerName, rejected));
        if (byQueue == null) return;
        foreach (var ((topic, queueId), entries) in byQueue)
            _region.Tell(new AppendMessages(BrokerName, topic, queueId, entries), Sender);
    }
}
