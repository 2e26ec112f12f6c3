using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Consumer;

/// <summary>How the broker tracks consumer groups, read from <c>akkamq.broker.consumer-manager</c>.</summary>
public sealed record ConsumerManagerSettings(TimeSpan ChannelExpiredTimeout, TimeSpan RebalanceLockMaxLiveTime, TimeSpan ScanInterval)
{
    public static readonly ConsumerManagerSettings Default = new(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10));

    public static ConsumerManagerSettings Create(Akka.Configuration.Config brokerConfig)
    {
        var c = brokerConfig.GetConfig("consumer-manager");
        var s = new ConsumerManagerSettings(c.GetTimeSpan("channelExpiredTimeout"), c.GetTimeSpan("rebalanceLockMaxLiveTime"), c.GetTimeSpan("scan-interval"));
        if (s.ChannelExpiredTimeout <= TimeSpan.Zero || s.RebalanceLockMaxLiveTime <= TimeSpan.Zero || s.ScanInterval <= TimeSpan.Zero)
            throw new Akka.Configuration.ConfigurationException("akkamq.broker.consumer-manager: channelExpiredTimeout, rebalanceLockMaxLiveTime and scan-interval must be positive");
        return s;
    }
}

/// <summary>
/// One consumer group on one broker group (RocketMQ's ConsumerGroupInfo plus RebalanceLockManager
/// for that group). Members join by heartbeat and leave by unregister, by their actor's death
/// (DeathWatch over Akka.Remote: a crashed client leaves within the failure detector's time) or
/// after channelExpiredTimeout without a heartbeat. Every change is told to all members so they
/// rebalance at once. Not persisted: after a move or restart the members' next heartbeats rebuild
/// it, and queue locks simply expire as RocketMQ's do.
/// </summary>
public sealed class ConsumerGroupManager : ReceiveActor, IWithTimers
{
    private sealed class Scan : INoSerializationVerificationNeeded
    {
        public static readonly Scan Instance = new();
    }

    private sealed class Member
    {
        public required IActorRef Ref;
        public long LastHeartbeat;
        public MessageModel Model;
        public IReadOnlyList<SubscriptionData> Subscriptions = Array.Empty<SubscriptionData>();
        public ClientChannel? Channel;
        // A POP consumer (gRPC) reads every queue: it owns none in the rebalance and has no actor to tell.
        public bool Pop;
    }

    private readonly record struct LockEntry(string ClientId, long LastUpdate);

