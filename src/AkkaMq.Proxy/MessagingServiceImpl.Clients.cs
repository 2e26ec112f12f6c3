using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Proxy.Security;
using AkkaMq.Proxy.Telemetry;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy;

// Client bookkeeping: Telemetry Settings register a client, Heartbeat keeps it with the broker (consumerConnection,
// producerConnection), NotifyClientTermination drops it at once. A producer's heartbeats come from its GrpcProducer, the
// long-lived actor of its Telemetry stream, so the broker's registry of the group can send it check-backs.
public sealed partial class MessagingServiceImpl
{
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string? ClientIdOf(ServerCallContext context) => context.RequestHeaders.GetValue("x-mq-client-id");

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
        Run(nameof(Heartbeat), async ct =>
        {
            var now = Now;
            _clients.Expire(now);
            // A client whose Settings have not come yet is registered by its Telemetry stream.
            if (ClientIdOf(context) is not { } id || _clients.Touch(id, now) is not { } client)
                return new HeartbeatResponse { Status = ProxyStatus.Ok() };
            if (client.Group == null)
            {
                if (_producers.TryGetValue(id, out var producer)) producer.Tell(new GrpcProducer.Register(client));
                return new HeartbeatResponse { Status = ProxyStatus.Ok() };
            }
            return new HeartbeatResponse { Status = await HeartbeatToBrokerAsync(client, ct) };
        }, r => r.Status, s => new HeartbeatResponse { Status = s }, context);

    public override Task<NotifyClientTerminationResponse> NotifyClientTermination(NotifyClientTerminationRequest request, ServerCallContext context) =>
        Run(nameof(NotifyClientTermination), _ =>
        {
            if (ClientIdOf(context) is { } id)
            {
                var client = _clients.Remove(id);
                if (_producers.TryRemove(id, out var producer)) producer.Tell(PoisonPill.Instance); // it unregisters
                else if (client != null)
                    foreach (var unregister in GrpcClients.Unregisters(client, _broker.Broker.BrokerName)) _broker.Tell(unregister);
                else if (request.Group is { } g && Validators.CheckGroup(g.Name) == null)
                    _broker.Tell(new Protocol.Consumer.UnregisterConsumer(_broker.Broker.BrokerName, g.Name, id));
            }
            return Task.FromResult(new NotifyClientTerminationResponse { Status = ProxyStatus.Ok() });
        }, r => r.Status, s => new NotifyClientTerminationResponse { Status = s }, context);

    /// <summary>
    /// The client of accepted Settings joins its groups on the broker at once, before its first Heartbeat: a consumer by
    /// a heartbeat, a producer through its GrpcProducer (started on its first Settings). The stream's producer, if any.
    /// </summary>
    private async Task<IActorRef?> RegisterClientAsync(IActorRef? producer, Apache.Rocketmq.V2.Settings settings, TelemetryWriter writer,
        ServerCallContext context)
    {
        var headers = context.RequestHeaders;
        var client = GrpcClients.FromSettings(ClientIdOf(context), settings, context.Peer, headers.GetValue("x-mq-language"),
            headers.GetValue("x-mq-client-version"), Now);
        if (client == null) return producer;
        _clients.Put(client);
        if (client.Group == null)
        {
            producer ??= _broker.System.ActorOf(GrpcProducer.Props(_broker.Broker.BrokerName, _broker.StoreHost, writer));
            _producers[client.ClientId] = producer;
            producer.Tell(new GrpcProducer.Register(client));
            return producer;
        }
        try
        {
            await HeartbeatToBrokerAsync(client, context.CancellationToken);
        }
        catch (AskTimeoutException)
        {
            // The next Heartbeat tries again.
        }
        return producer;
    }

    /// <summary>The re-checks of a Telemetry stream opened by an authenticated user; null with auth off.</summary>
    private TelemetryStreamGuard? GuardOf(ServerCallContext context, CancellationTokenSource end) =>
        _authCache != null && context.UserState.TryGetValue(GrpcAuthInterceptor.UserKey, out var u) && u is Protocol.Auth.User user
            ? new TelemetryStreamGuard(new TelemetryAccess(_authCache, user, GrpcAuthCheck.SourceOf(context.Peer)), end)
            : null;

    /// <summary>
    /// A stream whose user was refused: the refusal is its last command, and the client leaves the broker's groups
    /// (its producer has stopped; a consumer is unregistered), so it gets no more check-backs or messages through them.
    /// </summary>
    private async Task EndRevokedAsync(Status refusal, TelemetryWriter writer, ServerCallContext context)
    {
        _metrics.Record(nameof(Telemetry), refusal.Code, 0);
        if (ClientIdOf(context) is { } id && _clients.Remove(id) is { Group: not null } consumer)
            foreach (var unregister in GrpcClients.Unregisters(consumer, _broker.Broker.BrokerName)) _broker.Tell(unregister);
        await writer.WriteAsync(new TelemetryCommand { Status = refusal });
    }

    private void StopProducer(IActorRef producer)
    {
        foreach (var (id, p) in _producers)
            if (p.Equals(producer)) _producers.TryRemove(new KeyValuePair<string, IActorRef>(id, p));
        producer.Tell(PoisonPill.Instance);
    }

    /// <summary>OK, or the first refusal of the client's heartbeats (e.g. CONSUMER_GROUP_NOT_FOUND).</summary>
    private async Task<Status> HeartbeatToBrokerAsync(GrpcClient client, CancellationToken ct)
    {
        foreach (var heartbeat in GrpcClients.Heartbeats(client, _broker.Broker.BrokerName))
        {
            var (code, error) = await _broker.HeartbeatAsync(heartbeat, ct);
            if (code != ResponseCode.Success) return ProxyStatus.FromBroker(code, error);
        }
        return ProxyStatus.Ok();
    }
}
