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
        await using var ns = AkkaMqTestNode.StartStandalone();
        await ns.WaitUntilReadyAsync();
        await using var b = AkkaMqTestNode.StartBroker(ns.Address, "broker-b");
        await b.WaitUntilReadyAsync();

        var gateway = ns.System.ActorSelection("/user/namesrv");
        var created = await gateway.Ask<CreateTopicReply>(new CreateTopic(TopicConfig.Create("Shared", 2), null, null), TimeSpan.FromSeconds(10));
        Assert.Equal(ResponseCode.Success, created.Code);
        Assert.Equal(new[] { "broker-a", "broker-b" }, created.Brokers.OrderBy(x => x));

        var route = await gateway.Ask<RouteInfoReply>(new GetRouteInfo("Shared", false), TimeSpan.FromSeconds(5));
        Assert.Equal(2, route.Route!.QueueDatas.Count);
        Assert.Equal(b.Address, route.Route.BrokerDatas.Single(x => x.BrokerName == "broker-b").SelectAddress());

        await b.StopAsync();

        // Poll the route until broker-b is gone; the cluster member removal drives it (no 120 s expiry wait).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            route = await gateway.Ask<RouteInfoReply>(new GetRouteInfo("Shared", false), TimeSpan.FromSeconds(5));
            if (route.Route!.QueueDatas.All(q => q.BrokerName != "broker-b")) break;
            Assert.True(DateTime.UtcNow < deadline, "broker-b's routes were not removed after it left the cluster");
            await Task.Delay(100);
        }
        Assert.Equal(new[] { "broker-a" }, route.Route.QueueDatas.Select(q => q.BrokerName));
    }
}
