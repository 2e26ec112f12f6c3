using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;
using AkkaMq.Proxy.Consumer;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Telemetry;

/// <summary>
/// A gRPC producer, as a member of its topics' producer groups at the local broker group (RocketMQ's proxy registers a gRPC
/// producer under each topic it publishes to). It sends <see cref="ProducerHeartbeat"/>s to the local gateway; each
/// <see cref="CheckTransactionState"/> the broker sends it becomes a RecoverOrphanedTransactionCommand on the client's
/// Telemetry stream, which the client answers with EndTransaction (source SOURCE_SERVER_CHECK). It stops with the stream,
/// and the broker, watching it, checks back with another producer of the group.
/// </summary>
public sealed class GrpcTransactionProducer : ReceiveActor, IWithTimers
{
    /// <summary>Heartbeats repeat well within the broker's channel expiry; the first goes at once.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>The topics of the client's latest publishing Settings.</summary>
    public sealed record Topics(IReadOnlyList<string> Names) : INoSerializationVerificationNeeded;

    private sealed class Heartbeat : INoSerializationVerificationNeeded
    {
        public static readonly Heartbeat Instance = new();
    }

    private readonly string _brokerName;
    private readonly string _clientId;
    private readonly TelemetryWriter _writer;
    private readonly HashSet<string> _topics = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string brokerName, string clientId, TelemetryWriter writer) =>
        Akka.Actor.Props.Create(() => new GrpcTransactionProducer(brokerName, clientId, writer));

    public GrpcTransactionProducer(string brokerName, string clientId, TelemetryWriter writer)
    {
        _brokerName = brokerName;
        _clientId = clientId;
        _writer = writer;
        Receive<Topics>(m =>
        {
            foreach (var gone in _topics.Where(t => !m.Names.Contains(t)).ToList())
            {
                Gateway.Tell(new UnregisterProducer(_brokerName, gone, _clientId));
                _topics.Remove(gone);
            }
            _topics.UnionWith(m.Names);
            SendHeartbeats();
        });
        Receive<Heartbeat>(_ => SendHeartbeats());
        Receive<ProducerHeartbeatReply>(r =>
        {
            if (r.Code != ResponseCode.Success) _log.Warning("gRPC producer {0}: broker refused the heartbeat for {1}: {2}", _clientId, r.ProducerGroup, r.Error);
        });
        Receive<CheckTransactionState>(OnCheck);
    }

    private ActorSelection Gateway => Context.ActorSelection(BrokerAccess.GatewayPath);

    protected override void PreStart() => Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, HeartbeatInterval);

    protected override void PostStop()
    {
        foreach (var topic in _topics) Gateway.Tell(new UnregisterProducer(_brokerName, topic, _clientId));
    }

    private void SendHeartbeats()
    {
        foreach (var topic in _topics) Gateway.Tell(new ProducerHeartbeat(_brokerName, topic, _clientId));
    }

    private void OnCheck(CheckTransactionState check)
    {
        if (!_topics.Contains(check.ProducerGroup)) return;
        var message = ReceivedMessage.ToV2(check.Message, _brokerName);
        message.SystemProperties.MessageType = V2.MessageType.Transaction;
        var command = new V2.TelemetryCommand
        {
            Status = ProxyStatus.Ok(),
            RecoverOrphanedTransactionCommand = new V2.RecoverOrphanedTransactionCommand { Message = message, TransactionId = check.TransactionId },
        };
        // A write to a stream that has just ended is lost: the broker checks back again later.
        _ = _writer.WriteAsync(command);
    }
}
