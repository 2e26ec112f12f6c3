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
public abstract class BrokerTestBase : AkkaMqTestKit
{
    private IActorRef? _gateway;
    private IActorRef? _nameServer;

    /// <summary>The node may still be registering: <see cref="InitializeAsync"/> waits until it serves routes.</summary>
    protected BrokerTestBase(ITestOutputHelper output, AkkaMqTestNode node) : base(node.System, output) => Node = node;

    /// <summary>Starts a standalone node; the test class's InitializeAsync waits until it is ready.</summary>
    protected static AkkaMqTestNode StartNode(string? hocon = null, string? dataDir = null) => AkkaMqTestNode.StartStandalone(hocon, dataDir);

    public override async Task InitializeAsync()
    {
        await Node.WaitUntilReadyAsync();
        _gateway = await Node.System.ActorSelection("/user/broker").ResolveOne(TimeSpan.FromSeconds(5));
        _nameServer = await Node.System.ActorSelection("/user/namesrv").ResolveOne(TimeSpan.FromSeconds(5));
    }

    public override async Task DisposeAsync() => await Node.DisposeAsync();

    public AkkaMqTestNode Node { get; }
    public IActorRef Gateway => _gateway ?? throw new InvalidOperationException("InitializeAsync has not run");
    public IActorRef NameServer => _nameServer ?? throw new InvalidOperationException("InitializeAsync has not run");
    public string BrokerName => Node.Settings.Broker!.BrokerName;

    public void CreateTopic(string topic, int queues = 4, int perm = Perm.ReadWrite)
    {
        NameServer.Tell(new CreateTopic(new TopicConfig(topic, queues, queues, perm), null, null), TestActor);
        var reply = ExpectMsg<CreateTopicReply>(TimeSpan.FromSeconds(10));
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
    }

    private long _correlation;

    public SendEntry Entry(Message m, int queueId = 0, bool oneway = false) =>
        new(Interlocked.Increment(ref _correlation), queueId, oneway, 1_700_000_000_000, m);

    public static Message Text(string topic, string body, string? tags = null, string? keys = null,
        IReadOnlyDictionary<string, string>? props = null) => Message.FromText(topic, body, tags, keys, props);

    /// <summary>Sends the entries as one batch and returns the acks, however many replies they come in.</summary>
    public List<SendAck> Send(params SendEntry[] entries)
    {
        Gateway.Tell(new SendMessages(BrokerName, entries), TestActor);
        var expected = entries.Count(e => !e.Oneway);
        var acks = new List<SendAck>();
        while (acks.Count < expected) acks.AddRange(ExpectMsg<SendAcks>(TimeSpan.FromSeconds(10)).Acks);
        return acks;
    }

    public PullResult Pull(string topic, int queueId, long offset, int max = 32, string filter = "*", long suspendMs = 0, string group = "test-group")
    {
        Gateway.Tell(new PullMessage(BrokerName, group, topic, queueId, offset, max, filter, suspendMs), TestActor);
        return ExpectMsg<PullResult>(TimeSpan.FromSeconds(10));
    }

    /// <summary>Long-polls the offset until the one message there has arrived (a delayed one, at its time) and returns it.</summary>
    public MessageExt AwaitMessage(string topic, int queueId, long offset, TimeSpan timeout)
    {
        MessageExt? found = null;
        AwaitAssert(() => found = Assert.Single(Pull(topic, queueId, offset, suspendMs: 1000).Messages), timeout, TimeSpan.FromMilliseconds(10));
        return found!;
    }

    public long MaxOffset(string topic, int queueId)
    {
        Gateway.Tell(new QueryQueueOffset(BrokerName, topic, queueId, QueueOffsetKind.Max, 0), TestActor);
        return ExpectMsg<QueueOffsetReply>().Offset;
    }
}
