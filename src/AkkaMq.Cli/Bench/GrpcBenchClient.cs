using System.Globalization;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using AkkaMq.Cli.Common;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// The bench's RocketMQ 5 client, built on the stubs generated from AkkaMq.Proxy's protos: one HTTP/2 channel to the
/// endpoint, the x-mq-* headers on every call, and a start-up as the official clients make it (QueryRoute, then
/// Telemetry with the client's Settings, waiting for the server's Settings, then a Heartbeat).
/// </summary>
public sealed class GrpcBenchClient : IAsyncDisposable
{
    /// <summary>RPC timeout, as the official clients' default requestTimeout.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _channel;
    private readonly Settings _settings;
    private AsyncDuplexStreamingCall<TelemetryCommand, TelemetryCommand>? _telemetry;

    private GrpcBenchClient(string endpoint, GrpcChannel channel, Settings settings)
    {
        Endpoint = endpoint;
        _channel = channel;
        _settings = settings;
        Stub = new MessagingService.MessagingServiceClient(channel);
    }

    public string Endpoint { get; }
    public string ClientId { get; } = $"akkamq-bench@{Environment.ProcessId}@{Guid.NewGuid().ToString("N")[..8]}";
    public MessagingService.MessagingServiceClient Stub { get; }
    /// <summary>The Settings the server answered on Telemetry.</summary>
    public Settings? ServerSettings { get; private set; }

    /// <summary>A producer client publishing to the topics.</summary>
    public static GrpcBenchClient Producer(string endpoint, params string[] topics)
    {
        var publishing = new Publishing();
        publishing.Topics.AddRange(topics.Select(t => new Resource { Name = t }));
        return Create(endpoint, new Settings { ClientType = ClientType.Producer, Publishing = publishing });
    }

    /// <summary>A SimpleConsumer client of the group, subscribed to the topics with "*".</summary>
    public static GrpcBenchClient SimpleConsumer(string endpoint, string group, TimeSpan pollingTimeout, params string[] topics)
    {
        var subscription = new Subscription { Group = new Resource { Name = group }, LongPollingTimeout = Duration.FromTimeSpan(pollingTimeout) };
        subscription.Subscriptions.AddRange(topics.Select(t => new SubscriptionEntry
        {
            Topic = new Resource { Name = t }, Expression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
        }));
        return Create(endpoint, new Settings { ClientType = ClientType.SimpleConsumer, Subscription = subscription });
    }

    private static GrpcBenchClient Create(string endpoint, Settings settings)
    {
        var (host, port) = ParseEndpoint(endpoint) ?? throw new CliException($"gRPC endpoint '{endpoint}' is not host:port", 2);
        settings.AccessPoint = new Endpoints { Scheme = AddressScheme.Ipv4, Addresses = { new Address { Host = host, Port = port } } };
        settings.RequestTimeout = Duration.FromTimeSpan(RequestTimeout);
        settings.UserAgent = new UA { Language = Language.DotNet, Version = "akkamq-bench", Platform = Environment.OSVersion.ToString(), Hostname = Environment.MachineName };
        // More than 100 streams in flight (Kestrel's limit per connection) open a second connection instead of queueing.
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        var channel = GrpcChannel.ForAddress($"http://{endpoint}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return new GrpcBenchClient(endpoint, channel, settings);
    }

    /// <summary>host and port of "host:port", or null when it is not that.</summary>
    public static (string Host, int Port)? ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || colon == endpoint.Length - 1) return null;
        if (!int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535) return null;
        var host = endpoint[..colon];
        return host.Contains(' ') || host.Contains('/') ? null : (host, port);
    }

    /// <summary>The x-mq-* headers the official clients send on every call.</summary>
    public Metadata Headers() => new()
    {
        { "x-mq-protocol", "v2" },
        { "x-mq-client-id", ClientId },
        { "x-mq-date-time", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) },
        { "x-mq-request-id", Guid.NewGuid().ToString() },
        { "x-mq-language", "DOTNET" },
        { "x-mq-client-version", "akkamq-bench" },
    };

    public static DateTime Deadline(TimeSpan? extra = null) => DateTime.UtcNow + RequestTimeout + (extra ?? TimeSpan.Zero);

    /// <summary>The queues QueryRoute answers for the topic.</summary>
    public async Task<IReadOnlyList<MessageQueue>> QueryQueuesAsync(string topic, CancellationToken ct)
    {
        var route = await Stub.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = topic }, Endpoints = _settings.AccessPoint },
            Headers(), Deadline(), ct);
        if (route.Status.Code != Code.Ok)
            throw new CliException($"QueryRoute of {topic} at {Endpoint}: {route.Status.Code} {route.Status.Message}");
        return route.MessageQueues;
    }

    /// <summary>QueryRoute, Telemetry (waits for the server's Settings, as the clients' start-up does), Heartbeat; returns the route's queues.</summary>
    public async Task<IReadOnlyList<MessageQueue>> StartAsync(string topic, CancellationToken ct)
    {
        var queues = await QueryQueuesAsync(topic, ct);
        _telemetry = Stub.Telemetry(Headers(), cancellationToken: ct);
        await _telemetry.RequestStream.WriteAsync(new TelemetryCommand { Settings = _settings }, ct);
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            wait.CancelAfter(RequestTimeout);
            try
            {
                while (ServerSettings == null && await _telemetry.ResponseStream.MoveNext(wait.Token))
                {
                    var answer = _telemetry.ResponseStream.Current;
                    if (answer.Status is { } s && s.Code != Code.Ok) throw new CliException($"Telemetry at {Endpoint}: {s.Code} {s.Message}");
                    if (answer.CommandCase == TelemetryCommand.CommandOneofCase.Settings) ServerSettings = answer.Settings;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException && !ct.IsCancellationRequested)
            {
                throw new CliException($"Telemetry at {Endpoint}: no Settings came back within {RequestTimeout.TotalSeconds:0} s ({e.Message})");
            }
        }
        if (ServerSettings == null) throw new CliException($"Telemetry at {Endpoint}: the stream ended without Settings");
        var heartbeat = new HeartbeatRequest { ClientType = _settings.ClientType };
        if (_settings.Subscription?.Group is { } group) heartbeat.Group = group;
        await Stub.HeartbeatAsync(heartbeat, Headers(), Deadline(), ct);
        return queues;
    }

    /// <summary>A v2 message as the official producers build it: a fresh message id, NORMAL, born now.</summary>
    public static Message NewMessage(Resource topic, ByteString body) => new()
    {
        Topic = topic,
        Body = body,
        SystemProperties = new SystemProperties
        {
            MessageId = "01" + Guid.NewGuid().ToString("N").ToUpperInvariant(),
            BodyEncoding = Encoding.Identity,
            BornTimestamp = Timestamp.FromDateTime(DateTime.UtcNow),
            BornHost = Environment.MachineName,
            MessageType = MessageType.Normal,
        },
    };

    /// <summary>NotifyClientTermination (as shutdown() does), then the Telemetry stream and the channel close.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            var notify = new NotifyClientTerminationRequest();
            if (_settings.Subscription?.Group is { } group) notify.Group = group;
            if (_telemetry != null) await Stub.NotifyClientTerminationAsync(notify, Headers(), DateTime.UtcNow.AddSeconds(3));
        }
        catch (RpcException)
        {
        }
        try
        {
            if (_telemetry != null) await _telemetry.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or TimeoutException)
        {
        }
        _telemetry?.Dispose();
        _channel.Dispose();
    }
}
