using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Client;

/// <summary>
/// A transaction producer's member of its producer group at the brokers (RocketMQ's producer heartbeat plus
/// ClientRemotingProcessor.checkTransactionState). Every heartbeatBrokerInterval it sends a <see cref="ProducerHeartbeat"/>
/// to each broker group the NameServer lists, so any broker may check back with it, also about a peer's half messages.
/// A <see cref="CheckTransactionState"/> runs the listener's CheckLocalTransaction off the actor (one check per
/// transaction at a time, <see cref="TransactionCheckQueue"/>) and its answer goes back as an EndTransaction marked
/// FromTransactionCheck. On stop it leaves its group at each broker (UnregisterProducer). It is the transaction producer's
/// only heartbeat (its sends have none), so producerConnection lists it once.
/// </summary>
public sealed class TransactionCheckActor : ReceiveActor, IWithTimers
{
    private sealed class Heartbeat : INoSerializationVerificationNeeded
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed record CheckDone(CheckTransactionState Check, TransactionResolution Resolution, string? Error) : INoSerializationVerificationNeeded;

    private sealed record EndTransactionFailed(string TransactionId, string Error) : INoSerializationVerificationNeeded;

    private sealed record BrokersUnknown(string Error) : INoSerializationVerificationNeeded;

    private readonly ClientContext _context;
    private readonly string _group;
    private readonly string _clientId;
    private readonly ITransactionListener _listener;
    private readonly ClientChannel _channel;
    private readonly TransactionCheckQueue _checks;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Broker group -> the node its heartbeats go to (the lowest broker id the NameServer lists).
    private readonly Dictionary<string, string> _brokers = new(StringComparer.Ordinal);

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ClientContext context, string producerGroup, string clientId, ITransactionListener listener) =>
        Akka.Actor.Props.Create(() => new TransactionCheckActor(context, producerGroup, clientId, listener));

    public TransactionCheckActor(ClientContext context, string producerGroup, string clientId, ITransactionListener listener)
    {
        _context = context;
        _group = producerGroup;
        _clientId = clientId;
        _listener = listener;
        _channel = ProducerActor.ChannelOf(Context.System);
        _checks = new TransactionCheckQueue(context.Settings.Producer.CheckRequestHoldMax);

        Receive<Heartbeat>(_ => AskBrokers());
        Receive<BrokerClusterInfo>(OnBrokers);
        Receive<BrokersUnknown>(f => _log.Warning("Producer group {0}: the NameServer did not list the brokers: {1}", _group, f.Error));
        Receive<ProducerHeartbeatReply>(r =>
        {
            if (r.Code != ResponseCode.Success) _log.Warning("Producer group {0}: broker {1} refused the heartbeat: {2}", _group, r.BrokerName, r.Error);
        });
        Receive<CheckTransactionState>(OnCheck);
        Receive<CheckDone>(OnCheckDone);
        Receive<EndTransactionReply>(r =>
        {
            if (r.Code != ResponseCode.Success)
                _log.Warning("Producer group {0}: broker {1} refused the check answer for {2}: {3}", _group, r.BrokerName, r.TransactionId, r.Error);
        });
        Receive<EndTransactionFailed>(f => _log.Warning("Producer group {0}: the check answer for {1} was not delivered ({2}); the broker asks again", _group, f.TransactionId, f.Error));
    }

    protected override void PreStart()
    {
        AskBrokers();
        Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, _context.Settings.Producer.HeartbeatBrokerInterval);
    }

    protected override void PostStop()
    {
        foreach (var (brokerName, address) in _brokers)
            Context.System.ActorSelection(_context.Settings.BrokerPath(address)).Tell(new UnregisterProducer(brokerName, _group, _clientId));
    }

    private void AskBrokers() =>
        _context.AskNameServerAsync<BrokerClusterInfo>(GetBrokerClusterInfo.Instance).PipeTo(Self, failure: e => new BrokersUnknown(e.GetBaseException().Message));

    private void OnBrokers(BrokerClusterInfo info)
    {
        _brokers.Clear();
        foreach (var b in info.Brokers.OrderBy(b => b.Broker.BrokerId))
            _brokers.TryAdd(b.Broker.BrokerName, b.Broker.Address);
        foreach (var (brokerName, address) in _brokers)
            Context.ActorSelection(_context.Settings.BrokerPath(address)).Tell(new ProducerHeartbeat(brokerName, _group, _clientId, _channel), Self);
    }

    private void OnCheck(CheckTransactionState check)
    {
        if (check.ProducerGroup != _group || !_checks.TryStart(check.TransactionId))
        {
            _log.Debug("Producer group {0}: check of {1} dropped (running already, too many running, or for group {2})",
                _group, check.TransactionId, check.ProducerGroup);
            return;
        }
        var listener = _listener;
        Task.Run(async () =>
        {
            try
            {
                var state = await listener.CheckLocalTransaction(check.Message).ConfigureAwait(false);
                return new CheckDone(check, AkkaMqTransactionProducer.ToResolution(state), null);
            }
            catch (Exception e)
            {
                return new CheckDone(check, TransactionResolution.Unknown, e.Message);
            }
        }).PipeTo(Self);
    }

    private void OnCheckDone(CheckDone done)
    {
        var check = done.Check;
        _checks.Done(check.TransactionId);
        if (done.Error != null)
            _log.Warning("Producer group {0}: CheckLocalTransaction of {1} threw ({2}); answering Unknown", _group, check.TransactionId, done.Error);
        var end = new EndTransaction(check.BrokerName, _group, check.Message.Topic, check.TransactionId, done.Resolution, FromTransactionCheck: true);
        var transactionId = check.TransactionId;
        _context.AskBrokerAsync<EndTransactionReply>(check.Message.Topic, check.BrokerName, end)
            .PipeTo(Self, failure: e => new EndTransactionFailed(transactionId, e.GetBaseException().Message));
    }
}
