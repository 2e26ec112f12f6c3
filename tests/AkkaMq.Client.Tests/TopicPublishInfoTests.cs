using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;
using Xunit;

namespace AkkaMq.Client.Tests;

public class TopicPublishInfoTests
{
    private long _now = 1_000_000;
    private readonly BrokerFaultTracker _faults;

    public TopicPublishInfoTests() => _faults = new BrokerFaultTracker(FaultAvoidanceSettings.Default with { SendLatencyFaultEnable = true }, () => _now);

    private static TopicRouteData Route(params QueueData[] queues) => new(queues,
        queues.Select(q => new BrokerData("DefaultCluster", q.BrokerName, new Dictionary<long, string> { [0] = q.BrokerName + ":10911" })).ToList());

    private static TopicPublishInfo Info(TopicRouteData route, int start = 0) =>
        TopicPublishInfo.FromRoute("T", route, null, new FixedRandom(start));

    /// <summary>A Random whose Next(max) is a chosen start index.</summary>
    private sealed class FixedRandom(int value) : Random
    {
        public override int Next(int maxValue) => value % maxValue;
    }

    private static MessageQueue Q(string broker, int id) => new("T", broker, id);

    [Fact]
    public void Writable_queues_are_listed_in_broker_name_order_and_read_only_brokers_left_out()
    {
        var info = Info(Route(new QueueData("broker-b", 2, 2, Perm.ReadWrite), new QueueData("broker-c", 4, 4, Perm.Read),
            new QueueData("broker-a", 4, 1, Perm.ReadWrite)));
        Assert.Equal(new[] { Q("broker-a", 0), Q("broker-b", 0), Q("broker-b", 1) }, info.WriteQueues);
    }

    [Fact]
    public void Selection_goes_round_robin_over_every_writable_queue_from_the_random_start()
    {
        var info = Info(Route(new QueueData("broker-a", 2, 2, Perm.ReadWrite), new QueueData("broker-b", 2, 2, Perm.ReadWrite)), start: 1);
        var picked = Enumerable.Range(0, 4).Select(_ => info.SelectOneMessageQueue(null, stickyLimit: 1, _faults)).ToList();
        Assert.Equal(new[] { Q("broker-a", 1), Q("broker-b", 0), Q("broker-b", 1), Q("broker-a", 0) }, picked);
    }

    [Fact]
    public void A_refreshed_route_continues_the_round_robin()
    {
        var route = Route(new QueueData("broker-a", 4, 4, Perm.ReadWrite));
        var info = Info(route);
        info.SelectOneMessageQueue(null, 1, _faults);
        var refreshed = TopicPublishInfo.FromRoute("T", route, info, new FixedRandom(3));
        Assert.Equal(Q("broker-a", 1), refreshed.SelectOneMessageQueue(null, 1, _faults));
    }

    [Fact]
    public void A_retry_skips_the_broker_that_failed()
    {
        var info = Info(Route(new QueueData("broker-a", 2, 2, Perm.ReadWrite), new QueueData("broker-b", 2, 2, Perm.ReadWrite)));
        for (var i = 0; i < 6; i++) Assert.Equal("broker-b", info.SelectOneMessageQueue("broker-a", 1, _faults).BrokerName);
    }

    [Fact]
    public void An_avoided_broker_gets_no_new_sends_while_another_has_queues()
    {
        var info = Info(Route(new QueueData("broker-a", 2, 2, Perm.ReadWrite), new QueueData("broker-b", 2, 2, Perm.ReadWrite)));
        _faults.UpdateFaultItem("broker-a", 2000, isolation: false);
        for (var i = 0; i < 6; i++) Assert.Equal("broker-b", info.SelectOneMessageQueue(null, 1, _faults).BrokerName);
        _now += 120_000;
        Assert.Contains(Enumerable.Range(0, 4).Select(_ => info.SelectOneMessageQueue(null, 1, _faults).BrokerName), b => b == "broker-a");
    }

