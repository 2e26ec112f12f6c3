using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Broker.Gateway;
using AkkaMq.Broker.Processor;
using AkkaMq.Broker.Stats;
using AkkaMq.Broker.Storage;
using AkkaMq.Broker.Topics;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker;

/// <summary>
/// The client entry point of a broker node (/user/broker). Checks every request with its
/// <see cref="RequestValidator"/> so bad input is refused with a clear error before anything is
/// stored, splits send batches per queue and forwards to the broker region keeping the producer as
/// sender, so acks go straight back. Keeps the group's <see cref="TopicTable"/>, holds requests while
/// the group fails over (<see cref="FailoverHold"/>) and registers the node with the NameServer
/// (<see cref="NameServerRegistration"/>) at start, on request and every registerNameServerPeriod.
/// While the data directory's disk is over diskSpaceWarningLevelRatio, sends and send-backs are refused.
/// Every refusal is the request's own <see cref="IBrokerRequest.FailureReply"/>.
/// </summary>
public sealed partial class BrokerGateway : ReceiveActor, IWithTimers, IWithStash
{
    public const string Name = "broker";

    private sealed class Heartbeat : INoSerializationVerificationNeeded { public static readonly Heartbeat Instance = new(); }
    private sealed class LoadTopics : INoSerializationVerificationNeeded { public static readonly LoadTopics Instance = new(); }
    private sealed class ExpireHeld : INoSerializationVerificationNeeded { public static readonly ExpireHeld Instance = new(); }
    private sealed class SampleTps : INoSerializationVerificationNeeded { public static readonly SampleTps Instance = new(); }
    private sealed class ProbeShard : INoSerializationVerificationNeeded { public static readonly ProbeShard Instance = new(); }
    private sealed class RefreshTopicsAgain : INoSerializationVerificationNeeded { public static readonly RefreshTopicsAgain Instance = new(); }

    private readonly BrokerSettings _settings;
    private readonly IActorRef _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TopicTable _topics;
    private readonly PendingTopicRefresh _awaitingTopics = new();
    private readonly RequestValidator _validator;
    private readonly SendMessageBack _sendBack;
    private readonly FailoverHold _failover;
    private readonly NameServerRegistration _registration;
    private readonly BrokerStats _stats;
    private readonly BrokerRuntimeReport _report;
    // Port of the node's data channel; 0 when it has none.
    private readonly int _dataChannelPort;
    // How the data channel is reached: with a session handshake (auth on) and in which TLS mode.
    private readonly bool _channelHandshake;
    private readonly AkkaMq.Protocol.Security.TlsServerMode _channelTls;
    private BrokerIdentity? _identity;

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    /// <param name="dataChannelPort">Port of the node's data channel (BrokerBootstrap binds it), 0 for none.</param>
    /// <param name="channelHandshake">The data channel opens each session with a handshake (auth on).</param>
    /// <param name="channelTls">The data channel's TLS mode.</param>
    public static Props Props(BrokerSettings settings, IActorRef region, IActorRef nameServer, int dataChannelPort = 0, bool channelHandshake = false,
        AkkaMq.Protocol.Security.TlsServerMode channelTls = AkkaMq.Protocol.Security.TlsServerMode.Disabled) =>
        Akka.Actor.Props.Create(() => new BrokerGateway(settings, region, nameServer, dataChannelPort, channelHandshake, channelTls));

    public BrokerGateway(BrokerSettings settings, IActorRef region, IActorRef nameServer, int dataChannelPort, bool channelHandshake,
        AkkaMq.Protocol.Security.TlsServerMode channelTls)
    {
        _dataChannelPort = dataChannelPort;
        _channelHandshake = channelHandshake;
        _channelTls = channelTls;
        _settings = settings;
        _region = region;
        _stats = BrokerStatsExtension.For(Context.System);
        _stats.SetBrokerName(settings.BrokerName);
        // The served-topic set in BrokerStats (what the metrics scrape shows) follows every change of the table.
        _topics = new TopicTable(_stats.SetServedTopics);
        _validator = new RequestValidator(settings.BrokerName, settings.Limits, settings.Schedule, DiskSpace.For(Context.System));
        _sendBack = new SendMessageBack(settings.BrokerName, settings.Limits, settings.Schedule.DelayLevels);
        _failover = new FailoverHold(settings.BrokerName, settings.FailoverHoldTimeout);
        _registration = new NameServerRegistration(nameServer, settings);
        _report = new BrokerRuntimeReport(settings, _stats);
        Loading();
    }

