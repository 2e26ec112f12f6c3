using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>
/// One in-process cluster per test (AkkaMq.TestKit), a client ActorSystem on demand and, for
/// shared-journal tests, a fresh PostgreSQL database; all cleaned up after the test.
/// </summary>
[Collection(ClusterCollection.Name)]
public abstract class InProcessClusterTest : IAsyncLifetime
{
    private ActorSystem? _client;
    private string? _database;

    protected InProcessClusterTest(ITestOutputHelper output, string? clusterHocon = null)
    {
        Output = output;
        Cluster = new AkkaMqTestCluster(clusterHocon);
    }

    protected ITestOutputHelper Output { get; }
    protected AkkaMqTestCluster Cluster { get; }

    /// <summary>A client app's ActorSystem, connected to the NameServer nodes running when first asked for.</summary>
    protected ActorSystem Client => _client ??= ActorSystem.Create("client", Cluster.ClientConfig());

    /// <summary>A fresh PostgreSQL database for a broker group's shared journal.</summary>
    protected string Database => _database ??= Postgres.CreateDatabase();

    /// <summary>Creates the topic on every broker group of DefaultCluster and waits until its route names all of them.</summary>
    protected async Task CreateTopicOnClusterAsync(string topic, int queues, int brokerGroups)
    {
        await Cluster.CreateTopicAsync(TopicConfig.Create(topic, queues), clusterName: "DefaultCluster");
        await Cluster.WaitForRouteAsync(topic, r => r.QueueDatas.Count == brokerGroups, TimeSpan.FromSeconds(10));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_client != null) await _client.Terminate();
        await Cluster.DisposeAsync();
        if (_database != null) Postgres.DropDatabase(Postgres.DatabaseName(_database));
    }
}

public static class QueueReads
{
    /// <summary>
    /// Every stored message of a topic, read from offset 0 of each queue, by key: where each copy
    /// is. Offsets must be dense (no gap, no reuse).
    /// </summary>
    public static async Task<Dictionary<string, List<(MessageQueue Queue, long Offset)>>> ReadAllByKeyAsync(AkkaMqPullConsumer consumer, string topic)
    {
        var seen = new Dictionary<string, List<(MessageQueue, long)>>();
        foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync(topic))
        {
            var offset = 0L;
            while (true)
            {
                var r = await consumer.PullAsync(q, "*", offset, 1000);
                if (r.Status != PullStatus.Found) break;
                foreach (var m in r.Messages)
                {
                    Assert.Equal(offset++, m.QueueOffset);
                    (seen.TryGetValue(m.Keys!, out var list) ? list : seen[m.Keys!] = new()).Add((q, m.QueueOffset));
                }
            }
        }
        return seen;
    }
}
