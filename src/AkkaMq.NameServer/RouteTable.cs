using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.NameServer;

/// <summary>
/// The NameServer: a cluster singleton holding broker registrations and the topic routes derived
/// from them. A broker group's topics are those registered by its serving node (lowest live
/// brokerId); its route lists every live node of the group. Registrations leave on graceful
/// unregister, when the member is removed from the cluster, when the gateway dies, or when no
/// heartbeat came for broker-expiry. A broker identity (brokerName, brokerId) is held by one node:
/// another node's registration for it is refused while the holder is a live, older member
/// (<see cref="BrokerIdentityClaim"/>), and asked again once the holder's registration leaves.
/// Registrations and unregistrations come only from cluster members with the broker role
/// (<see cref="ClusterControl"/>): another Akka.Remote peer's are refused and logged.
/// </summary>
public sealed class RouteTable : ReceiveActor, IWithTimers
{
    private sealed class BrokerLiveInfo
    {
        public required BrokerIdentity Identity;
        public required IActorRef Gateway;
        public required Dictionary<string, TopicConfig> Topics;
        public bool AutoCreateTopicEnable;
        public int DefaultTopicQueueNums;
        public string? GrpcEndpoint;
        public long LastUpdate;
    }

    private sealed class PendingCreation
    {
        public readonly HashSet<string> Awaiting = new();
        public readonly List<string> Done = new();
        public readonly List<string> Errors = new();
        public readonly List<(IActorRef ReplyTo, object Request)> Waiters = new();
        public int Generation;
    }

    private sealed record ScanExpired : INoSerializationVerificationNeeded
    {
        public static readonly ScanExpired Instance = new();
    }

    private sealed record CreationTimedOut(string Topic, int Generation) : INoSerializationVerificationNeeded;

    private readonly NameServerSettings _settings;
    private readonly Func<long> _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // key: (brokerName, brokerId)
    private readonly Dictionary<(string, long), BrokerLiveInfo> _brokers = new();
    private readonly Dictionary<string, PendingCreation> _pending = new();
    // Gateways refused an identity another node holds, asked to register again when the holder leaves.
    private readonly Dictionary<(string, long), IActorRef> _claimants = new();
    private int _generation;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(NameServerSettings settings, Func<long>? clock = null) =>
        Akka.Actor.Props.Create(() => new RouteTable(settings, clock));

