using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>Broker failures in an in-process cluster built with AkkaMq.TestKit.</summary>
public sealed class FailoverTests : InProcessClusterTest
{
    public FailoverTests(ITestOutputHelper output) : base(output) { }

    [PostgresFact]
    public async Task With_a_shared_journal_the_slave_takes_over_and_nothing_acknowledged_is_lost()
    {
                Cluster.StartNameServer();
        var master = Cluster.StartBroker("broker-a", 0, Database);
        Cluster.StartBroker("broker-a", 1, Database);
        await Cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await Cluster.CreateTopicAsync(TopicConfig.Create("Orders", 4));
        await Cluster.WaitForRouteAsync("Orders", r => r.BrokerDatas.Single().BrokerAddrs.Count == 2, TimeSpan.FromSeconds(10));

        var producer = AkkaMqProducer.Create(Client);
        var consumer = AkkaMqPullConsumer.Create(Client, "billing");
        var acked = new ConcurrentDictionary<string, SendResult>();
        for (var i = 0; i < 200; i++) acked[$"before-{i}"] = await producer.SendAsync(Message.FromText("Orders", "x", keys: $"before-{i}"));
        var q0 = new MessageQueue("Orders", "broker-a", 0);
        await consumer.UpdateConsumeOffsetAsync(q0, 17);

        await Cluster.KillAsync(master);
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
                if (errors == 1) Output.WriteLine($"first send error after the kill: {e.Message}");
                Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(60), "no send succeeded within 60 s of the master's death");
                i--;
            }
        }
        Output.WriteLine($"failover: first successful send {firstSuccess?.TotalSeconds:F1} s after the kill; {errors} failed sends meanwhile");

        // Every acknowledged message is there and offsets have no gaps and no reuse. A send retried
        // across the failover may be stored twice (at-least-once): those are counted.
        var seen = await QueueReads.ReadAllByKeyAsync(consumer, "Orders");
        foreach (var (key, r) in acked)
        {
            Assert.True(seen.TryGetValue(key, out var copies), $"acknowledged {key} lost");
            Assert.Contains((r.MessageQueue, r.QueueOffset), copies!);
        }
        var duplicates = seen.Values.Sum(l => l.Count - 1);
        Output.WriteLine($"{acked.Count} acknowledged, all found; {duplicates} duplicate copies stored by retries");
        Assert.Equal(17, await consumer.FetchConsumeOffsetAsync(q0));
    }
}
