using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.TestKit;

namespace AkkaMq.NameServer.Tests;

/// <summary>
/// Cluster control is for members only: an ActorSystem that reaches a node over Akka.Remote without
/// joining its cluster cannot register or unregister a broker, nor change a broker's topic configs;
/// a member with an identity of its own still registers.
/// </summary>
public sealed class ClusterControlTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_rogue_system_outside_the_cluster_is_refused_and_a_member_with_another_identity_still_registers()
    {
        await using var ns = await TestNodes.StartStandaloneAsync();
        await TestNodes.CreateTopicAsync(ns, TopicConfig.Create("Guarded", 2));
        var before = await TestNodes.RouteAsync(ns, "Guarded");

        var rogue = ActorSystem.Create("rogue", ns.ClientConfig());
        try
        {
            var node = Akka.Cluster.Cluster.Get(ns.System).SelfAddress;
            var namesrv = rogue.ActorSelection($"{node}/user/namesrv");
            // It claims the live broker's identity with an address of its own, then a new identity.
            var claim = new RegisterBroker(new BrokerIdentity("DefaultCluster", "broker-a", 0, "127.0.0.1:1"),
                new[] { TopicConfig.Create("Guarded", 8) }, true, 4);
            foreach (var broker in new[] { claim.Broker, claim.Broker with { BrokerName = "broker-rogue" } })
            {
                var reply = await namesrv.Ask<RegisterBrokerReply>(claim with { Broker = broker }, Timeout);
                Assert.Equal(ResponseCode.NoPermission, reply.Code);
                Assert.Contains("RegisterBroker from akka.tcp://rogue@", reply.Error);
                Assert.Contains("only members of this cluster with the 'broker' role may send it", reply.Error);
            }
            // Told without a sender too: it arrives as the node's own dead letters, and is refused all the same.
            namesrv.Tell(claim);
            namesrv.Tell(new UnregisterBroker("DefaultCluster", "broker-a", 0));
            var gateway = rogue.ActorSelection($"{node}/user/broker");
            gateway.Tell(new UpdateTopicConfig("broker-a", TopicConfig.Create("Guarded", 1)));
            var changed = await gateway
                .Ask<UpdateTopicConfigReply>(new UpdateTopicConfig("broker-a", TopicConfig.Create("Guarded", 1)), Timeout);
            Assert.Equal(ResponseCode.NoPermission, changed.Code);
            Assert.Contains("only members of this cluster may send it", changed.Error);

            // Asked by the rogue after its messages: the route is as it was.
            var after = (await namesrv.Ask<RouteInfoReply>(new GetRouteInfo("Guarded", false), Timeout)).Route!;
            Assert.Equal(ns.Address, after.BrokerDatas.Single().SelectAddress());
            Assert.Equal(before.BrokerDatas.Single().BrokerAddrs, after.BrokerDatas.Single().BrokerAddrs);
            Assert.Equal((2, 2), (after.QueueDatas.Single().ReadQueueNums, after.QueueDatas.Single().WriteQueueNums));
            var brokers = await namesrv.Ask<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, Timeout);
            Assert.Equal(new[] { "broker-a" }, brokers.Brokers.Select(x => x.Broker.BrokerName));
        }
        finally
        {
            await rogue.Terminate();
        }

        // A member of the cluster with an identity of its own registers.
        await using var b = await TestNodes.StartBrokerAsync(ns.Address, "broker-b");
        var created = await TestNodes.CreateTopicAsync(ns, TopicConfig.Create("Shared", 2));
        Assert.Equal(new[] { "broker-a", "broker-b" }, created.Brokers.Order());
    }
}
