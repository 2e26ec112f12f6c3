using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Client.Tests;

/// <summary>
/// Sends and pulls between a client ActorSystem and a standalone node, looking at the node's
/// data-channel sessions (/user/broker-data-channel/session-N) to see which wire they took.
/// </summary>
public sealed class DataChannelEndToEndTests : IAsyncLifetime
{
    private readonly List<NodeAndClient> _started = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var s in _started) await s.DisposeAsync();
    }

    private async Task<(AkkaMqTestNode Node, ActorSystem Client)> Start(string nodeHocon = "", string clientHocon = "")
    {
        var started = await NodeAndClient.StartAsync(nodeHocon, clientHocon);
        _started.Add(started);
        return (started.Node, started.Client);
    }

    private static async Task<IReadOnlyList<IActorRef>> Sessions(AkkaMqTestNode node)
    {
        var found = new List<IActorRef>();
        var probe = node.System.ActorSelection("/user/broker-data-channel/*");
        var inbox = Inbox.Create(node.System);
        probe.Tell(new Identify(null), inbox.Receiver);
        // Every session answers at once; the short wait ends the collection.
        while (true)
        {
            object m;
            try { m = await inbox.ReceiveAsync(TimeSpan.FromMilliseconds(500)); }
            catch (TimeoutException) { break; }
            if (m is ActorIdentity { Subject: { } s }) found.Add(s);
            else if (m is Status.Failure) break;
        }
        return found;
    }

    private static async Task<List<string>> PullAll(AkkaMqPullConsumer consumer, string topic)
    {
        var bodies = new List<string>();
        foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync(topic))
            bodies.AddRange((await consumer.PullAsync(q, "*", 0, 1000)).Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        return bodies;
    }

    [Fact]
    public async Task A_producer_idle_past_the_nodes_idle_timeout_reconnects_without_taking_the_close_for_a_failure()
    {
        var (node, client) = await Start("akkamq.broker.data-channel.idle-timeout = 1s");
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var collector = client.ActorOf(Props.Create(() => new WarningCollector(warnings)));
        client.EventStream.Subscribe(collector, typeof(Akka.Event.Warning));
        var producer = AkkaMqProducer.Create(client);
        await producer.SendAsync(Message.FromText("IdleTopic", "before"));

        await Eventually.TrueAsync(async () => (await Sessions(node)).Count == 0, () => "the idle data channel is still open", TimeSpan.FromSeconds(30));
        var after = await producer.SendAsync(Message.FromText("IdleTopic", "after"));

        Assert.Equal(SendStatus.SendOk, after.SendStatus);
        Assert.Single(await Sessions(node)); // a new data channel, not a fallback to Akka.Remote
        Assert.DoesNotContain(warnings, w => w.Contains("is gone"));
    }

    private sealed class WarningCollector : ReceiveActor
    {
        public WarningCollector(System.Collections.Concurrent.ConcurrentQueue<string> into) =>
            Receive<Akka.Event.Warning>(w => into.Enqueue(w.Message?.ToString() ?? ""));
    }

    [Fact]
    public async Task Sends_and_pulls_use_the_data_channel_and_get_through_after_its_connections_close()
    {
        var (node, client) = await Start();
        var producer = AkkaMqProducer.Create(client);
        for (var i = 0; i < 10; i++) await producer.SendAsync(Message.FromText("ChannelTopic", $"m{i}"));
        Assert.Single(await Sessions(node)); // the producer's connection

        var consumer = AkkaMqPullConsumer.Create(client, "channel-group");
        Assert.Equal(10, (await PullAll(consumer, "ChannelTopic")).Count);
        var sessions = await Sessions(node);
        Assert.Equal(2, sessions.Count); // and the pull consumer's

        // The node drops every connection: the next sends and pulls open new ones.
        foreach (var s in sessions) s.Tell(PoisonPill.Instance);
        for (var i = 10; i < 20; i++) await producer.SendAsync(Message.FromText("ChannelTopic", $"m{i}"));
        // A pull asked while its connection was closing fails (SERVICE_NOT_AVAILABLE), as over a lost Akka.Remote link.
        var bodies = await Eventually.ReturnsAsync(() => PullAll(consumer, "ChannelTopic"),
            retryWhen: e => e is AkkaMqException { Code: ResponseCode.ServiceNotAvailable });
        // Nothing acknowledged is lost. A send in flight as its connection closed is sent again, and
        // may be stored twice (its first ack was lost with the connection): at least once, as RocketMQ.
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}").Order(), bodies.Distinct().Order());
        var reopened = await Sessions(node);
        Assert.Equal(2, reopened.Count);
        Assert.Empty(reopened.Intersect(sessions));
    }

    [Theory]
    [InlineData("akkamq.broker.fastListenPort = -1", "")]
    [InlineData("", "akkamq.client.data-channel = off")]
    public async Task Without_a_data_channel_sends_and_pulls_go_over_Akka_Remote(string nodeHocon, string clientHocon)
    {
        var (node, client) = await Start(nodeHocon, clientHocon);
        var producer = AkkaMqProducer.Create(client);
        for (var i = 0; i < 5; i++) await producer.SendAsync(Message.FromText("RemotingTopic", $"m{i}"));
        Assert.Equal(5, (await PullAll(AkkaMqPullConsumer.Create(client, "remoting-group"), "RemotingTopic")).Count);
        Assert.Empty(await Sessions(node));
    }
}
