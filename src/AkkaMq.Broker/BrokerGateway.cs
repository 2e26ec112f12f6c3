using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Protocol;
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

    protected override void PreStart()
    {
        Self.Tell(LoadTopics.Instance);
        Timers.StartPeriodicTimer("load", LoadTopics.Instance, TimeSpan.FromSeconds(2));
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
        Receive<ConsumerHeartbeat>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, null,
            e => new ConsumerHeartbeatReply(m.BrokerName, m.ConsumerGroup, m.ClientId, e.Code, e.Error)));
        Receive<UnregisterConsumer>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, null, null));
        Receive<GetConsumerList>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, null, null,
            e => new ConsumerList(m.ConsumerGroup, Array.Empty<string>(), e.Code, e.Error)));
        Receive<LockBatchMQ>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues,
            e => new LockBatchMQReply(m.ConsumerGroup, m.ClientId, Array.Empty<MessageQueue>(), e.Code, e.Error)));
        Receive<UnlockBatchMQ>(m => ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues, null));
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
        Receive<RefreshTopicsAgain>(_ =>
        {
            if (_awaitingTopics.Count > 0) _region.Tell(new GetTopicConfigs(BrokerName));
            else Timers.Cancel("topics-refresh");
        });
        Receive<TopicConfigs>(m =>
        {
            ReplaceTopics(m);
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

    protected override void PostStop()
    {
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
