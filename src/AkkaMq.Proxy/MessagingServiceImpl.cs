using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Proxy.Producer;
using AkkaMq.Proxy.Route;
using AkkaMq.Proxy.Security;
using AkkaMq.Proxy.Telemetry;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy;

/// <summary>
/// RocketMQ 5's MessagingService on a broker node: routes, heartbeats, Telemetry settings and sends are served
/// here; the RPCs not served yet answer NOT_IMPLEMENTED at once (MessagingServiceImpl.NotServed.cs). Every RPC
/// answers a v2 status, never a hang or a gRPC error: a broker that does not answer in time is PROXY_TIMEOUT.
/// </summary>
public sealed partial class MessagingServiceImpl : MessagingService.MessagingServiceBase
{
    private readonly BrokerAccess _broker;
    private readonly ProxyMetrics _metrics;
    private readonly ClientSettingsAnswer _settingsAnswer;
    private readonly SendMessageCheck _sendCheck;
    private readonly GrpcClients _clients;
    // With auth on: the node's users and ACLs, which open Telemetry streams are checked against again on every change.
    private readonly AkkaMq.Auth.AuthCache? _authCache;
    // Client id -> the GrpcProducer of its open Telemetry stream.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IActorRef> _producers = new(StringComparer.Ordinal);

    public MessagingServiceImpl(BrokerAccess broker, ProxySettings settings, ProxyMetrics metrics)
    {
        _broker = broker;
        _metrics = metrics;
        _settingsAnswer = new ClientSettingsAnswer(settings, broker.Broker.Limits.MaxMessageSize);
        _clients = new GrpcClients(broker.Broker.ConsumerManager.ChannelExpiredTimeout);
        _sendCheck = new SendMessageCheck(broker.Broker.BrokerName, broker.Broker.Limits, broker.Broker.Schedule.TimerMaxDelay);
        var auth = AkkaMq.Auth.AuthExtension.For(broker.System);
        _authCache = auth.Settings.Enabled ? auth.Cache : null;
    }

    public override Task<QueryRouteResponse> QueryRoute(QueryRouteRequest request, ServerCallContext context) =>
        Run(nameof(QueryRoute), async ct =>
        {
            var topic = request.Topic?.Name ?? "";
            if (Validators.CheckTopic(topic) is { } error)
                return new QueryRouteResponse { Status = ProxyStatus.Of(Code.IllegalTopic, error) };
            var reply = await _broker.RouteAsync(topic, ct);
            if (reply.Code != ResponseCode.Success || reply.Route == null)
                return new QueryRouteResponse { Status = ProxyStatus.FromBroker(reply.Code, reply.Error) };
            var queues = QueueRoutes.Build(request.Topic!, reply.Route);
            if (queues.Count == 0)
                return new QueryRouteResponse
                {
                    Status = ProxyStatus.Of(Code.NotFound, $"topic '{topic}' has no broker group whose serving node has a gRPC endpoint (akkamq.proxy.grpc.port)"),
                };
            var response = new QueryRouteResponse { Status = ProxyStatus.Ok() };
            response.MessageQueues.AddRange(queues);
            return response;
        }, r => r.Status, s => new QueryRouteResponse { Status = s }, context);

    public override Task<SendMessageResponse> SendMessage(SendMessageRequest request, ServerCallContext context) =>
        Run(nameof(SendMessage), async ct =>
        {
            if (request.Messages.Count == 0)
                return new SendMessageResponse { Status = ProxyStatus.Of(Code.BadRequest, "SendMessageRequest carries no message") };
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var entries = new SendResultEntry[request.Messages.Count];
            var sends = new Task<Protocol.Broker.SendAck>?[entries.Length];
            for (var i = 0; i < entries.Length; i++)
            {
                var m = request.Messages[i];
                var id = m.SystemProperties?.MessageId ?? "";
                var name = m.Topic?.Name ?? "";
                var config = Validators.CheckTopic(name) == null ? await _broker.TopicAsync(name, ct) : null;
                var checkedMessage = _sendCheck.Check(m, config, now);
                if (checkedMessage.Refusal is { } refusal) entries[i] = new SendResultEntry { Status = refusal, MessageId = id };
                else sends[i] = _broker.SendAsync(checkedMessage.Entry!, ct);
            }
            for (var i = 0; i < entries.Length; i++)
            {
                if (sends[i] is not { } send) continue;
                var ack = await send;
                var id = request.Messages[i].SystemProperties.MessageId;
                entries[i] = ack.Code == ResponseCode.Success
                    ? new SendResultEntry { Status = ProxyStatus.Ok(), MessageId = id, Offset = ack.QueueOffset, TransactionId = TransactionIdOf(request.Messages[i], ack) }
                    : new SendResultEntry { Status = ProxyStatus.FromBroker(ack.Code, ack.Error), MessageId = id };
            }
            // As RocketMQ's proxy: the response carries the first failure, or OK.
            var response = new SendMessageResponse { Status = entries.FirstOrDefault(e => e.Status.Code != Code.Ok)?.Status ?? ProxyStatus.Ok() };
            response.Entries.AddRange(entries);
            return response;
        }, r => r.Status, s => new SendMessageResponse { Status = s }, context);

