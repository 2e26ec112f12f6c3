using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>Broker failures in an in-process cluster built with AkkaMq.TestKit.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private readonly AkkaMqTestCluster _cluster = new();
    private ActorSystem? _client;

    public FailoverTests(ITestOutputHelper output) => _output = output;

    public Task InitializeAsync() => Task.CompletedTask;

    private string? _database;

    public async Task DisposeAsync()
    {
        if (_client != null) await _client.Terminate();
        await _cluster.DisposeAsync();
        if (_database != null) Postgres.DropDatabase(Postgres.DatabaseName(_database));
    }

    [PostgresFact]
    public async Task With_a_shared_journal_the_slave_takes_over_and_nothing_acknowledged_is_lost()
    {
        _database = Postgres.CreateDatabase();
        _cluster.StartNameServer();
        var master = _cluster.StartBroker("broker-a", 0, _database);
        _cluster.StartBroker("broker-a", 1, _database);
        await _cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await _cluster.CreateTopicAsync(TopicConfig.Create("Orders", 4));
        await _cluster.WaitForRouteAsync("Orders", r => r.BrokerDatas.Single().BrokerAddrs.Count == 2, TimeSpan.FromSeconds(10));

        _client = ActorSystem.Create("client", _cluster.ClientConfig());
        var producer = AkkaMqProducer.Create(_client);
        var consumer = AkkaMqPullConsumer.Create(_client, "billing");
        var acked = new ConcurrentDictionary<string, SendResult>();
        for (var i = 0; i < 200; i++) acked[$"before-{i}"] = await producer.SendAsync(Message.FromText("Orders", "x", keys: $"before-{i}"));
        var q0 = new MessageQueue("Orders", "broker-a", 0);
        await consumer.UpdateConsumeOffsetAsync(q0, 17);

        await _cluster.KillAsync(master);
        var killedAt = Stopwatch.StartNew();
        TimeSpan? firstSuccess = null;
        var errors = 0;
        for (var i = 0; i < 300; i++)
        {
            try
            {
                acked[$"after-{i}"] = await producer.SendAsync(Message.FromText("Orders", "y", keys: $"after-{i}"));
                firstSuccess ??= killedAt.Elapsed;
            }
            catch (AkkaMqException e)
            {
                errors++;
                if (errors == 1) _output.WriteLine($"first send error after the kill: {e.Message}");
                Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(60), "no send succeeded within 60 s of the master's death");
                i--;
            }
        }
        _output.WriteLine($"failover: first successful send {firstSuccess?.TotalSeconds:F1} s after the kill; {errors} failed sends meanwhile");

        // Every acknowledged message is there and offsets have no gaps and no reuse. A send retried
        // across the failover may be stored twice (at-least-once): those are counted.
        var seen = new Dictionary<string, List<long>>();
        foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync("Orders"))
        {
            var offset = 0L;
            while (true)
            {
                var r = await consumer.PullAsync(q, "*", offset, 500);
                if (r.Status != PullStatus.Found) break;
                foreach (var m in r.Messages)
                {
                    Assert.Equal(offset++, m.QueueOffset);
                    (seen.TryGetValue(m.Keys!, out var list) ? list : seen[m.Keys!] = new List<long>()).Add(m.QueueOffset);
                }
            }
        }
        foreach (var (key, r) in acked)
        {
            Assert.True(seen.TryGetValue(key, out var offsets), $"acknowledged {key} lost");
            Assert.Contains(r.QueueOffset, offsets!);
        }
        var duplicates = seen.Values.Sum(l => l.Count - 1);
        _output.WriteLine($"{acked.Count} acknowledged, all found; {duplicates} duplicate copies stored by retries");
        Assert.Equal(17, await consumer.FetchConsumeOffsetAsync(q0));
    }
}
