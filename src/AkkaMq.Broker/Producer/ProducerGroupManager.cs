using Akka.Actor;
using Akka.Event;
using AkkaMq.Broker.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Producer;

/// <summary>
/// One producer group on one broker group (RocketMQ's ProducerManager for that group): native and gRPC producers join
/// by heartbeat and leave by unregister, by their actor's death, or after channelExpiredTimeout without one
/// (<see cref="ProducerRegistry"/>). producerConnection reads it, and the transaction entity's check-backs
/// (<see cref="CheckTransactionState"/>) come through it to the heartbeat senders in turn. Not persisted: after a move
/// or restart the producers' next heartbeats rebuild it.
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
    private readonly ProducerRegistry _members = new();

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
            if (!_members.Contains(m.ClientId))
                _log.Info("Producer {0} ({1} {2}) joined group {3} on {4}", m.ClientId, m.Channel.Language, m.Channel.Version, _group, _brokerName);
            // The sender answers check-backs; a heartbeat without one is only listed.
            if (_members.Heartbeat(m.ClientId, m.Channel, Sender.IsNobody() ? null : Sender, _now())) Context.Watch(Sender);
            Sender.Tell(new ProducerHeartbeatReply(_brokerName, _group, m.ClientId, ResponseCode.Success, null));
        });
        Receive<UnregisterProducer>(m =>
        {
            var wasMember = _members.Contains(m.ClientId);
            if (_members.Unregister(m.ClientId) is { } unused) Context.Unwatch(unused);
            if (wasMember) _log.Info("Producer {0} left group {1} on {2}", m.ClientId, _group, _brokerName);
        });
        Receive<Terminated>(t =>
        {
            foreach (var id in _members.Remove(t.ActorRef)) _log.Info("Producer {0} of group {1} on {2} stopped, removed", id, _group, _brokerName);
        });
        Receive<GetProducerConnection>(_ =>
            Sender.Tell(new ProducerConnectionInfo(_brokerName, _group, _members.Connections, ResponseCode.Success, null)));
        Receive<CheckTransactionState>(m =>
        {
            // No live producer: the check still counted at the transaction entity, as in RocketMQ.
            if (_members.Pick() is { } producer) producer.Forward(m);
            else _log.Debug("Check-back of {0} for group {1} on {2}: no live producer", m.TransactionId, _group, _brokerName);
        });
        Receive<Scan>(_ => Expire());
        Receive<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("scan", Scan.Instance, _settings.ScanInterval);

    private void Expire()
    {
        var (ids, unused) = _members.Expire(_now() - (long)_settings.ChannelExpiredTimeout.TotalMilliseconds);
        foreach (var r in unused) Context.Unwatch(r);
        foreach (var id in ids)
            _log.Warning("Producer {0} of group {1} on {2}: no heartbeat for {3}, removed", id, _group, _brokerName, _settings.ChannelExpiredTimeout);
    }
}
