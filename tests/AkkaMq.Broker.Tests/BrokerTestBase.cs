using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// TestKit over an in-process standalone node: tests talk to its broker gateway (/user/broker)
/// and NameServer gateway (/user/namesrv) through their actor protocols, as clients do.
/// </summary>
public abstract class BrokerTestBase : Akka.TestKit.Xunit2.TestKit
{
    protected BrokerTestBase(ITestOutputHelper output, AkkaMqTestNode node) : base(node.System, output)
    {
        Node = node;
        Gateway = node.System.ActorSelection("/user/broker").ResolveOne(TimeSpan.FromSeconds(5)).Result;
        NameServer = node.System.ActorSelection("/user/namesrv").ResolveOne(TimeSpan.FromSeconds(5)).Result;
    }

    protected static AkkaMqTestNode StartNode(string? hocon = null, string? dataDir = null)
    {
        var node = AkkaMqTestNode.StartStandalone(hocon, dataDir);
        node.WaitUntilReadyAsync().GetAwaiter().GetResult();
        return node;
    }

    protected AkkaMqTestNode Node { get; }
    protected IActorRef Gateway { get; }
    protected IActorRef NameServer { get; }
    protected string BrokerName => Node.Settings.Broker!.BrokerName;

    protected void CreateTopic(string topic, int queues = 4, int perm = Perm.ReadWrite)
    {
        NameServer.Tell(new CreateTopic(new TopicConfig(topic, queues, queues, perm), null, null), TestActor);
        var reply = ExpectMsg<CreateTopicReply>(TimeSpan.FromSeconds(10));
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
    }

    private long _correlation;

    protected SendEntry Entry(Message m, int queueId = 0, bool oneway = false) =>
        new(Interlocked.Increment(ref _correlation), queueId, oneway, 1_700_000_000_000, m);

    protected static Message Text(string topic, string body, string? tags = null, string? keys = null,
        IReadOnlyDictionary<string, string>? props = null) => Message.FromText(topic, body, tags, keys, props);

    /// <summary>Sends the entries as one batch and returns the acks, however many replies they come in.</summary>
    protected List<SendAck> Send(params SendEntry[] entries)
    {
        Gateway.Tell(new SendMessages(BrokerName, entries), TestActor);
        var expected = entries.Count(e => !e.Oneway);
        var acks = new List<SendAck>();
        while (acks.Count < expected) acks.AddRange(ExpectMsg<SendAcks>(TimeSpan.FromSeconds(10)).Acks);
        return acks;
    }

    protected PullResult Pull(string topic, int queueId, long offset, int max = 32, string filter = "*", long suspendMs = 0, string group = "test-group")
    {
        Gateway.Tell(new PullMessage(BrokerName, group, topic, queueId, offset, max, filter, suspendMs), TestActor);
        return ExpectMsg<PullResult>(TimeSpan.FromSeconds(10));
    }

    protected long MaxOffset(string topic, int queueId)
    {
        Gateway.Tell(new QueryQueueOffset(BrokerName, topic, queueId, QueueOffsetKind.Max, 0), TestActor);
        return ExpectMsg<QueueOffsetReply>().Offset;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        Node.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
