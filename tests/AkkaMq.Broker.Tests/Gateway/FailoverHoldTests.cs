using Akka.Actor;
using Akka.Cluster;
using AkkaMq.Broker.Gateway;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Gateway;

/// <summary>The failover hold: which node serves, when requests are held, released in order, and refused.</summary>
public sealed class FailoverHoldTests
{
    private static readonly Address Master = new("akka.tcp", "akkamq", "10.0.0.1", 2551);
    private static readonly Address Slave = new("akka.tcp", "akkamq", "10.0.0.2", 2551);
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly FailoverHold _hold = new("broker-a", TimeSpan.FromSeconds(10));

    public FailoverHoldTests()
    {
        _hold.GroupMember(Master, MemberStatus.Up, 0);
        _hold.GroupMember(Slave, MemberStatus.Up, 1);
        Assert.Equal(FailoverChange.None, _hold.UpdateServingNode());
    }

    private static PullMessage Pull(long offset) => new("broker-a", "g", "Orders", 0, offset, 32, "*", 0);

    [Fact]
    public void The_lowest_live_broker_id_serves_the_group()
    {
        Assert.Equal(Master, _hold.ServingNode);
        _hold.GroupMember(Master, MemberStatus.Exiting, 0);
        _hold.UpdateServingNode();
        Assert.Equal(Slave, _hold.ServingNode);
    }

    [Fact]
    public void An_unreachable_serving_node_starts_the_hold()
    {
        _hold.Reachability(Master, reachable: false);
        Assert.Equal(FailoverChange.StartHolding, _hold.UpdateServingNode());
        Assert.True(_hold.Holding);
    }

    [Fact]
    public void An_unreachable_slave_does_not_hold_anything()
    {
        _hold.Reachability(Slave, reachable: false);
        Assert.Equal(FailoverChange.None, _hold.UpdateServingNode());
        Assert.False(_hold.Holding);
    }

    [Fact]
    public void After_the_serving_node_is_removed_requests_wait_for_the_shard_to_answer()
    {
        _hold.Reachability(Master, reachable: false);
        _hold.UpdateServingNode();
        _hold.MemberRemoved(Master);
        Assert.Equal(FailoverChange.AwaitShard, _hold.UpdateServingNode());
        Assert.Equal(Slave, _hold.ServingNode);
        Assert.True(_hold.Holding);
        Assert.True(_hold.ShardAnswered());
        Assert.False(_hold.Holding);
        Assert.False(_hold.ShardAnswered());
    }

    [Fact]
    public void A_node_that_flaps_before_the_shard_answers_holds_again()
    {
        _hold.Reachability(Master, reachable: false);
        _hold.UpdateServingNode();
        _hold.Reachability(Master, reachable: true);
        Assert.Equal(FailoverChange.AwaitShard, _hold.UpdateServingNode());
        _hold.Reachability(Master, reachable: false);
        Assert.Equal(FailoverChange.StartHolding, _hold.UpdateServingNode());
        Assert.False(_hold.AwaitingShard);
        Assert.False(_hold.ShardAnswered());
        Assert.True(_hold.Holding);
    }

    [Fact]
    public void Held_requests_are_released_in_arrival_order()
    {
        for (var i = 0; i < 3; i++) Assert.Null(_hold.Hold(Pull(i), ActorRefs.Nobody, T0.AddSeconds(i)));
        var released = _hold.Release();
        Assert.Equal(new long[] { 0, 1, 2 }, released.Select(e => ((PullMessage)e.Message).QueueOffset));
        Assert.Equal(0, _hold.HeldCount);
    }

    [Fact]
    public void Requests_held_longer_than_the_timeout_expire_with_an_error_naming_it()
    {
        _hold.Hold(Pull(0), ActorRefs.Nobody, T0);
        _hold.Hold(Pull(1), ActorRefs.Nobody, T0.AddSeconds(5));
        var expired = new List<(IAkkaMqMessage Message, IActorRef Sender)>();
        var error = _hold.Expire(T0.AddSeconds(10.5), expired);
        Assert.Equal(0, ((PullMessage)Assert.Single(expired).Message).QueueOffset);
        Assert.Equal(1, _hold.HeldCount);
        Assert.Contains("broker 'broker-a' is failing over: its serving node stayed unreachable for 00:00:10", error);
    }

    [Fact]
    public void A_full_hold_refuses_the_next_request()
    {
        for (var i = 0; i < FailoverHold.MaxHeld; i++) _hold.Hold(Pull(i), ActorRefs.Nobody, T0);
        Assert.Equal($"broker 'broker-a' is failing over and {FailoverHold.MaxHeld} requests already wait; retry",
            _hold.Hold(Pull(-1), ActorRefs.Nobody, T0));
        Assert.Equal(FailoverHold.MaxHeld, _hold.HeldCount);
    }

    [Fact]
    public void Only_requests_on_the_groups_queues_are_held()
    {
        Assert.True(FailoverHold.Holds(Pull(0)));
        Assert.True(FailoverHold.Holds(new SendMessages("broker-a", Array.Empty<SendEntry>())));
        Assert.True(FailoverHold.Holds(new QueryConsumerOffset("broker-a", "g", "Orders", 0)));
        Assert.False(FailoverHold.Holds(new GetConsumerList("broker-a", "g")));
        Assert.False(FailoverHold.Holds(new GetDataChannel("broker-a")));
    }
}