    /// <summary>
    /// The client's Settings come in (first at start, again on changes); each is answered with the server's. A producer's
    /// stream also carries the check-backs of its topics' half messages (GrpcProducer, MessagingServiceImpl.Clients.cs).
    /// With auth on, every command and every change of users or ACLs checks the user again (<see cref="TelemetryAccess"/>):
    /// a refusal is the stream's last command, and the client's registrations with the broker go with it.
    /// </summary>
    public override async Task Telemetry(IAsyncStreamReader<TelemetryCommand> requestStream, IServerStreamWriter<TelemetryCommand> responseStream,
        ServerCallContext context)
    {
        var writer = new TelemetryWriter(responseStream, context.CancellationToken);
        IActorRef? producer = null;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var guard = GuardOf(context, ended);
        var watch = guard == null || _authCache == null ? Task.CompletedTask : guard.WatchAsync(_authCache, ended.Token);
        try
        {
            // WaitAsync: a revocation ends the wait for the client's next command at once.
            while (await requestStream.MoveNext(ended.Token).WaitAsync(ended.Token))
            {
                var command = requestStream.Current;
                var isSettings = command.CommandCase == TelemetryCommand.CommandOneofCase.Settings;
                // Settings are checked for what they would register before they are answered.
                if (guard != null && !guard.Check(isSettings ? command.Settings : guard.Held)) break;
                if (!isSettings) continue;
                var started = Stopwatch.GetTimestamp();
                var answer = _settingsAnswer.Answer(command.Settings, await ConsumerGroupAsync(command.Settings, context.CancellationToken));
                await writer.WriteAsync(answer);
                _metrics.Record(nameof(Telemetry), answer.Status.Code, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (answer.Status.Code != Code.Ok) continue;
                if (guard != null) guard.Held = command.Settings;
                producer = await RegisterClientAsync(producer, command.Settings, writer, context);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException || e is RpcException { StatusCode: StatusCode.Cancelled })
        {
            // The client went away, or its access was revoked: the stream ends.
        }
        finally
        {
            ended.Cancel();
            await watch;
            // It unregisters, and the broker, watching it, no longer sends it check-backs.
            if (producer != null) StopProducer(producer);
            if (guard?.Refusal is { } refusal) await EndRevokedAsync(refusal, writer, context);
        }
    }

    /// <summary>A consumer's subscription group config; null for a producer, or when the broker does not give it (defaults apply).</summary>
    private async Task<Protocol.Admin.SubscriptionGroupConfig?> ConsumerGroupAsync(Apache.Rocketmq.V2.Settings settings, CancellationToken ct)
    {
        var name = settings.Subscription?.Group?.Name;
        if (settings.PubSubCase != Apache.Rocketmq.V2.Settings.PubSubOneofCase.Subscription || Validators.CheckGroup(name) != null) return null;
        try
        {
            return (await _broker.GroupAsync(name!, ct)).Config;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>Runs a unary RPC: times it, and turns a broker that does not answer or a failure into a status.</summary>
    private async Task<T> Run<T>(string rpc, Func<CancellationToken, Task<T>> body, Func<T, Status> statusOf, Func<Status, T> failed,
        ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        T response;
        try
        {
            response = await body(context.CancellationToken);
        }
        catch (AskTimeoutException)
        {
            response = failed(ProxyStatus.Of(Code.ProxyTimeout, $"{rpc}: the broker did not answer in time (akkamq.proxy.request-timeout)"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            response = failed(ProxyStatus.Of(Code.RequestTimeout, $"{rpc}: the call was cancelled by the client"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            response = failed(ProxyStatus.Of(Code.InternalServerError, $"{rpc} failed: {e.Message}"));
        }
        _metrics.Record(rpc, statusOf(response).Code, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return response;
    }
}