    private readonly string _brokerName;
    private readonly string _group;
    private readonly ConsumerManagerSettings _settings;
    private readonly Func<long> _now;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedDictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Topic, int QueueId), LockEntry> _locks = new();

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="nowMillis">Clock for heartbeat and lock expiry; tests pass a controllable one.</param>
    public static Props Props(string brokerName, string group, ConsumerManagerSettings settings, Func<long>? nowMillis = null) =>
        Akka.Actor.Props.Create(() => new ConsumerGroupManager(brokerName, group, settings, nowMillis));

    public ConsumerGroupManager(string brokerName, string group, ConsumerManagerSettings settings, Func<long>? nowMillis)
    {
        _brokerName = brokerName;
        _group = group;
        _settings = settings;
        _now = nowMillis ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Receive<ConsumerHeartbeat>(OnHeartbeat);
        Receive<PopConsumerHeartbeat>(OnPopHeartbeat);
        Receive<UnregisterConsumer>(m =>
        {
            if (_members.Remove(m.ClientId, out var member))
            {
                Unwatch(member.Ref);
                ReleaseLocks(m.ClientId);
                _log.Info("Consumer {0} left group {1} on {2}", m.ClientId, _group, _brokerName);
                if (!member.Pop) NotifyChanged();
            }
        });
        Receive<GetConsumerList>(_ => Sender.Tell(new ConsumerList(_group, _members.Where(kv => !kv.Value.Pop).Select(kv => kv.Key).ToList(),
            ResponseCode.Success, null)));
        Receive<GetConsumerConnection>(_ => Sender.Tell(new ConsumerConnectionInfo(_brokerName, _group,
            _members.Select(kv => new ConsumerConnectionEntry(kv.Key, kv.Value.Channel?.Address ?? AddressOf(kv.Value.Ref), kv.Value.Model,
                kv.Value.Subscriptions, kv.Value.LastHeartbeat) { Channel = kv.Value.Channel, Pop = kv.Value.Pop }).ToList(), ResponseCode.Success, null)));
        Receive<InvokeBrokerToResetOffset>(OnResetOffset);
        Receive<LockBatchMQ>(OnLock);
        Receive<UnlockBatchMQ>(m =>
        {
            foreach (var q in m.Queues)
                if (_locks.TryGetValue((q.Topic, q.QueueId), out var l) && l.ClientId == m.ClientId) _locks.Remove((q.Topic, q.QueueId));
        });
        Receive<Terminated>(t =>
        {
            var gone = _members.Where(kv => kv.Value.Ref.Equals(t.ActorRef)).Select(kv => kv.Key).ToList();
            foreach (var id in gone)
            {
                _members.Remove(id);
                ReleaseLocks(id);
                _log.Info("Consumer {0} of group {1} on {2} stopped or became unreachable", id, _group, _brokerName);
            }
            if (gone.Count > 0) NotifyChanged();
        });
        Receive<Scan>(_ => ExpireMembers());
        Receive<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("scan", Scan.Instance, _settings.ScanInterval);

    private void OnHeartbeat(ConsumerHeartbeat m)
    {
        var isNew = !_members.TryGetValue(m.ClientId, out var member);
        if (isNew)
        {
            member = new Member { Ref = Sender };
            _members[m.ClientId] = member;
            Context.Watch(Sender);
            _log.Info("Consumer {0} joined group {1} on {2}", m.ClientId, _group, _brokerName);
        }
        else if (!member!.Ref.Equals(Sender))
        {
            // Same client id from a new actor (a restarted client): watch the new one.
            Unwatch(member.Ref);
            member.Ref = Sender;
            Context.Watch(Sender);
        }
        member!.LastHeartbeat = _now();
        member.Model = m.MessageModel;
        member.Subscriptions = m.Subscriptions;
        Sender.Tell(new ConsumerHeartbeatReply(_brokerName, _group, m.ClientId, ResponseCode.Success, null));
        if (isNew) NotifyChanged();
    }

    /// <summary>A gRPC consumer's heartbeat through the node's endpoint: kept for consumerConnection, outside the rebalance.</summary>
    private void OnPopHeartbeat(PopConsumerHeartbeat m)
    {
        if (!_members.TryGetValue(m.ClientId, out var member))
        {
            _members[m.ClientId] = member = new Member { Ref = ActorRefs.Nobody, Pop = true };
            _log.Info("Consumer {0} ({1} {2}, POP) joined group {3} on {4}", m.ClientId, m.Channel.Language, m.Channel.Version, _group, _brokerName);
        }
        member.LastHeartbeat = _now();
        member.Model = MessageModel.Clustering;
        member.Subscriptions = m.Subscriptions;
        member.Channel = m.Channel;
        Sender.Tell(new ConsumerHeartbeatReply(_brokerName, _group, m.ClientId, ResponseCode.Success, null));
    }

    /// <summary>
    /// RocketMQ's Broker2Client.resetOffset: every live clustering member subscribed to the topic is told the new
    /// offsets. Broadcasting members keep their own offsets in a local file, which a broker reset does not own.
    /// </summary>
    private void OnResetOffset(InvokeBrokerToResetOffset m)
    {
        var notice = new ResetConsumerClientOffset(m.BrokerName, _group, m.Topic, m.Offsets);
        var told = new List<string>();
        foreach (var (id, member) in _members)
        {
            if (member.Pop || member.Model != MessageModel.Clustering || !member.Subscriptions.Any(s => s.Topic == m.Topic)) continue;
            member.Ref.Tell(notice);
            told.Add(id);
        }
        _log.Info("Offset reset of group {0} on {1} topic {2} told to {3} running consumer(s)", _group, _brokerName, m.Topic, told.Count);
        Sender.Tell(new ResetOffsetReply(_brokerName, _group, m.Topic, told, ResponseCode.Success, null));
    }

    /// <summary>host:port of a member's actor system (the client's Akka.Remote endpoint); null when it lives in this node.</summary>
    private static string? AddressOf(IActorRef r)
    {
        var a = r.Path.Address;
        return a.Host != null && a.Port != null ? $"{a.Host}:{a.Port}" : null;
    }

    private void Unwatch(IActorRef r)
    {
        // Several client ids may share one actor only in odd tests; keep watching while one remains.
        if (!_members.Values.Any(x => x.Ref.Equals(r))) Context.Unwatch(r);
    }

    private void ExpireMembers()
    {
        var cutoff = _now() - (long)_settings.ChannelExpiredTimeout.TotalMilliseconds;
        var expired = _members.Where(kv => kv.Value.LastHeartbeat < cutoff).ToList();
        foreach (var (id, member) in expired)
        {
            _members.Remove(id);
            Unwatch(member.Ref);
            _log.Warning("Consumer {0} of group {1} on {2}: no heartbeat for {3}, removed", id, _group, _brokerName, _settings.ChannelExpiredTimeout);
        }
        if (expired.Any(e => !e.Value.Pop)) NotifyChanged();
        var lockCutoff = _now() - (long)_settings.RebalanceLockMaxLiveTime.TotalMilliseconds;
        foreach (var key in _locks.Where(kv => kv.Value.LastUpdate < lockCutoff).Select(kv => kv.Key).ToList()) _locks.Remove(key);
    }

    private void NotifyChanged()
    {
        var notice = new ConsumerIdsChanged(_brokerName, _group);
        foreach (var m in _members.Values.Where(x => !x.Pop).Select(x => x.Ref).Distinct()) m.Tell(notice);
    }

    private void ReleaseLocks(string clientId)
    {
        foreach (var key in _locks.Where(kv => kv.Value.ClientId == clientId).Select(kv => kv.Key).ToList()) _locks.Remove(key);
    }

    private void OnLock(LockBatchMQ m)
    {
        var now = _now();
        var maxLive = (long)_settings.RebalanceLockMaxLiveTime.TotalMilliseconds;
        var ok = new List<MessageQueue>(m.Queues.Count);
        foreach (var q in m.Queues)
        {
            var key = (q.Topic, q.QueueId);
            // Free, expired, or already ours (renewal): lock it for ClientId.
            if (!_locks.TryGetValue(key, out var l) || l.ClientId == m.ClientId || now - l.LastUpdate > maxLive)
            {
                _locks[key] = new LockEntry(m.ClientId, now);
                ok.Add(q);
            }
        }
        Sender.Tell(new LockBatchMQReply(_group, m.ClientId, ok, ResponseCode.Success, null));
    }
}