    public RouteTable(NameServerSettings settings, Func<long>? clock)
    {
        _settings = settings;
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Receive<RegisterBroker>(m => { if (!RefusedAsNonMember(m)) Register(m); });
        // Only the holder's own node unregisters it: a refused claimant that stops must not take the holder's routes.
        Receive<UnregisterBroker>(m =>
        {
            if (!RefusedAsNonMember(m)) RemoveWhere(b => b.Identity.BrokerName == m.BrokerName && b.Identity.BrokerId == m.BrokerId
                                                         && b.Identity.ClusterName == m.ClusterName && NodeOf(b.Gateway).Equals(NodeOf(Sender)), "unregistered");
        });
        Receive<GetRouteInfo>(GetRoute);
        Receive<CreateTopic>(Create);
        Receive<UpdateTopicConfigReply>(OnTopicConfigReply);
        Receive<CreationTimedOut>(OnCreationTimeout);
        Receive<GetBrokerClusterInfo>(_ => Sender.Tell(new BrokerClusterInfo(_brokers.Values
            .OrderBy(b => b.Identity.ClusterName).ThenBy(b => b.Identity.BrokerName).ThenBy(b => b.Identity.BrokerId)
            .Select(b => new BrokerRegistrationInfo(b.Identity, b.LastUpdate, b.Topics.Count)).ToList())));
        Receive<GetAllTopicList>(_ =>
        {
            var topics = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var serving in ServingNodes())
                foreach (var t in serving.Topics.Keys)
                {
                    if (!topics.TryGetValue(t, out var brokers)) topics[t] = brokers = new List<string>();
                    brokers.Add(serving.Identity.BrokerName);
                }
            Sender.Tell(new TopicList(topics.Select(kv => new TopicListEntry(kv.Key, kv.Value.Order(StringComparer.Ordinal).ToList())).ToList()));
        });
        Receive<DeleteTopicInNameServer>(m =>
        {
            // Brokers re-register without the topic once they dropped it; this clears the routes at once.
            var removed = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var b in _brokers.Values)
                if (b.Topics.Remove(m.Topic)) removed.Add(b.Identity.BrokerName);
            Sender.Tell(removed.Count > 0
                ? new DeleteTopicReply(m.Topic, ResponseCode.Success, null, removed.ToList())
                : new DeleteTopicReply(m.Topic, ResponseCode.TopicNotExist, $"topic '{m.Topic}' does not exist", Array.Empty<string>()));
        });
        Receive<ScanExpired>(_ =>
        {
            var deadline = _clock() - (long)_settings.BrokerExpiry.TotalMilliseconds;
            RemoveWhere(b => b.LastUpdate < deadline, $"no heartbeat for {_settings.BrokerExpiry}");
        });
        Receive<ClusterEvent.MemberUp>(up =>
        {
            // A new singleton asks every broker to register now rather than at its next heartbeat.
            if (up.Member.HasRole(BrokerRole))
                Context.ActorSelection(new RootActorPath(up.Member.Address) / "user" / "broker").Tell(RequestBrokerRegistration.Instance);
        });
        Receive<ClusterEvent.MemberRemoved>(m => RemoveWhere(b => b.Gateway.Path.Address.Equals(m.Member.Address), "member removed from the cluster"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Terminated>(t => RemoveWhere(b => b.Gateway.Equals(t.ActorRef), "broker gateway terminated"));
    }

    /// <summary>Cluster role of broker nodes, whose gateways live at /user/broker.</summary>
    public const string BrokerRole = "broker";

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("scan", ScanExpired.Instance, _settings.ScanInterval);
        if (Clustered)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        _log.Info("NameServer route table started at {0}", Self.Path);
    }

    protected override void PostStop()
    {
        if (Clustered) Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private void Register(RegisterBroker m)
    {
        var id = m.Broker;
        var error = Validators.CheckBrokerName(id.BrokerName);
        if (error == null && id.BrokerId < 0) error = $"brokerId {id.BrokerId} is negative";
        if (error == null)
        {
            // Message ids carry a hash of the broker name; two names with one hash would make ids ambiguous.
            var hash = MessageId.Hash(id.BrokerName);
            foreach (var b in _brokers.Values)
                if (b.Identity.BrokerName != id.BrokerName && MessageId.Hash(b.Identity.BrokerName) == hash)
                    error = $"broker name '{id.BrokerName}' has the same id hash as the registered broker '{b.Identity.BrokerName}'; rename one";
        }
        if (error != null)
        {
            _log.Warning("Refused broker registration {0}: {1}", id, error);
            Sender.Tell(new RegisterBrokerReply(ResponseCode.SystemError, error));
            return;
        }

        var key = (id.BrokerName, id.BrokerId);
        if (_brokers.TryGetValue(key, out var held) && !held.Gateway.Equals(Sender) && ClaimRefusal(held, id) is { } refusal)
        {
            _log.Warning("Refused broker registration {0}: {1}", id, refusal);
            _claimants[key] = Sender;
            Sender.Tell(new RegisterBrokerReply(ResponseCode.SystemError, refusal));
            return;
        }
        _claimants.Remove(key);
        if (!_brokers.TryGetValue(key, out var info) || !info.Gateway.Equals(Sender))
        {
            if (info != null) Context.Unwatch(info.Gateway);
            _log.Info("Broker registered: {0} with {1} topics", id, m.Topics.Count);
            info = new BrokerLiveInfo { Identity = id, Gateway = Sender, Topics = new Dictionary<string, TopicConfig>() };
            _brokers[key] = info;
            Context.Watch(Sender);
        }
        info.Identity = id;
        info.Topics.Clear();
        foreach (var t in m.Topics) info.Topics[t.TopicName] = t;
        info.AutoCreateTopicEnable = m.AutoCreateTopicEnable;
        info.DefaultTopicQueueNums = m.DefaultTopicQueueNums;
        info.GrpcEndpoint = m.GrpcEndpoint;
        info.LastUpdate = _clock();
        Sender.Tell(new RegisterBrokerReply(ResponseCode.Success, null));
    }

    /// <summary>True (logged, and a registration answered) when Sender is not a broker member of this cluster.</summary>
    private bool RefusedAsNonMember(object m)
    {
        var peer = Sender.Path.Address;
        // No sender: it arrives as this node's dead letters, local to look at, from anywhere.
        if (!Clustered || (peer.HasLocalScope && !Sender.IsNobody())) return false;
        var member = Sender.IsNobody() ? null : Cluster.Get(Context.System).State.Members.FirstOrDefault(x => x.Address.Equals(peer));
        var standing = member == null || member.Status is MemberStatus.Down or MemberStatus.Removed ? PeerStanding.NotMember
            : member.HasRole(BrokerRole) ? PeerStanding.Member : PeerStanding.MemberWithoutRole;
        if (ClusterControl.Refusal(m.GetType().Name, peer.ToString(), standing, BrokerRole) is not { } error) return false;
        _log.Warning("{0}: {1}", error, m);
        if (m is RegisterBroker && !Sender.IsNobody()) Sender.Tell(new RegisterBrokerReply(ResponseCode.NoPermission, error));
        return true;
    }

    private void RemoveWhere(Func<BrokerLiveInfo, bool> predicate, string reason)
    {
        List<(string, long)>? removed = null;
        foreach (var kv in _brokers)
            if (predicate(kv.Value)) (removed ??= new()).Add(kv.Key);
        if (removed == null) return;
        foreach (var key in removed)
        {
            var b = _brokers[key];
            _brokers.Remove(key);
            Context.Unwatch(b.Gateway);
            _log.Warning("Broker removed from routes: {0} ({1})", b.Identity, reason);
            if (_claimants.Remove(key, out var claimant)) claimant.Tell(RequestBrokerRegistration.Instance);
        }
    }

    private bool Clustered => Context.System.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal);

    /// <summary>The cluster address of the node an actor lives on (a local ref has no host or port).</summary>
    private Address NodeOf(IActorRef actor) =>
        actor.Path.Address.HasLocalScope && Clustered ? Cluster.Get(Context.System).SelfAddress : actor.Path.Address;

    /// <summary>Why Sender, on another node, may not take over the identity held, or null when it may.</summary>
    private string? ClaimRefusal(BrokerLiveInfo held, BrokerIdentity claimant)
    {
        var holderNode = NodeOf(held.Gateway);
        var claimantNode = NodeOf(Sender);
        // Same host:port: a restarted gateway, or a new incarnation of a node whose old one is gone (the port was free).
        if (holderNode.Equals(claimantNode) || !Clustered) return null;
        var state = Cluster.Get(Context.System).State;
        var holder = state.Members.FirstOrDefault(m => m.Address.Equals(holderNode));
        var claimantMember = state.Members.FirstOrDefault(m => m.Address.Equals(claimantNode));
        var rival = holder == null ? RivalState.Gone : holder.Status switch
        {
            MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Removed => RivalState.Gone,
            MemberStatus.Leaving => RivalState.Leaving,
            _ => state.Unreachable.Contains(holder) ? RivalState.Unreachable : RivalState.Live,
        };
        var older = holder != null && (claimantMember == null || holder.IsOlderThan(claimantMember));
        var identity = $"{claimant.ClusterName}/{claimant.BrokerName}/{claimant.BrokerId}";
        var holderText = held.Identity.ClusterName == claimant.ClusterName ? holderNode.ToString() : $"{holderNode} (of cluster {held.Identity.ClusterName})";
        switch (BrokerIdentityClaim.Decide(rival, older))
        {
            case ClaimVerdict.Refused: return BrokerIdentityClaim.RefusedMessage(identity, holderText, claimantNode.ToString());
            case ClaimVerdict.Waits: return BrokerIdentityClaim.WaitingMessage(identity, holderText, claimantNode.ToString(), rival);
            default:
                _log.Warning("Broker identity {0} moves from {1} to the node {2} ({3})", identity, holderText, claimantNode,
                    rival == RivalState.Gone ? "the holder is gone" : "it is the older member");
                return null;
        }
    }

    /// <summary>Per broker group, the node that serves its queues: the lowest live brokerId.</summary>
    private IEnumerable<BrokerLiveInfo> ServingNodes() =>
        _brokers.Values.GroupBy(b => b.Identity.BrokerName).Select(g => g.MinBy(b => b.Identity.BrokerId)!);

    private TopicRouteData? BuildRoute(string topic)
    {
        var queues = new List<QueueData>();
        var brokers = new List<BrokerData>();
        foreach (var serving in ServingNodes().OrderBy(b => b.Identity.BrokerName, StringComparer.Ordinal))
        {
            if (!serving.Topics.TryGetValue(topic, out var config)) continue;
            queues.Add(new QueueData(serving.Identity.BrokerName, config.ReadQueueNums, config.WriteQueueNums, config.Perm) { Attributes = config.Attributes });
            var group = _brokers.Values.Where(b => b.Identity.BrokerName == serving.Identity.BrokerName).ToList();
            var addrs = group.ToDictionary(b => b.Identity.BrokerId, b => b.Identity.Address);
            var grpc = group.Where(b => b.GrpcEndpoint != null).ToDictionary(b => b.Identity.BrokerId, b => b.GrpcEndpoint!);
            brokers.Add(new BrokerData(serving.Identity.ClusterName, serving.Identity.BrokerName, addrs) { GrpcEndpoints = grpc });
        }
        return queues.Count == 0 ? null : new TopicRouteData(queues, brokers);
    }

    private void GetRoute(GetRouteInfo m)
    {
        var route = BuildRoute(m.Topic);
        if (route != null)
        {
            Sender.Tell(new RouteInfoReply(m.Topic, ResponseCode.Success, null, route));
            return;
        }
        var topicError = Validators.CheckTopic(m.Topic);
        if (topicError != null)
        {
            Sender.Tell(new RouteInfoReply(m.Topic, ResponseCode.MessageIllegal, topicError, null));
            return;
        }
        if (!m.AllowAutoCreate)
        {
            Sender.Tell(new RouteInfoReply(m.Topic, ResponseCode.TopicNotExist, $"topic '{m.Topic}' does not exist", null));
            return;
        }
        var targets = ServingNodes().Where(b => b.AutoCreateTopicEnable).ToList();
        if (targets.Count == 0)
        {
            var why = _brokers.Count == 0 ? "no broker is registered" : "autoCreateTopicEnable is off on every broker";
            Sender.Tell(new RouteInfoReply(m.Topic, ResponseCode.TopicNotExist, $"topic '{m.Topic}' does not exist and {why}", null));
            return;
        }
        _log.Info("Auto-creating topic {0} on {1}", m.Topic, string.Join(",", targets.Select(t => t.Identity.BrokerName)));
        StartCreation(m.Topic, targets.Select(t => (t, TopicConfig.Create(m.Topic, t.DefaultTopicQueueNums))), Sender, m, autoCreate: true);
    }

    private void Create(CreateTopic m)
    {
        var c = m.Config;
        var error = Validators.CheckTopic(c.TopicName);
        if (error == null && (c.WriteQueueNums < 1 || c.WriteQueueNums > _settings.MaxQueueNums))
            error = $"writeQueueNums {c.WriteQueueNums} is outside 1..{_settings.MaxQueueNums}";
        if (error == null && (c.ReadQueueNums < 1 || c.ReadQueueNums > _settings.MaxQueueNums))
            error = $"readQueueNums {c.ReadQueueNums} is outside 1..{_settings.MaxQueueNums}";
        if (error == null && !Perm.IsValid(c.Perm)) error = $"perm {c.Perm} is not a valid permission (0..7)";
        // Refused here, before any broker changes; each broker applies the alteration map to what it has.
        error ??= TopicAttributes.CheckChanges(c.Attributes);
        if (error != null)
        {
            Sender.Tell(new CreateTopicReply(c.TopicName, ResponseCode.MessageIllegal, error, Array.Empty<string>()));
            return;
        }
        var targets = ServingNodes()
            .Where(b => (m.ClusterName == null || b.Identity.ClusterName == m.ClusterName) && (m.BrokerName == null || b.Identity.BrokerName == m.BrokerName))
            .ToList();
        if (targets.Count == 0)
        {
            var where = m.BrokerName != null ? $"broker '{m.BrokerName}'" : m.ClusterName != null ? $"cluster '{m.ClusterName}'" : "any cluster";
            Sender.Tell(new CreateTopicReply(c.TopicName, ResponseCode.ServiceNotAvailable, $"no live broker in {where}", Array.Empty<string>()));
            return;
        }
        StartCreation(c.TopicName, targets.Select(t => (t, c)), Sender, m);
    }

    // autoCreate: each broker checks its autoCreateQueueLimit.
    private void StartCreation(string topic, IEnumerable<(BrokerLiveInfo Broker, TopicConfig Config)> targets, IActorRef replyTo, object request,
        bool autoCreate = false)
    {
        if (!_pending.TryGetValue(topic, out var p))
        {
            p = new PendingCreation { Generation = ++_generation };
            _pending[topic] = p;
            Timers.StartSingleTimer("create-" + topic, new CreationTimedOut(topic, p.Generation), _settings.TopicCreationTimeout);
        }
        p.Waiters.Add((replyTo, request));
        foreach (var (broker, config) in targets)
        {
            p.Awaiting.Add(broker.Identity.BrokerName);
            broker.Gateway.Tell(new UpdateTopicConfig(broker.Identity.BrokerName, config) { AutoCreate = autoCreate }, Self);
        }
    }

    private void OnTopicConfigReply(UpdateTopicConfigReply m)
    {
        if (m.Code == ResponseCode.Success && m.Config != null)
            foreach (var b in _brokers.Values)
                if (b.Identity.BrokerName == m.BrokerName) b.Topics[m.Topic] = m.Config;
        if (!_pending.TryGetValue(m.Topic, out var p) || !p.Awaiting.Remove(m.BrokerName)) return;
        // A second request for a pending topic asks its brokers again; report each broker once.
        if (m.Code == ResponseCode.Success) { if (!p.Done.Contains(m.BrokerName)) p.Done.Add(m.BrokerName); }
        else p.Errors.Add($"{m.BrokerName}: {m.Error}");
        if (p.Awaiting.Count == 0) Complete(m.Topic, p);
    }

    private void OnCreationTimeout(CreationTimedOut m)
    {
        if (!_pending.TryGetValue(m.Topic, out var p) || p.Generation != m.Generation) return;
        foreach (var b in p.Awaiting) p.Errors.Add($"{b}: no answer within {_settings.TopicCreationTimeout}");
        p.Awaiting.Clear();
        Complete(m.Topic, p);
    }

    private void Complete(string topic, PendingCreation p)
    {
        _pending.Remove(topic);
        Timers.Cancel("create-" + topic);
        var errors = string.Join("; ", p.Errors);
        foreach (var (replyTo, request) in p.Waiters)
        {
            if (request is GetRouteInfo)
            {
                var route = BuildRoute(topic);
                replyTo.Tell(route != null
                    ? new RouteInfoReply(topic, ResponseCode.Success, null, route)
                    : new RouteInfoReply(topic, ResponseCode.TopicNotExist, $"topic '{topic}' could not be created: {errors}", null));
            }
            else
            {
                var code = p.Errors.Count == 0 ? ResponseCode.Success : p.Done.Count > 0 ? ResponseCode.SystemError : ResponseCode.ServiceNotAvailable;
                replyTo.Tell(new CreateTopicReply(topic, code, p.Errors.Count == 0 ? null : errors, p.Done.ToList()));
            }
        }
    }
}