    private string BrokerName => _settings.BrokerName;

    private BrokerIdentity Identity
    {
        get
        {
            if (_identity != null) return _identity;
            var a = Cluster.Get(Context.System).SelfAddress;
            return _identity = _settings.Identity($"{a.Host}:{a.Port}");
        }
    }

    protected override void PreStart()
    {
        if (_settings.FailoverHoldTimeout > TimeSpan.Zero)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Self.Tell(LoadTopics.Instance);
        Timers.StartPeriodicTimer("load", LoadTopics.Instance, TimeSpan.FromSeconds(2));
        Timers.StartPeriodicTimer("tps", SampleTps.Instance, TimeSpan.FromSeconds(1));
        _report.Sample();
    }

    protected override void PostStop()
    {
        if (_settings.FailoverHoldTimeout > TimeSpan.Zero) Cluster.Get(Context.System).Unsubscribe(Self);
        _registration.Unregister(Self);
    }

    // The topic table and the subscription groups live in the group's shard; until both answered, requests wait.
    private void Loading()
    {
        Receive<LoadTopics>(_ => RefreshGroupState());
        Receive<SubscriptionGroups>(m => { SubscriptionGroupTable.Replace(m.Configs); StartServing(); });
        Receive<TopicConfigs>(m => { _topics.Replace(m.Configs, DateTime.UtcNow); StartServing(); });
        ReceiveAny(_ => Stash.Stash());
    }

