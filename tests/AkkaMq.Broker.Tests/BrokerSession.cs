using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// One node's life inside a test that restarts nodes: a ready standalone node and the broker
/// protocol as <see cref="BrokerTestBase"/> speaks it. <c>await using</c> stops the node and keeps
/// a data directory that was passed in.
/// </summary>
public sealed class BrokerSession : BrokerTestBase, IAsyncDisposable
{
    private BrokerSession(ITestOutputHelper output, AkkaMqTestNode node) : base(output, node) { }

    public static async Task<BrokerSession> StartAsync(ITestOutputHelper output, string? hocon = null, string? dataDir = null)
    {
        var session = new BrokerSession(output, StartNode(hocon, dataDir));
        await session.InitializeAsync();
        return session;
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        Dispose();
    }

    public T Expect<T>() => ExpectMsg<T>(TimeSpan.FromSeconds(10));

    public SendEntry Entry(string topic, string body, string? keys = null) => Entry(Text(topic, body, keys: keys));

    public void Commit(string group, string topic, int queueId, long offset)
    {
        Gateway.Tell(new CommitConsumerOffsets(BrokerName, group, topic, new Dictionary<int, long> { [queueId] = offset }), TestActor);
        Assert.Equal(ResponseCode.Success, Expect<CommitConsumerOffsetsReply>().Code);
    }

    public long CommittedOffset(string group, string topic, int queueId)
    {
        Gateway.Tell(new QueryConsumerOffset(BrokerName, group, topic, queueId), TestActor);
        return Expect<ConsumerOffsetReply>().Offset;
    }

    public IReadOnlyList<TopicConfig> TopicConfigs()
    {
        Gateway.Tell(new GetTopicConfigs(BrokerName), TestActor);
        return Expect<TopicConfigs>().Configs;
    }

    /// <summary>Every message of a queue from offset 0, page by page (with a small tail most pages come from the journal).</summary>
    public List<MessageExt> PullAll(string topic, int queueId, long count)
    {
        var all = new List<MessageExt>();
        while (all.Count < count)
        {
            var r = Pull(topic, queueId, all.Count, 32);
            Assert.True(r.Status == PullStatus.Found, $"pull at {all.Count}: {r.Status} {r.Error}");
            Assert.Equal(all.Count, r.Messages[0].QueueOffset);
            all.AddRange(r.Messages);
            Assert.Equal(all.Count, r.NextBeginOffset);
        }
        Assert.Equal(count, all.Count);
        return all;
    }

    public MessageKeyOffsets QueryKey(string topic, string key, int max = 32)
    {
        Gateway.Tell(new QueryMessageKey(BrokerName, topic, 0, key, max), TestActor);
        return Expect<MessageKeyOffsets>();
    }

    public Task StopAsync() => Node.StopAsync();
}
