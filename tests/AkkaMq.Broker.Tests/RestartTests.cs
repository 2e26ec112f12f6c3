using System.Text;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>State recovered from the journal after the node stops: messages, offsets, topics.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "akkamq-restart-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public RestartTests(ITestOutputHelper output) => _output = output;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dataDir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private sealed class Session : BrokerTestBase
    {
        public Session(ITestOutputHelper output, string dataDir)
            // Snapshots every 3 writes and a tiny tail, so recovery uses snapshot + replay and reads use the journal.
            : base(output, StartNode("akkamq.broker.queue.snapshot-every = 3\nakkamq.broker.queue.tail-messages = 4", dataDir)) { }

        public new void CreateTopic(string topic, int queues = 4, int perm = Perm.ReadWrite) => base.CreateTopic(topic, queues, perm);
        public new List<SendAck> Send(params SendEntry[] entries) => base.Send(entries);
        public new PullResult Pull(string topic, int queueId, long offset, int max = 32, string filter = "*", long suspendMs = 0, string group = "test-group") =>
            base.Pull(topic, queueId, offset, max, filter, suspendMs, group);
        public SendEntry E(string topic, string body) => Entry(Text(topic, body));
        public new Akka.Actor.IActorRef Gateway => base.Gateway;
        public new string BrokerName => base.BrokerName;
        public T Expect<T>() => ExpectMsg<T>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Messages_offsets_and_topics_survive_a_restart()
    {
        using (var first = new Session(_output, _dataDir))
        {
            first.CreateTopic("Durable", 1);
            for (var i = 0; i < 10; i++) first.Send(first.E("Durable", $"m{i}"));
            first.Gateway.Tell(new CommitConsumerOffsets(first.BrokerName, "grp", "Durable", new Dictionary<int, long> { [0] = 6 }), first.TestActor);
            Assert.Equal(ResponseCode.Success, first.Expect<CommitConsumerOffsetsReply>().Code);
        }

        using var second = new Session(_output, _dataDir);
        // The topic exists without being created again, and offsets continue without a gap.
        var acks = second.Send(second.E("Durable", "after"));
        Assert.Equal(ResponseCode.Success, acks[0].Code);
        Assert.Equal(10, acks[0].QueueOffset);
        var all = second.Pull("Durable", 0, 0, 100);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}").Append("after"), all.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        second.Gateway.Tell(new QueryConsumerOffset(second.BrokerName, "grp", "Durable", 0), second.TestActor);
        Assert.Equal(6, second.Expect<ConsumerOffsetReply>().Offset);
    }
}