    private void StartServing()
    {
        if (_topics.LastRefresh == DateTime.MinValue || !SubscriptionGroupTable.Loaded) return;
        Timers.Cancel("load");
        _log.Info("Broker {0} serving with {1} topics; registering with the NameServer", Identity, _topics.Count);
        Register();
        Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, _settings.RegisterNameServerPeriod);
        Become(Serving);
        Stash.UnstashAll();
        WakeSchedule();
    }

    private void Serving()
    {
        // Plain channels answer as before; one that challenges or serves TLS says so (clients that cannot follow use Akka.Remote).
        Receive<GetDataChannel>(_ => Sender.Tell(_channelHandshake || _channelTls != AkkaMq.Protocol.Security.TlsServerMode.Disabled
            ? new AkkaMq.Protocol.Auth.DataChannelEndpoint(BrokerName, _settings.BrokerIP1, _dataChannelPort, _channelHandshake, _channelTls)
            : new DataChannelAddress(BrokerName, _settings.BrokerIP1, _dataChannelPort)));
        Receive<ClusterEvent.CurrentClusterState>(s => OnFailoverChange(_failover.OnClusterState(s)));
        Receive<ClusterEvent.IMemberEvent>(e => OnFailoverChange(_failover.OnMemberEvent(e)));
        Receive<ClusterEvent.IReachabilityEvent>(e => OnFailoverChange(_failover.OnReachabilityEvent(e)));
        Receive<ExpireHeld>(_ => ExpireHeldRequests());
        Receive<IAkkaMqMessage>(m => _failover.Holding && FailoverHold.Holds(m), HoldForFailover);
        Receive<ProbeShard>(_ => _region.Tell(new GetTopicConfigs(BrokerName)));
        Receive<SendMessages>(OnSend);
        ServeSubscriptionGroups(); // and pulls, which the group's config admits
        Receive<QueryQueueOffset>(m => Forward(m, m.BrokerName, m.Topic, m.QueueId, group: null));
        Receive<CommitConsumerOffsets>(m =>
        {
            var queue = m.Offsets.Count == 0 ? 0 : m.Offsets.Keys.Max();
            Forward(m, m.BrokerName, m.Topic, queue, m.ConsumerGroup);
        });
        Receive<QueryConsumerOffset>(m => Forward(m, m.BrokerName, m.Topic, m.QueueId, m.ConsumerGroup));
        Receive<ConsumerHeartbeat>(m =>
        {
            if (!AdmitHeartbeat(m)) return;
            // As RocketMQ's heartbeat does: a clustering group gets its retry topic before its first failure.
            if (m.MessageModel == MessageModel.Clustering && m.BrokerName == BrokerName && Validators.CheckGroup(m.ConsumerGroup) == null
                && Validators.CheckTopic(MessageConst.GetRetryTopic(m.ConsumerGroup)) == null)
                EnsureGroupTopic(MessageConst.GetRetryTopic(m.ConsumerGroup), autoCreate: true);
            ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, null);
        });
        Receive<UnregisterConsumer>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, null));
        Receive<GetConsumerList>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, null, null));
        Receive<GetConsumerConnection>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, null, null));
        Receive<InvokeBrokerToResetOffset>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, null, null));
        Receive<LockBatchMQ>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues));
        Receive<UnlockBatchMQ>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues));
        Receive<ConsumerSendMsgBack>(OnSendMsgBack);
        ServingClients(); // producer heartbeats, producerConnection, gRPC consumers' heartbeats
        ServingPop();
        ServingTransactions();
        ServingTopicAdmin(); // updateTopic and deleteTopic
        Receive<GetTopicConfigs>(_ => Sender.Tell(new TopicConfigs(BrokerName, _topics.Snapshot())));
        Receive<SampleTps>(_ => _report.Sample());
        Receive<GetBrokerRuntimeInfo>(m =>
        {
            if (_validator.CheckBroker(m.BrokerName) is { } failure) Reply(m, Sender, failure);
            else Sender.Tell(_report.Create(Identity, _topics.Count, _registration.Registered));
        });
        Receive<GetConsumerOffsets>(m => Forward(m, m.BrokerName, m.Topic, 0, m.ConsumerGroup));
        Receive<QueryMessageKey>(m => Forward(m, m.BrokerName, m.Topic, m.QueueId, group: null));
        Receive<RefreshTopicsAgain>(_ =>
        {
            if (_awaitingTopics.Count > 0) _region.Tell(new GetTopicConfigs(BrokerName));
            else Timers.Cancel("topics-refresh");
        });
        Receive<TopicConfigs>(m =>
        {
            _topics.Replace(m.Configs, DateTime.UtcNow);
            if (_failover.ShardAnswered()) ReleaseHeld();
            Timers.Cancel("topics-refresh");
            if (_awaitingTopics.Count > 0)
                foreach (var (msg, sender) in _awaitingTopics.TakeAll()) Self.Tell(Guard.Admit(msg), sender);
            Register();
        });
        Receive<Heartbeat>(_ =>
        {
            if (_registration.Unanswered(DateTime.UtcNow) is { } waited)
                _log.Warning("Broker {0}: the NameServer has not answered its registration for {1:N0} s; is a node with role nameserver up and reachable?",
                    Identity, waited.TotalSeconds);
            RefreshGroupState();
            WakeSchedule();
        });
        Receive<LoadTopics>(_ => { });
        Receive<RequestBrokerRegistration>(_ => Register());
        Receive<GrpcEndpointBound>(m => { if (_registration.SetGrpcEndpoint(m.Endpoint)) Register(); });
        Receive<RegisterBrokerReply>(m =>
        {
            switch (_registration.OnReply(m))
            {
                case RegistrationAnswer.Refused: _log.Error("NameServer refused registration of {0}: {1}", Identity, m.Error); break;
                case RegistrationAnswer.FirstAccepted: _log.Info("Broker {0} registered with the NameServer", Identity); break;
            }
        });
    }

    /// <summary>
    /// The delayed-message schedule must run while it holds messages, also after a restart or a
    /// shard move when nobody sends a delayed message: an empty ScheduleMessages starts it and keeps
    /// it from being passivated.
    /// </summary>
    private void WakeSchedule()
    {
        _region.Tell(new ScheduleMessages(BrokerName, Array.Empty<ScheduledEntry>()), Self);
        WakeTransactions();
    }

    private void Register() => _registration.Register(Identity, _topics.Snapshot(), DateTime.UtcNow, Self);

    /// <summary>Answers with the request's failure reply; false when the request expects none.</summary>
    private bool Reply(IBrokerRequest m, IActorRef to, RequestFailure failure) => Reply(m, to, failure.Code, failure.Error);

    private bool Reply(IBrokerRequest m, IActorRef to, ResponseCode code, string error)
    {
        if (m.FailureReply(Identity, code, error) is not { } reply) return false;
        to.Tell(reply);
        return true;
    }

    // ---------------------------------------------------------------- failover hold

    private void OnFailoverChange(FailoverChange change)
    {
        switch (change)
        {
            case FailoverChange.StartHolding:
                Timers.Cancel("probe-shard");
                _log.Warning("Broker {0}: serving node {1} is unreachable; holding client requests for up to {2}",
                    BrokerName, _failover.ServingNode, _settings.FailoverHoldTimeout);
                Timers.StartPeriodicTimer("expire-held", ExpireHeld.Instance, TimeSpan.FromMilliseconds(500));
                break;
            case FailoverChange.AwaitShard:
                _region.Tell(new GetTopicConfigs(BrokerName));
                Timers.StartPeriodicTimer("probe-shard", ProbeShard.Instance, TimeSpan.FromMilliseconds(250));
                break;
        }
    }

    private void ReleaseHeld()
    {
        Timers.Cancel("probe-shard");
        Timers.Cancel("expire-held");
        _log.Info("Broker {0}: the group's queues answer again; passing on {1} held requests", BrokerName, _failover.HeldCount);
        // In arrival order and ahead of anything newer in the mailbox.
        Stash.Prepend(_failover.Release().Select(e => new Envelope(Guard.Admit(e.Message), e.Sender)));
        Stash.UnstashAll();
    }

    private void HoldForFailover(IAkkaMqMessage m)
    {
        if (_failover.Hold(m, Sender, DateTime.UtcNow) is { } error) Refuse(m, Sender, error);
    }

    private void ExpireHeldRequests()
    {
        var expired = new List<(IAkkaMqMessage Message, IActorRef Sender)>();
        var error = _failover.Expire(DateTime.UtcNow, expired);
        foreach (var (m, sender) in expired) Refuse(m, sender, error);
    }

    /// <summary>Answers a held client request with SERVICE_NOT_AVAILABLE (retriable).</summary>
    private void Refuse(IAkkaMqMessage m, IActorRef to, string error)
    {
        if (m is IBrokerRequest request) Reply(request, to, ResponseCode.ServiceNotAvailable, error);
        else _log.Warning("Dropped {0}: {1}", m.GetType().Name, error);
    }

    // ---------------------------------------------------------------- requests

    /// <summary>A topic unknown here waits for a refresh of the table before it is refused (see <see cref="PendingTopicRefresh"/>).</summary>
    private bool AwaitTopicRefresh(string topic, object message)
    {
        if (!_awaitingTopics.TryWait(_topics, topic, message, Sender, DateTime.UtcNow, out var startRefresh)) return false;
        if (startRefresh)
        {
            _region.Tell(new GetTopicConfigs(BrokerName));
            Timers.StartPeriodicTimer("topics-refresh", RefreshTopicsAgain.Instance, PendingTopicRefresh.MinInterval);
        }
        return true;
    }

    /// <summary>A read of one queue (pull, offsets, key index): checked here, then served by the queue's or the offsets' entity.</summary>
    private void Forward<T>(T m, string brokerName, string topic, int queueId, string? group) where T : IBrokerShardCommand, IBrokerRequest
    {
        if (AwaitTopicRefresh(topic, m)) return;
        if (_validator.CheckQueueRead(brokerName, topic, queueId, group, _topics) is { } failure) Reply(m, Sender, failure);
        else _region.Forward(m);
    }

    /// <summary>Consumer group commands: checked here (broker, group, client id, queues), then kept by the group's entity.</summary>
    private void ForwardToGroup<T>(T m, string brokerName, string group, string? clientId, IReadOnlyList<MessageQueue>? queues)
        where T : IBrokerShardCommand, IBrokerRequest
    {
        if (_validator.CheckGroupRequest(brokerName, group, clientId, queues) is not { } failure)
        {
            _region.Forward(m);
            return;
        }
        if (!Reply(m, Sender, failure)) _log.Warning("Dropped {0}: {1}", m.GetType().Name, failure.Error);
    }

    /// <summary>
    /// RocketMQ's consumerSendMsgBack (decided by <see cref="SendMessageBack"/>): the retry copy goes to
    /// the schedule, a dead letter straight to its queue. The consumer gets SendAcks once the copy is durable.
    /// </summary>
    private void OnSendMsgBack(ConsumerSendMsgBack m)
    {
        if (_validator.CheckWritable() is { } diskFull) { Reply(m, Sender, diskFull); return; }
        if (_sendBack.Decide(m, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SubscriptionGroupTable.RetryMaxTimes(m.ConsumerGroup), out var target) is { } failure)
        {
            Reply(m, Sender, failure);
            return;
        }
        EnsureGroupTopic(target.Topic);
        if (target.ToDlq) _region.Tell(new AppendMessages(BrokerName, target.Topic, 0, new[] { target.Entry }), Sender);
        else _region.Tell(new ScheduleMessages(BrokerName, new[] { new ScheduledEntry(target.DeliverAt, target.Entry) }), Sender);
    }

    /// <summary>Retry and dead-letter topics are created on first use with one queue, as RocketMQ does.</summary>
    /// A heartbeat's retry topic is auto-created (any client can name a new group), so autoCreateQueueLimit counts it.
    private void EnsureGroupTopic(string topic, bool autoCreate = false)
    {
        if (_topics.Contains(topic)) return;
        var config = TopicConfig.Create(topic, 1);
        _topics.Put(topic, config); // served at once; the reply of the update below confirms it (or takes it back)
        _region.Tell(new UpdateTopicConfig(BrokerName, config) { AutoCreate = autoCreate }, Self);
    }

    private void OnSend(SendMessages m)
    {
        if (_validator.CheckWritable() is { } diskFull) { Reply(m, Sender, diskFull); return; }
        foreach (var e in m.Entries)
            if (AwaitTopicRefresh(e.Message.Topic, m)) return;

        Dictionary<(string, int), List<SendEntry>>? byQueue = null;
        List<SendAck>? rejected = null;
        List<ScheduledEntry>? scheduled = null;
        List<SendEntry>? halves = null;
        foreach (var e in m.Entries)
        {
            if ((_validator.CheckSendEntry(m.BrokerName, e, _topics, out var deliverAt)
                 ?? (Protocol.Transaction.TransactionConst.IsHalf(e.Message.Properties) ? CheckHalf(e, deliverAt) : null)) is { } failure)
            {
                if (!e.Oneway) (rejected ??= new()).Add(e.FailedAck(failure.Code, failure.Error));
                continue;
            }
            if (Protocol.Transaction.TransactionConst.IsHalf(e.Message.Properties))
            {
                (halves ??= new()).Add(e);
                continue;
            }
            if (deliverAt > 0)
            {
                (scheduled ??= new()).Add(new ScheduledEntry(deliverAt, e));
                continue;
            }
            byQueue ??= new();
            var key = (e.Message.Topic, e.QueueId);
            if (!byQueue.TryGetValue(key, out var list)) byQueue[key] = list = new List<SendEntry>();
            list.Add(e);
        }
        if (rejected != null) Sender.Tell(new SendAcks(BrokerName, rejected));
        if (scheduled != null) _region.Tell(new ScheduleMessages(BrokerName, scheduled), Sender);
        if (halves != null) _region.Tell(new Protocol.Transaction.PrepareHalfMessages(BrokerName, halves), Sender);
        if (byQueue == null) return;
        foreach (var ((topic, queueId), entries) in byQueue)
            _region.Tell(new AppendMessages(BrokerName, topic, queueId, entries), Sender);
    }
}
