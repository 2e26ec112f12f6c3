using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol.NameServer;
using Xunit;

namespace AkkaMq.Client.Tests;

public class BrokerConnectionTests
{
    private sealed class FakeRef(string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "test")) / name;
        public override IActorRefProvider Provider => throw new NotSupportedException();
    }

    private long _now = 1_000_000;
    private readonly IActorRef _gateway = new FakeRef("broker");
    private readonly IActorRef _channel = new FakeRef("channel");

    private static BrokerConnection<int> Connection(params string[] nodes) => new("broker-a", nodes[0], nodes.ToList());

    /// <summary>A connection whose gateway answered and was asked for its data channel.</summary>
    private BrokerConnection<int> AwaitingDataChannel()
    {
        var c = Connection("n1");
        c.Identifying();
        c.AwaitDataChannel(_gateway);
        return c;
    }

    [Fact]
    public void A_new_connection_is_unresolved_and_has_nowhere_to_send()
    {
        var c = Connection("n1");
        Assert.Equal(BrokerConnectionState.Unresolved, c.State);
        Assert.Null(c.Gateway);
        Assert.False(c.IsResolving);
    }

    [Fact]
    public void A_gateway_without_a_data_channel_takes_batches_over_Akka_Remote()
    {
        var c = Connection("n1");
        c.Identifying();
        Assert.True(c.IsResolving);
        c.UseGateway(_gateway);
        Assert.Equal(BrokerConnectionState.Remote, c.State);
        Assert.Same(_gateway, c.Gateway);
        Assert.Null(c.RemoteGateway);
    }

    [Fact]
    public void A_data_channel_connects_behind_its_gateway()
    {
        var c = AwaitingDataChannel();
        Assert.Equal(BrokerConnectionState.AwaitingDataChannel, c.State);
        Assert.True(c.IsResolving);
        Assert.Same(_gateway, c.RemoteGateway);
        c.ConnectDataChannel(_channel);
        Assert.Equal(BrokerConnectionState.Connecting, c.State);
        Assert.Same(_channel, c.Gateway);
        Assert.Same(_gateway, c.RemoteGateway);
        Assert.Null(c.Direct);
    }

    [Fact]
    public void A_gateway_that_names_no_data_channel_is_used_itself()
    {
        var c = AwaitingDataChannel();
        c.UseGateway(c.RemoteGateway!);
        Assert.Equal(BrokerConnectionState.Remote, c.State);
        Assert.Same(_gateway, c.Gateway);
        Assert.Null(c.RemoteGateway);
    }

    [Fact]
    public void A_data_channel_that_cannot_be_opened_falls_back_to_its_gateway()
    {
        var c = AwaitingDataChannel();
        c.ConnectDataChannel(_channel);
        c.FallBackToGateway();
        Assert.Equal(BrokerConnectionState.Remote, c.State);
        Assert.Same(_gateway, c.Gateway);
        Assert.Null(c.RemoteGateway);
    }

    [Fact]
    public void A_failed_identify_goes_back_to_unresolved_and_forgets_the_gateway_asked()
    {
        var c = AwaitingDataChannel();
        c.IdentifyFailed();
        Assert.Equal(BrokerConnectionState.Unresolved, c.State);
        Assert.Null(c.RemoteGateway);
    }

    [Fact]
    public void Transitions_out_of_order_are_refused()
    {
        var c = Connection("n1");
        Assert.Throws<InvalidOperationException>(() => c.ConnectDataChannel(_channel));
        Assert.Throws<InvalidOperationException>(() => c.FallBackToGateway());
        c.Identifying();
        Assert.Throws<InvalidOperationException>(() => c.Identifying());
        c.UseGateway(_gateway);
        Assert.Throws<InvalidOperationException>(() => c.UseGateway(_gateway));
        Assert.Throws<InvalidOperationException>(() => c.AwaitDataChannel(_gateway));
        Assert.Throws<InvalidOperationException>(() => c.IdentifyFailed());
    }

    [Fact]
    public void Moving_to_another_node_drops_the_gateway()
    {
        var c = Connection("n1", "n2");
        c.Identifying();
        c.UseGateway(_gateway);
        c.MoveTo("n2");
        Assert.Equal("n2", c.Address);
        Assert.Equal(BrokerConnectionState.Unresolved, c.State);
        Assert.Null(c.Gateway);
    }

    [Fact]
    public void The_next_node_is_the_following_one_that_has_not_failed()
    {
        var faults = new BrokerFaultTracker(FaultAvoidanceSettings.Default, () => _now);
        var c = Connection("n1", "n2", "n3");
        Assert.Equal("n2", c.NextNode(faults));
        faults.NodeFailed("n2");
        Assert.Equal("n3", c.NextNode(faults));
        faults.NodeFailed("n3");
        Assert.Null(c.NextNode(faults));
        _now += BrokerFaultTracker.NodeFailureMillis;
        Assert.Equal("n2", c.NextNode(faults));
    }

    [Fact]
    public void A_node_from_an_older_route_makes_every_listed_node_a_candidate()
    {
        var faults = new BrokerFaultTracker(FaultAvoidanceSettings.Default, () => _now);
        var c = Connection("old");
        c.Addresses = new List<string> { "n1", "n2" };
        Assert.Equal("n1", c.NextNode(faults));
    }

    [Fact]
    public void A_batch_completes_with_its_last_send_and_gives_its_send_time()
    {
        var c = Connection("n1");
        c.BatchSent(7, awaited: 2, now: 500);
        Assert.Equal(1, c.InflightBatches);
        Assert.False(c.BatchEntryDone(7, out _));
        Assert.True(c.BatchEntryDone(7, out var sentAt));
        Assert.Equal(500, sentAt);
        Assert.Equal(0, c.InflightBatches);
        Assert.False(c.BatchEntryDone(7, out _));
    }

    [Fact]
    public void Batches_of_a_failed_node_are_forgotten()
    {
        var c = Connection("n1");
        c.BatchSent(1, 1, 0);
        c.BatchSent(2, 3, 0);
        c.ForgetBatches();
        Assert.Equal(0, c.InflightBatches);
        Assert.False(c.BatchEntryDone(2, out _));
    }

    [Fact]
    public void Node_addresses_are_ordered_by_broker_id()
    {
        var b = new BrokerData("c", "broker-a", new Dictionary<long, string> { [2] = "s2", [0] = "m", [1] = "s1" });
        Assert.Equal(new[] { "m", "s1", "s2" }, BrokerConnection<int>.AddressesOf(b));
    }
}
