using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Proxy.Telemetry;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy;

// Client bookkeeping: Telemetry Settings register a client, Heartbeat keeps it with the broker (consumerConnection,
// producerConnection), NotifyClientTermination drops it at once.
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
            return new HeartbeatResponse { Status = await HeartbeatToBrokerAsync(client, ct) };
        }, r => r.Status, s => new HeartbeatResponse { Status = s }, context);

    public override Task<NotifyClientTerminationResponse> NotifyClientTermination(NotifyClientTerminationRequest request, ServerCallContext context) =>
        Run(nameof(NotifyClientTermination), _ =>
        {
            if (ClientIdOf(context) is { } id)
            {
                if (_clients.Remove(id) is { } client)
                    foreach (var unregister in GrpcClients.Unregisters(client, _broker.Broker.BrokerName)) _broker.Tell(unregister);
                else if (request.Group is { } g && Validators.CheckGroup(g.Name) == null)
                    _broker.Tell(new Protocol.Consumer.UnregisterConsumer(_broker.Broker.BrokerName, g.Name, id));
            }
            return Task.FromResult(new NotifyClientTerminationResponse { Status = ProxyStatus.Ok() });
        }, r => r.Status, s => new NotifyClientTerminationResponse { Status = s }, context);

    /// <summary>The client of accepted Settings joins its groups on the broker at once, before its first Heartbeat.</summary>
    private async Task RegisterClientAsync(Apache.Rocketmq.V2.Settings settings, ServerCallContext context)
    {
        var headers = context.RequestHeaders;
        var client = GrpcClients.FromSettings(ClientIdOf(context), settings, context.Peer, headers.GetValue("x-mq-language"),
            headers.GetValue("x-mq-client-version"), Now);
        if (client == null) return;
        _clients.Put(client);
        try
        {
            await HeartbeatToBrokerAsync(client, context.CancellationToken);
        }
        catch (AskTimeoutException)
        {
            // The next Heartbeat tries again.
        }
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
