using AkkaMq.Client.Consumer.Rebalance;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Tests;

public sealed class RebalancerTests
{
    private const string Group = "GID_rebalance";

    private static TopicRouteData Route(params (string Broker, int ReadQueues, int Perm)[] queues) =>
        new(queues.Select(q => new QueueData(q.Broker, q.ReadQueues, q.ReadQueues, q.Perm)).ToList(),
            queues.Select(q => new BrokerData("c", q.Broker, new Dictionary<long, string> { [0] = "akka.tcp://x@127.0.0.1:1" })).ToList());

    private static Rebalancer For(string clientId, MessageModel model = MessageModel.Clustering) =>
        new(Group, clientId, new AllocateMessageQueueAveragely(), model);

    private static Task<ConsumerList> Members(params string[] clientIds) =>
        Task.FromResult(new ConsumerList(Group, clientIds, ResponseCode.Success, null));

    [Fact]
    public void Readable_queues_leave_out_unreadable_brokers_and_are_sorted_by_broker_then_queue_id()
    {
        var route = Route(("broker-b", 2, Perm.ReadWrite), ("broker-a", 2, Perm.ReadWrite), ("broker-c", 4, Perm.Write));
        Assert.Equal(new[] { new MessageQueue("T", "broker-a", 0), new MessageQueue("T", "broker-a", 1), new MessageQueue("T", "broker-b", 0), new MessageQueue("T", "broker-b", 1) },
            Rebalancer.ReadableQueues("T", route));
    }

    [Fact]
    public void The_broker_asked_for_the_member_list_is_the_first_reachable_by_name()
    {
        var route = Route(("broker-c", 1, Perm.ReadWrite), ("broker-b", 1, Perm.ReadWrite), ("broker-a", 1, Perm.ReadWrite));
        Assert.Equal("broker-b", Rebalancer.BrokerToAsk(route, b => b != "broker-a"));
        Assert.Null(Rebalancer.BrokerToAsk(route, _ => false));
    }

    [Fact]
    public void Allocate_sorts_the_members_so_every_member_computes_the_same_split()
    {
        var mqAll = Rebalancer.ReadableQueues("T", Route(("broker-a", 4, Perm.ReadWrite)));
        var first = For("cid-1").Allocate(mqAll, new[] { "cid-2", "cid-1" })!;
        var second = For("cid-2").Allocate(mqAll, new[] { "cid-1", "cid-2" })!;
        Assert.Equal(new[] { 0, 1 }, first.Select(q => q.QueueId));
        Assert.Equal(new[] { 2, 3 }, second.Select(q => q.QueueId));
        Assert.Null(For("cid-3").Allocate(mqAll, new[] { "cid-1", "cid-2" }));
    }

    [Fact]
    public async Task A_clustering_member_owns_its_share_of_each_topic()
    {
        var routes = new Dictionary<string, TopicRouteData> { ["T1"] = Route(("broker-a", 4, Perm.ReadWrite)), ["T2"] = Route(("broker-a", 2, Perm.ReadWrite)) };
        var asked = new List<string>();
        var result = await For("cid-2").AllocateAsync(routes, _ => true, b =>
        {
            asked.Add(b);
            return Members("cid-1", "cid-2");
        });
        Assert.Null(result.Failure);
        Assert.Equal(new[] { 2, 3 }, result.Owned!["T1"].Select(q => q.QueueId));
        Assert.Equal(new[] { 1 }, result.Owned["T2"].Select(q => q.QueueId));
        Assert.Equal(new[] { "broker-a", "broker-a" }, asked);
    }

    [Fact]
    public async Task A_broadcasting_member_owns_every_readable_queue_without_asking_for_members()
    {
        var routes = new Dictionary<string, TopicRouteData> { ["T"] = Route(("broker-a", 3, Perm.ReadWrite)) };
        var result = await For("cid-1", MessageModel.Broadcasting).AllocateAsync(routes, _ => false,
            _ => throw new InvalidOperationException("broadcasting must not ask for the member list"));
        Assert.Equal(3, result.Owned!["T"].Count);
    }

    [Fact]
    public async Task A_member_the_broker_does_not_list_keeps_what_it_owns()
    {
        var routes = new Dictionary<string, TopicRouteData> { ["T"] = Route(("broker-a", 4, Perm.ReadWrite)) };
        var notListed = await For("cid-9").AllocateAsync(routes, _ => true, _ => Members("cid-1"));
        var refused = await For("cid-1").AllocateAsync(routes, _ => true,
            _ => Task.FromResult(new ConsumerList(Group, Array.Empty<string>(), ResponseCode.SystemError, "busy")));
        var unreachable = await For("cid-1").AllocateAsync(routes, _ => false, _ => Members("cid-1"));
        Assert.Equal(Rebalancer.NotRegistered, notListed.Failure);
        Assert.Equal("busy", refused.Failure);
        Assert.Contains("no reachable broker", unreachable.Failure);
        Assert.All(new[] { notListed, refused, unreachable }, r => Assert.Null(r.Owned));
    }

    [Fact]
    public void Changes_drop_queues_moved_away_add_new_ones_and_leave_topics_not_allocated_alone()
    {
        MessageQueue Q(string topic, int id) => new(topic, "broker-a", id);
        var owned = new[] { Q("T1", 0), Q("T1", 1), Q("T2", 0) };
        var allocation = new Dictionary<string, List<MessageQueue>> { ["T1"] = new() { Q("T1", 1), Q("T1", 2) } };
        var changes = Rebalancer.Changes(allocation, owned);
        Assert.Equal(new[] { Q("T1", 0) }, changes.Dropped);
        Assert.Equal(new[] { Q("T1", 2) }, changes.Added);
    }

    [Theory]
    [InlineData(-1, MessageModel.Clustering, false, false, "Nothing")]
    [InlineData(-1, MessageModel.Clustering, true, false, "Unlock")]
    [InlineData(5, MessageModel.Broadcasting, false, false, "Nothing")]
    [InlineData(5, MessageModel.Clustering, false, false, "Commit")]
    [InlineData(5, MessageModel.Clustering, true, true, "Commit")]
    [InlineData(5, MessageModel.Clustering, true, false, "CommitThenUnlock")]
    public void A_dropped_queue_commits_before_its_lock_goes(long offset, MessageModel model, bool needsLock, bool consuming, string expected) =>
        Assert.Equal(Enum.Parse<DropAction>(expected), Rebalancer.WhenDropped(offset, model, needsLock, consuming));

    [Fact]
    public void A_rebalance_asked_for_while_one_runs_runs_once_after_it()
    {
        var r = For("cid-1");
        Assert.True(r.TryStart());
        Assert.False(r.TryStart());
        Assert.False(r.TryStart());
        Assert.True(r.Finish());
        Assert.True(r.TryStart());
        Assert.False(r.Finish());
        Assert.True(r.TryStart());
    }
}
