using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>The user test shown in docs/cluster.md, "Test your app against failures", as written there.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task Orders_keep_flowing_when_a_broker_group_is_cut_off()
    {
        await using var cluster = new AkkaMqTestCluster();
        var ns = cluster.StartNameServer();
        var a = cluster.StartBroker("broker-a");
        var b = cluster.StartBroker("broker-b");
        await cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await cluster.CreateTopicAsync(TopicConfig.Create("Orders", 4), clusterName: "DefaultCluster");
        using var app = ActorSystem.Create("my-app", cluster.ClientConfig());    // your app's client side
        var producer = AkkaMqProducer.Create(app);

        await cluster.PartitionAsync(new[] { b }, new[] { ns, a });             // broker-b is downed...
        await cluster.WaitForRouteAsync("Orders", r => r.QueueDatas.All(q => q.BrokerName == "broker-a"), TimeSpan.FromSeconds(60));
        var sent = await producer.SendAsync(Message.FromText("Orders", "{\"id\":42}"));  // ...and orders go to broker-a
        Assert.Equal("broker-a", sent.MessageQueue.BrokerName);
    }
}
