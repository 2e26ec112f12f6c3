using Akka.Actor;
using AkkaMq.Broker.Gateway;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>One live node per broker identity (brokerName, brokerId), in an in-process cluster.</summary>
public sealed class BrokerIdentityTests : InProcessClusterTest
{
    public BrokerIdentityTests(ITestOutputHelper output) : base(output) { }

    [Fact]
    public async Task A_second_node_claiming_a_held_identity_is_refused_and_stops_while_the_holder_keeps_serving()
    {
        Cluster.StartNameServer();
        var holder = Cluster.StartBroker("broker-a");
        await Cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await Cluster.CreateTopicAsync(TopicConfig.Create("Owned", 2));

        // Same identity, its own journal: the two logs for one group.
        using var otherDir = new TempDirectory();
        var claimant = Cluster.StartBroker("broker-a", 0, extraHocon: $"akkamq.store.data-dir = \"{otherDir.Path.Replace("\\", "/")}\"");
        var claimantAddress = claimant.Address;
        await AkkaMqTestCluster.WaitUntilTerminatedAsync(claimant, TimeSpan.FromSeconds(30));

        var refused = Assert.IsType<BrokerIdentityRefused>(CoordinatedShutdown.Get(claimant.System).ShutdownReason);
        Output.WriteLine(refused.Message);
        Assert.Contains("DefaultCluster/broker-a/0", refused.Message);
        Assert.Contains(holder.Address, refused.Message);
        Assert.Contains(claimantAddress, refused.Message);

        // The NameServer kept the holder: the claimant's registration was refused and its stop did not unregister the holder.
        await Cluster.WaitForRouteAsync("Owned", r => r.BrokerDatas.Single().SelectAddress() == holder.Address, TimeSpan.FromSeconds(10));
        var sent = await AkkaMqProducer.Create(Client).SendAsync(Message.FromText("Owned", "still served"));
        Assert.Equal("broker-a", sent.MessageQueue.BrokerName);

        // A graceful restart of the holder is not a second claimant: it takes its identity back.
        await Cluster.StopGracefullyAsync(holder);
        var back = Cluster.Restart(holder);
        await Cluster.WaitForRouteAsync("Owned", r => r.BrokerDatas.Single().SelectAddress() == back.Address, TimeSpan.FromSeconds(30));
        Assert.False(back.System.WhenTerminated.IsCompleted, "the restarted holder stopped");
    }
}
