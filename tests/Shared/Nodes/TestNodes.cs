using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;
using AkkaMq.TestKit;

namespace AkkaMq.Tests;

/// <summary>The set-up steps tests repeat around an in-process node: start it ready, create a topic, send while it registers.</summary>
public static class TestNodes
{
    /// <summary>A standalone node whose broker has registered with its NameServer.</summary>
    public static async Task<AkkaMqTestNode> StartStandaloneAsync(string? extraHocon = null, string? dataDir = null)
    {
        var node = AkkaMqTestNode.StartStandalone(extraHocon, dataDir);
        await node.WaitUntilReadyAsync();
        return node;
    }

    /// <summary>A broker-only node joined to the NameServer at namesrvAddr, registered.</summary>
    public static async Task<AkkaMqTestNode> StartBrokerAsync(string namesrvAddr, string brokerName, string? extraHocon = null)
    {
        var node = AkkaMqTestNode.StartBroker(namesrvAddr, brokerName, extraHocon: extraHocon);
        await node.WaitUntilReadyAsync();
        return node;
    }

    /// <summary>Creates the topic through the node's NameServer and asserts that it was created.</summary>
    public static async Task<CreateTopicReply> CreateTopicAsync(AkkaMqTestNode node, TopicConfig config, string? clusterName = null)
    {
        var reply = await node.System.ActorSelection("/user/namesrv")
            .Ask<CreateTopicReply>(new CreateTopic(config, clusterName, null), TimeSpan.FromSeconds(10));
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
        return reply;
    }

    /// <summary>Creates the topic as a client does (through the client system's NameServer connection).</summary>
    public static Task<CreateTopicReply> CreateTopicAsync(ActorSystem client, TopicConfig config) =>
        new ClientContext(client, ClientSettings.Create(client.Settings.Config)).CreateTopicAsync(config);

    /// <summary>The topic's route as the node's NameServer serves it now.</summary>
    public static async Task<TopicRouteData> RouteAsync(AkkaMqTestNode node, string topic)
    {
        var reply = await node.System.ActorSelection("/user/namesrv")
            .Ask<RouteInfoReply>(new GetRouteInfo(topic, false), TimeSpan.FromSeconds(5));
        return reply.Route ?? throw new InvalidOperationException($"no route for {topic}: {reply.Code} {reply.Error}");
    }

    /// <summary>Sends one message, again while the broker is still registering (a host reports started before that).</summary>
    public static Task<SendResult> SendWhenRoutedAsync(AkkaMqProducer producer, Message message, TimeSpan? timeout = null) =>
        Eventually.ReturnsAsync(() => producer.SendAsync(message), timeout ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250),
            retryWhen: e => e is AkkaMqException);
}

/// <summary>A ready standalone node and a client ActorSystem talking to it, for a test or a fixture.</summary>
public sealed class NodeAndClient : IAsyncDisposable
{
    private NodeAndClient(AkkaMqTestNode node, ActorSystem client)
    {
        Node = node;
        Client = client;
        Producer = AkkaMqProducer.Create(client);
    }

    public AkkaMqTestNode Node { get; }
    public ActorSystem Client { get; }
    public AkkaMqProducer Producer { get; }

    /// <summary>nodeHocon overrides the node's settings, clientHocon the client system's.</summary>
    public static async Task<NodeAndClient> StartAsync(string? nodeHocon = null, string? clientHocon = null)
    {
        var node = await TestNodes.StartStandaloneAsync(nodeHocon);
        var config = Akka.Configuration.ConfigurationFactory.ParseString(clientHocon ?? "").WithFallback(node.ClientConfig());
        return new NodeAndClient(node, ActorSystem.Create("client", config));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.Terminate();
        await Node.DisposeAsync();
    }
}
