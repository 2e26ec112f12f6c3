using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Transaction;
using AkkaMq.Proxy.Consumer;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Telemetry;

/// <summary>
/// A gRPC producer while its Telemetry stream is open: its member of its topics' producer groups at the local broker group
/// (RocketMQ's proxy registers a gRPC producer under each topic it publishes to). It sends the client's
/// <see cref="ProducerHeartbeat"/>s (<see cref="GrpcClients.Heartbeats"/>) to the local gateway, so the broker's one
/// registry of the group lists it (producerConnection) and sends it check-backs: each <see cref="CheckTransactionState"/>
/// becomes a RecoverOrphanedTransactionCommand on the stream, which the client answers with EndTransaction (source
/// SOURCE_SERVER_CHECK). It stops with the stream or on NotifyClientTermination and then unregisters; the broker also
/// watches it, and checks back with another producer of the group.
/// </summary>
public sealed class GrpcProducer : ReceiveActor, IWithTimers
{
    /// <summary>Heartbeats repeat well within the broker's channel expiry; the first goes at once.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>The client as its latest Settings (or Heartbeat) describe it: heartbeats go out at once.</summary>
    public sealed record Register(GrpcClient Client) : INoSerializationVerificationNeeded;

    private sealed class Heartbeat : INoSerializationVerificationNeeded
    {
        public static readonly Heartbeat Instance = new();
    }

    private readonly string _brokerName;
    private readonly string _storeHost;
    private readonly TelemetryWriter _writer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private GrpcClient? _client;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="storeHost">The broker node's host:port, the store_host of checked-back messages.</param>
    public static Props Props(string brokerName, string storeHost, TelemetryWriter writer) =>
        Akka.Actor.Props.Create(() => new GrpcProducer(brokerName, storeHost, writer));

    public GrpcProducer(string brokerName, string storeHost, TelemetryWriter writer)
    {
        _brokerName = brokerName;
        _storeHost = storeHost;
        _writer = writer;
        Receive<Register>(m =>
        {
            if (_client != null)
                foreach (var gone in _client.Topics.Except(m.Client.Topics))
                    Gateway.Tell(new UnregisterProducer(_brokerName, gone, _client.ClientId));
            _client = m.Client;
            SendHeartbeats();
        });
        Receive<Heartbeat>(_ => SendHeartbeats());
        Receive<ProducerHeartbeatReply>(r =>
        {
            if (r.Code != ResponseCode.Success) _log.Warning("gRPC producer {0}: broker refused the heartbeat for {1}: {2}", r.ClientId, r.ProducerGroup, r.Error);
        });
        Receive<CheckTransactionState>(OnCheck);
    }

    private ActorSelection Gateway => Context.ActorSelection(BrokerAccess.GatewayPath);

    protected override void PreStart() => Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, HeartbeatInterval);

    protected override void PostStop()
    {
        if (_client == null) return;
        // From this local actor, so the gateway's guard takes it with auth on (no sender proves nothing).
        foreach (var unregister in GrpcClients.Unregisters(_client, _brokerName)) Gateway.Tell(unregister, Self);
    }

    private void SendHeartbeats()
    {
        if (_client == null) return;
        foreach (var heartbeat in GrpcClients.Heartbeats(_client, _brokerName)) Gateway.Tell(heartbeat, Self);
    }

    private void OnCheck(CheckTransactionState check)
    {
        if (_client == null || !_client.Topics.Contains(check.ProducerGroup)) return;
        var message = ReceivedMessage.ToV2(check.Message, _storeHost);
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
