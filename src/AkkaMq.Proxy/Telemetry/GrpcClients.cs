using System.Collections.Concurrent;
using System.Reflection;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using Google.Protobuf.Reflection;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Telemetry;

/// <summary>A gRPC client as its Telemetry Settings and call headers describe it; LastSeen in Unix ms.</summary>
public sealed record GrpcClient(string ClientId, V2.ClientType Type, ClientChannel Channel, IReadOnlyList<string> Topics, string? Group,
    IReadOnlyList<SubscriptionData> Subscriptions, long LastSeen);

/// <summary>
/// The gRPC clients of this endpoint (RocketMQ proxy's ClientActivity bookkeeping), so their heartbeats reach the broker
/// as the native clients' do: a producer is registered under each topic it publishes to (RocketMQ's proxy uses the topic
/// as producer group), a consumer with its group and subscription, as a POP consumer. A client leaves on
/// NotifyClientTermination, or when nothing came from it for the expiry (channelExpiredTimeout): then the broker has
/// dropped it as well. Thread-safe; no actor needed.
/// </summary>
public sealed class GrpcClients
{
    private readonly ConcurrentDictionary<string, GrpcClient> _clients = new(StringComparer.Ordinal);
    private readonly long _expiryMillis;

    public GrpcClients(TimeSpan expiry) => _expiryMillis = (long)expiry.TotalMilliseconds;

    public int Count => _clients.Count;

    public GrpcClient? Find(string clientId) => _clients.GetValueOrDefault(clientId);

    /// <summary>The client described by its Settings; null when they name no client id, topic or group.</summary>
    public static GrpcClient? FromSettings(string? clientId, V2.Settings settings, string? peer, string? headerLanguage, string? headerVersion, long now)
    {
        if (string.IsNullOrWhiteSpace(clientId)) return null;
        var ua = settings.UserAgent;
        var language = ua != null && ua.Language != V2.Language.Unspecified ? LanguageName(ua.Language) : headerLanguage ?? "UNKNOWN";
        var version = !string.IsNullOrEmpty(ua?.Version) ? ua.Version : headerVersion ?? "";
        var channel = new ClientChannel(AddressOf(peer), language, version);
        var type = settings.HasClientType ? settings.ClientType : V2.ClientType.Unspecified;
        switch (settings.PubSubCase)
        {
            case V2.Settings.PubSubOneofCase.Publishing:
                var topics = settings.Publishing.Topics.Select(t => t.Name).Where(t => Validators.CheckTopic(t) == null).Distinct().ToList();
                return new GrpcClient(clientId, type, channel, topics, null, Array.Empty<SubscriptionData>(), now);
            case V2.Settings.PubSubOneofCase.Subscription when settings.Subscription.Group is { } g && Validators.CheckGroup(g.Name) == null:
                var subs = settings.Subscription.Subscriptions.Where(e => e.Topic != null)
                    .Select(e => new SubscriptionData(e.Topic.Name, e.Expression?.Expression is { Length: > 0 } x ? x : "*")).ToList();
                return new GrpcClient(clientId, type, channel, Array.Empty<string>(), g.Name, subs, now);
            default:
                return null;
        }
    }

    public void Put(GrpcClient client) => _clients[client.ClientId] = client;

    /// <summary>The client heartbeated now; null when unknown (no Settings came yet).</summary>
    public GrpcClient? Touch(string clientId, long now)
    {
        if (!_clients.TryGetValue(clientId, out var c)) return null;
        var touched = c with { LastSeen = now };
        _clients[clientId] = touched;
        return touched;
    }

    public GrpcClient? Remove(string clientId) => _clients.TryRemove(clientId, out var c) ? c : null;

    /// <summary>Forgets clients silent for the expiry; the broker expires them on its own.</summary>
    public int Expire(long now)
    {
        var removed = 0;
        foreach (var (id, c) in _clients)
            if (now - c.LastSeen > _expiryMillis && _clients.TryRemove(id, out _)) removed++;
        return removed;
    }

    /// <summary>What the broker group is told for a live client: a producer heartbeat per topic, or a POP consumer heartbeat.</summary>
    public static IReadOnlyList<IBrokerRequest> Heartbeats(GrpcClient c, string brokerName) => c.Group != null
        ? new IBrokerRequest[] { new PopConsumerHeartbeat(brokerName, c.Group, c.ClientId, c.Channel, c.Subscriptions) }
        : c.Topics.Select(t => (IBrokerRequest)new ProducerHeartbeat(brokerName, t, c.ClientId, c.Channel)).ToList();

    /// <summary>What the broker group is told when the client terminates.</summary>
    public static IReadOnlyList<IBrokerRequest> Unregisters(GrpcClient c, string brokerName) => c.Group != null
        ? new IBrokerRequest[] { new UnregisterConsumer(brokerName, c.Group, c.ClientId) }
        : c.Topics.Select(t => (IBrokerRequest)new UnregisterProducer(brokerName, t, c.ClientId)).ToList();

    /// <summary>"ipv4:10.0.0.1:5000" or "ipv6:[::1]:5000" (ServerCallContext.Peer) as host:port.</summary>
    public static string? AddressOf(string? peer)
    {
        if (string.IsNullOrEmpty(peer)) return null;
        var colon = peer.IndexOf(':');
        return colon > 0 && peer[..colon] is "ipv4" or "ipv6" ? peer[(colon + 1)..] : peer;
    }

    /// <summary>As definition.proto spells it (NODE_JS, DOT_NET, GOLANG ...).</summary>
    public static string LanguageName(V2.Language language) =>
        typeof(V2.Language).GetField(language.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? language.ToString().ToUpperInvariant();
}
