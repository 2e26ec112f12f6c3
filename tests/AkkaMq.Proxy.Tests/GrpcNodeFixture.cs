using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Proxy;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Message = Apache.Rocketmq.V2.Message;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// One standalone in-process node with its gRPC endpoint on 127.0.0.1, a free port, shared by the test classes of the
/// "grpc node" collection (each test uses its own topics); the generated client stubs talk to it, and a client
/// ActorSystem reads what arrived with the native pull consumer.
/// </summary>
public sealed class GrpcNodeFixture : IAsyncLifetime
{
    /// <summary>The node's broker maxMessageSize, small so that too-large bodies are cheap to send.</summary>
    public const int MaxMessageSize = 64 * 1024;

    private NodeAndClient _node = null!;

    public ProxyServer Proxy { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public MessagingService.MessagingServiceClient Client { get; private set; } = null!;
    public Akka.Actor.ActorSystem NativeClient => _node.Client;
    public AkkaMqProducer NativeProducer => _node.Producer;
    public AkkaMq.TestKit.AkkaMqTestNode Node => _node.Node;

    public async Task InitializeAsync()
    {
        // Half messages left undecided are checked back within a second or two (transaction tests).
        _node = await NodeAndClient.StartAsync($"""
            akkamq.broker.maxMessageSize = {MaxMessageSize}
            akkamq.broker.transactionTimeOut = 1s
            akkamq.broker.transactionCheckInterval = 500ms
            """);
        Proxy = await ProxyServer.StartAsync(Node.System, Node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 });
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Proxy.Port}");
        Client = new MessagingService.MessagingServiceClient(Channel);
        // Ready once the registration carrying the endpoint reached the NameServer: a route names it.
        await CreateTopicAsync("GrpcReady");
        await Eventually.TrueAsync(async () => (await Client.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = "GrpcReady" } }))
            .Status.Code == Code.Ok, () => "the route of GrpcReady never named the gRPC endpoint", TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Proxy.DisposeAsync();
        await _node.DisposeAsync();
    }

    /// <summary>Creates a topic; messageType sets its message.type attribute.</summary>
    public Task CreateTopicAsync(string topic, int readQueues = 4, int writeQueues = 4, string? messageType = null)
    {
        var config = new TopicConfig(topic, readQueues, writeQueues, Perm.ReadWrite);
        if (messageType != null) config = config with { Attributes = new Dictionary<string, string> { ["+" + TopicAttributes.MessageType] = messageType } };
        return TestNodes.CreateTopicAsync(Node, config);
    }

    /// <summary>Reads the topic's messages with the native pull consumer until expected have arrived; ordered by queue, then offset.</summary>
    public async Task<List<MessageExt>> ReadAllAsync(string topic, int expected, TimeSpan? timeout = null)
    {
        var consumer = AkkaMqPullConsumer.Create(NativeClient, "grpc-test-reader");
        List<MessageExt> all = new();
        await Eventually.TrueAsync(async () =>
        {
            all = new List<MessageExt>();
            foreach (var mq in (await consumer.FetchSubscribeMessageQueuesAsync(topic)).OrderBy(q => q.QueueId))
            {
                var result = await consumer.PullAsync(mq, "*", 0, 256);
                all.AddRange(result.Messages);
            }
            return all.Count >= expected;
        }, () => $"{topic}: {all.Count} of {expected} messages arrived", timeout ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        return all;
    }

    /// <summary>How many messages the topic's queues hold now.</summary>
    public async Task<long> CountAsync(string topic)
    {
        var consumer = AkkaMqPullConsumer.Create(NativeClient, "grpc-test-reader");
        long total = 0;
        foreach (var mq in await consumer.FetchSubscribeMessageQueuesAsync(topic)) total += await consumer.MaxOffsetAsync(mq);
        return total;
    }

    /// <summary>A v2 message as the official clients build it: a fresh message id, the type set, born now.</summary>
    public static Message NewMessage(string topic, byte[] body, string? tag = null, IEnumerable<string>? keys = null, string? group = null,
        DateTimeOffset? deliverAt = null, MessageType? type = null, IDictionary<string, string>? properties = null)
    {
        var sys = new SystemProperties
        {
            MessageId = "01" + Guid.NewGuid().ToString("N").ToUpperInvariant(),
            BodyEncoding = Apache.Rocketmq.V2.Encoding.Identity,
            BornTimestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            BornHost = "test-host",
            MessageType = type ?? (group != null ? MessageType.Fifo : deliverAt != null ? MessageType.Delay : MessageType.Normal),
        };
        if (tag != null) sys.Tag = tag;
        if (keys != null) sys.Keys.AddRange(keys);
        if (group != null) sys.MessageGroup = group;
        if (deliverAt is { } at) sys.DeliveryTimestamp = Timestamp.FromDateTimeOffset(at);
        var m = new Message { Topic = new Resource { Name = topic }, Body = ByteString.CopyFrom(body), SystemProperties = sys };
        if (properties != null) m.UserProperties.Add(properties);
        return m;
    }

    public static Message NewMessage(string topic, string text, string? tag = null) =>
        NewMessage(topic, System.Text.Encoding.UTF8.GetBytes(text), tag);
}

[CollectionDefinition(Name)]
public sealed class GrpcNodeCollection : ICollectionFixture<GrpcNodeFixture>
{
    public const string Name = "grpc node";
}
