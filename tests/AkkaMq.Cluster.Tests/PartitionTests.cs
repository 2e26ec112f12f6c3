using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>Network partitions in an in-process cluster, cut and healed with AkkaMq.TestKit.</summary>
public sealed class PartitionTests : InProcessClusterTest
{
    // A generous stable-after, so a healed partition is healed before the resolver acts.
    public PartitionTests(ITestOutputHelper output) : base(output, "akka.cluster.split-brain-resolver.stable-after = 10s") { }

    private static bool Unreachable(AkkaMqTestNode observer, AkkaMqTestNode node) =>
        Akka.Cluster.Cluster.Get(observer.System).State.Unreachable.Any(m => m.Address.Equals(Akka.Cluster.Cluster.Get(node.System).SelfAddress));

    [Fact]
    public async Task A_partition_healed_before_the_resolver_acts_downs_nobody_and_the_broker_serves_again()
    {
        var ns = Cluster.StartNameServer();
        var a = Cluster.StartBroker("broker-a");
        var b = Cluster.StartBroker("broker-b");
        await Cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await Cluster.CreateTopicAsync(TopicConfig.Create("Cut", 2), clusterName: "DefaultCluster");
        var producer = AkkaMqProducer.Create(Client);
        var onB = new MessageQueue("Cut", "broker-b", 0);
        var before = await producer.SendAsync(Message.FromText("Cut", "before the cut"), onB);

        await Cluster.PartitionAsync(new[] { b }, new[] { ns, a });
        var cut = Stopwatch.StartNew();
        await AwaitAsync(() => Unreachable(ns, b) && Unreachable(b, ns), TimeSpan.FromSeconds(30), "broker-b unreachable from both sides");
        Output.WriteLine($"broker-b unreachable {cut.Elapsed.TotalSeconds:F1} s after the cut; healing");
        await Cluster.HealAsync(new[] { b }, new[] { ns, a });
        await AwaitAsync(() => !Unreachable(ns, b) && !Unreachable(b, ns) && !Unreachable(a, b), TimeSpan.FromSeconds(30), "broker-b reachable again");
        Output.WriteLine($"reachable again {cut.Elapsed.TotalSeconds:F1} s after the cut");

        // Nobody was downed: all three are still Up members and broker-b serves its queues.
        Assert.False(b.System.WhenTerminated.IsCompleted, "broker-b was downed although the partition healed");
        Assert.Equal(3, Akka.Cluster.Cluster.Get(ns.System).State.Members.Count(m => m.Status == MemberStatus.Up));
        var after = await producer.SendAsync(Message.FromText("Cut", "after the heal"), onB);
        Assert.Equal(before.QueueOffset + 1, after.QueueOffset);
        var route = await Cluster.WaitForRouteAsync("Cut", r => r.QueueDatas.Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal(b.Address, route.BrokerDatas.Single(x => x.BrokerName == "broker-b").SelectAddress());
    }

    [PostgresFact]
    public async Task A_master_cut_off_from_the_majority_is_downed_its_slave_serves_and_the_master_returns()
    {
                var ns = Cluster.StartNameServer();
        var master = Cluster.StartBroker("broker-a", 0, Database);
        var slave = Cluster.StartBroker("broker-a", 1, Database);
        var b = Cluster.StartBroker("broker-b");
        await Cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await CreateTopicOnClusterAsync("Orders", 2, brokerGroups: 2);
        var producer = AkkaMqProducer.Create(Client);
        var onA = new MessageQueue("Orders", "broker-a", 0);
        var acked = new List<SendResult>();
        for (var i = 0; i < 50; i++) acked.Add(await producer.SendAsync(Message.FromText("Orders", $"before {i}", keys: $"before-{i}"), onA));

        // The master alone is the minority (1 of 4): it downs itself and stops; the other three down it.
        await Cluster.PartitionAsync(new[] { master }, new[] { ns, slave, b });
        var cut = Stopwatch.StartNew();
        await AkkaMqTestCluster.WaitUntilTerminatedAsync(master, TimeSpan.FromSeconds(60));
        Output.WriteLine($"the master stopped itself {cut.Elapsed.TotalSeconds:F1} s after the cut");
        await Cluster.WaitForRouteAsync("Orders", r => r.BrokerDatas.Single(x => x.BrokerName == "broker-a").SelectAddress() == slave.Address,
            TimeSpan.FromSeconds(30));

        // The slave serves broker-a's queue from the shared journal: offsets continue without a gap.
        var first = await SendUntilOkAsync(producer, Message.FromText("Orders", "after 0", keys: "after-0"), onA, TimeSpan.FromSeconds(60));
        Output.WriteLine($"first ack from the slave {cut.Elapsed.TotalSeconds:F1} s after the cut");
        Assert.Equal(acked[^1].QueueOffset + 1, first.QueueOffset);
        acked.Add(first);
        for (var i = 1; i < 50; i++) acked.Add(await producer.SendAsync(Message.FromText("Orders", $"after {i}", keys: $"after-{i}"), onA));

        // The master comes back (a new incarnation, the partition long gone): it joins, registers,
        // and takes broker-a's shard back from the slave, continuing the same log.
        var returned = Cluster.Restart(master);
        await Cluster.WaitForRouteAsync("Orders", r => r.BrokerDatas.Single(x => x.BrokerName == "broker-a").SelectAddress() == returned.Address,
            TimeSpan.FromSeconds(60));
        var back = await SendUntilOkAsync(producer, Message.FromText("Orders", "back", keys: "back"), onA, TimeSpan.FromSeconds(60));
        Assert.Equal(acked[^1].QueueOffset + 1, back.QueueOffset);
        acked.Add(back);

        // The returned master's first read of old offsets goes to the journal on a cold process: on a
        // loaded machine it can outlast the request timeout, and a consumer pulls again, as here.
        var consumer = AkkaMqPullConsumer.Create(Client, "check");
        var pulled = await PullUntilAnsweredAsync(consumer, onA, TimeSpan.FromSeconds(60));
        Assert.Equal(PullStatus.Found, pulled.Status);
        Assert.Equal(acked.Select(r => r.QueueOffset), pulled.Messages.Select(m => m.QueueOffset));
        Assert.Equal(acked.Select(r => r.MsgId), pulled.Messages.Select(m => m.MsgId));
    }

    private Task<AkkaMq.Protocol.Broker.PullResult> PullUntilAnsweredAsync(AkkaMqPullConsumer consumer, MessageQueue q, TimeSpan timeout) =>
        Eventually.ReturnsAsync(() => consumer.PullAsync(q, "*", 0, 1000), timeout, TimeSpan.FromMilliseconds(10),
            retryWhen: e => Logged(e, "pulling again") is AkkaMqException { Code: ResponseCode.ServiceNotAvailable });

    private Task<SendResult> SendUntilOkAsync(AkkaMqProducer producer, Message m, MessageQueue q, TimeSpan timeout) =>
        Eventually.ReturnsAsync(() => producer.SendAsync(m, q), timeout, TimeSpan.FromMilliseconds(10),
            retryWhen: e => Logged(e, "retrying") is AkkaMqException);

    private Exception Logged(Exception e, string what)
    {
        Output.WriteLine($"{what}: {e.Message}");
        return e;
    }

    private static Task AwaitAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        Eventually.TrueAsync(condition, () => $"{what}: not within {timeout}", timeout, TimeSpan.FromMilliseconds(100));
}