    [Fact]
    public void When_every_broker_is_avoided_a_queue_is_still_chosen()
    {
        var info = Info(Route(new QueueData("broker-a", 1, 1, Perm.ReadWrite), new QueueData("broker-b", 1, 1, Perm.ReadWrite)));
        _faults.BrokerFailed("broker-a");
        _faults.BrokerFailed("broker-b");
        Assert.Equal("broker-b", info.SelectOneMessageQueue("broker-a", 1, _faults).BrokerName);
        Assert.Equal("broker-a", info.SelectOneMessageQueue(null, 1, _faults).BrokerName);
    }

    [Fact]
    public void A_single_broker_topic_retries_on_that_broker()
    {
        var info = Info(Route(new QueueData("broker-a", 2, 2, Perm.ReadWrite)));
        Assert.Equal("broker-a", info.SelectOneMessageQueue("broker-a", 1, _faults).BrokerName);
    }

    [Fact]
    public void Unkeyed_sends_stick_to_one_queue_up_to_the_limit_and_until_a_batch_leaves()
    {
        var info = Info(Route(new QueueData("broker-a", 2, 2, Perm.ReadWrite), new QueueData("broker-b", 2, 2, Perm.ReadWrite)));
        var first = info.SelectOneMessageQueue(null, stickyLimit: 3, _faults);
        Assert.Equal(first, info.SelectOneMessageQueue(null, 3, _faults));
        Assert.Equal(first, info.SelectOneMessageQueue(null, 3, _faults));
        var fourth = info.SelectOneMessageQueue(null, 3, _faults);
        Assert.NotEqual(first, fourth);
        Assert.Equal(fourth, info.Sticky);
        info.BatchSentTo(fourth.BrokerName);
        Assert.Null(info.Sticky);
        Assert.NotEqual(fourth, info.SelectOneMessageQueue(null, 3, _faults));
    }

    [Fact]
    public void A_batch_to_another_broker_keeps_the_sticky_queue()
    {
        var info = Info(Route(new QueueData("broker-a", 2, 2, Perm.ReadWrite), new QueueData("broker-b", 2, 2, Perm.ReadWrite)));
        var sticky = info.SelectOneMessageQueue(null, 10, _faults);
        info.BatchSentTo(sticky.BrokerName == "broker-a" ? "broker-b" : "broker-a");
        Assert.Equal(sticky, info.Sticky);
    }

    [Fact]
    public void The_sticky_queue_is_left_when_its_broker_becomes_avoided()
    {
        var info = Info(Route(new QueueData("broker-a", 2, 2, Perm.ReadWrite), new QueueData("broker-b", 2, 2, Perm.ReadWrite)));
        var sticky = info.SelectOneMessageQueue(null, 10, _faults);
        _faults.BrokerFailed(sticky.BrokerName);
        Assert.NotEqual(sticky.BrokerName, info.SelectOneMessageQueue(null, 10, _faults).BrokerName);
    }

    [Fact]
    public void The_same_sharding_key_always_maps_to_the_same_queue()
    {
        var info = Info(Route(new QueueData("broker-a", 4, 4, Perm.ReadWrite), new QueueData("broker-b", 4, 4, Perm.ReadWrite)));
        var q = info.SelectByShardingKey("order-42");
        for (var i = 0; i < 5; i++) Assert.Equal(q, info.SelectByShardingKey("order-42"));
        Assert.Equal(info.WriteQueues[(int)(MessageId.Hash("order-42") % 8u)], q);
    }

    [Fact]
    public void A_broker_is_listed_only_with_a_live_node()
    {
        var route = new TopicRouteData(new[] { new QueueData("broker-a", 1, 1, Perm.ReadWrite) },
            new[]
            {
                new BrokerData("DefaultCluster", "broker-a", new Dictionary<long, string> { [1] = "a-slave:10911" }),
                new BrokerData("DefaultCluster", "broker-b", new Dictionary<long, string>()),
            });
        var info = Info(route);
        Assert.True(info.ListsBroker("broker-a"));
        Assert.False(info.ListsBroker("broker-b"));
        Assert.False(info.ListsBroker("broker-c"));
    }
}
