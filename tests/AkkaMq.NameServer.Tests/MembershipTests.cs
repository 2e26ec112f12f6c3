using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;
using AkkaMq.TestKit;

namespace AkkaMq.NameServer.Tests;

/// <summary>Two real nodes in one cluster: a broker's routes leave with its cluster member.</summary>
public sealed class MembershipTests
{
    private readonly ITestOutputHelper _output;
    public MembershipTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Routes_of_a_broker_leave_when_its_member_leaves_the_cluster()
    {
        await using var ns = await TestNodes.StartStandaloneAsync();
        await using var b = await TestNodes.StartBrokerAsync(ns.Address, "broker-b");

        var created = await TestNodes.CreateTopicAsync(ns, TopicConfig.Create("Shared", 2));
        Assert.Equal(new[] { "broker-a", "broker-b" }, created.Brokers.OrderBy(x => x));

        var route = await TestNodes.RouteAsync(ns, "Shared");
        Assert.Equal(2, route.QueueDatas.Count);
        Assert.Equal(b.Address, route.BrokerDatas.Single(x => x.BrokerName == "broker-b").SelectAddress());

        await b.StopAsync();

        // The cluster member removal drives it (no 120 s expiry wait).
        await Eventually.AssertAsync(async () =>
        {
            route = await TestNodes.RouteAsync(ns, "Shared");
            Assert.True(route.QueueDatas.All(q => q.BrokerName != "broker-b"), "broker-b's routes were not removed after it left the cluster");
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        Assert.Equal(new[] { "broker-a" }, route.QueueDatas.Select(q => q.BrokerName));
    }
}
