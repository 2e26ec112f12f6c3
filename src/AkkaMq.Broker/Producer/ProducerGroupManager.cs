using Akka.Actor;
using Akka.Event;
using AkkaMq.Broker.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Producer;

/// <summary>
/// One producer group on one broker group (RocketMQ's ProducerManager for that group): native and gRPC producers join
/// by heartbeat and leave by unregister or after channelExpiredTimeout without one. Only producerConnection reads it.
/// Not persisted: after a move or restart the producers' next heartbeats rebuild it.
/// </summary>
public sealed class ProducerGroupManager : ReceiveActor, IWithTimers
{
    private sealed class Scan : INoSerializationVerificationNeeded
    {
        public static readonly Scan Instance = new();
    }

    private readonly string _brokerName;
    private readonly string _group;
    private readonly ConsumerManagerSettings _settings;
    private readonly Func<long> _now;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedDictionary<string, ProducerConnectionEntry> _members = new(StringComparer.Ordinal);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="nowMillis">Clock for heartbeat expiry; tests pass a controllable one.</param>
    public static Props Props(string brokerName, string group, ConsumerManagerSettings settings, Func<long>? nowMillis = null) =>
        Akka.Actor.Props.Create(() => new ProducerGroupManager(brokerName, group, settings, nowMillis));

    public ProducerGroupManager(string brokerName, string group, ConsumerManagerSettings settings, Func<long>? nowMillis)
    {
        _brokerName = brokerName;
        _group = group;
        _settings = settings;
        _now = nowMillis ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Receive<ProducerHeartbeat>(m =>
        {
            if (!_members.ContainsKey(m.ClientId))
                _log.Info("Producer {0} ({1} {2}) joined group {3} on {4}", m.ClientId, m.Channel.Language, m.Channel.Version, _group, _brokerName);
            _members[m.ClientId] = new ProducerConnectionEntry(m.ClientId, m.Channel, _now());
            Sender.Tell(new ProducerHeartbeatReply(_brokerName, _group, m.ClientId, ResponseCode.Success, null));
        });
        Receive<UnregisterProducer>(m =>
        {
            if (_members.Remove(m.ClientId)) _log.Info("Producer {0} left group {1} on {2}", m.ClientId, _group, _brokerName);
        });
        Receive<GetProducerConnection>(_ =>
            Sender.Tell(new ProducerConnectionInfo(_brokerName, _group, _members.Values.ToList(), ResponseCode.Success, null)));
        Receive<Scan>(_ => Expire());
        Receive<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("scan", Scan.Instance, _settings.ScanInterval);

    private void Expire()
    {
        var cutoff = _now() - (long)_settings.ChannelExpiredTimeout.TotalMilliseconds;
        foreach (var id in _members.Values.Where(e => e.LastHeartbeat < cutoff).Select(e => e.ClientId).ToList())
        {
            _members.Remove(id);
            _log.Warning("Producer {0} of group {1} on {2}: no heartbeat for {3}, removed", id, _group, _brokerName, _settings.ChannelExpiredTimeout);
        }
    }
}
