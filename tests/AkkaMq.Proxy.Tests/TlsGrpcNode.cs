using AkkaMq.Auth.Tests;
using AkkaMq.Client;
using AkkaMq.Protocol;
using Apache.Rocketmq.V2;
using Grpc.Net.Client;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// A standalone node whose akkamq.tls.server-mode is enforcing, with a test CA and node certificate made in process, and
/// its gRPC endpoint: for tls.test.js, which must not share the plaintext fixture's node (routes name one endpoint).
/// </summary>
public sealed class TlsGrpcNode : IAsyncDisposable
{
    private readonly TestCertificates _certs;
    private readonly NodeAndClient _node;

    private TlsGrpcNode(TestCertificates certs, NodeAndClient node, ProxyServer proxy)
    {
        _certs = certs;
        _node = node;
        Proxy = proxy;
    }

    public ProxyServer Proxy { get; }

    /// <summary>The PEM file of the CA that signed the node's certificate (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH for the Node.js client).</summary>
    public string CaPath => _certs.CaPath;

    public static async Task<TlsGrpcNode> StartAsync(string topic)
    {
        var certs = new TestCertificates();
        var node = await NodeAndClient.StartAsync(certs.Hocon("enforcing"));
        var proxy = await ProxyServer.StartAsync(node.Node.System, node.Node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 });
        var tls = new TlsGrpcNode(certs, node, proxy);
        await TestNodes.CreateTopicAsync(node.Node, TopicConfig.Create(topic, 2));
        // Ready once a route over TLS names the endpoint.
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{proxy.Port}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = new AkkaMq.Protocol.Security.TlsClientSettings(true, certs.CaPath, true).Validator() } },
        });
        var client = new MessagingService.MessagingServiceClient(channel);
        await Eventually.TrueAsync(async () => (await client.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = topic } })).Status.Code == Code.Ok,
            () => $"the route of {topic} never named the TLS gRPC endpoint", TimeSpan.FromSeconds(30));
        return tls;
    }

    /// <summary>How many messages the topic's queues hold, read with the native client (over Akka.Remote: the data channel is closed in enforcing).</summary>
    public async Task<long> CountAsync(string topic)
    {
        var consumer = AkkaMqPullConsumer.Create(_node.Client, "tls-test-reader");
        long total = 0;
        foreach (var mq in await consumer.FetchSubscribeMessageQueuesAsync(topic)) total += await consumer.MaxOffsetAsync(mq);
        return total;
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await _node.DisposeAsync();
        _certs.Dispose();
    }
}
