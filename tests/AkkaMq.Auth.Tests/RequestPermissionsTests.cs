using AkkaMq.Auth;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using static AkkaMq.Auth.RequestPermissions;

namespace AkkaMq.Auth.Tests;

public class RequestPermissionsTests
{
    private static SendEntry Entry(string topic) => new(1, 0, false, 0, new Message(topic, new byte[] { 1 }));

    [Fact]
    public void Sends_need_Pub_on_each_topic_once()
    {
        var p = For(new SendMessages("b", new[] { Entry("a"), Entry("b"), Entry("a") }), "c")!;
        Assert.Equal(new[] { Topic("a", AclAction.Pub), Topic("b", AclAction.Pub) }, p);
    }

    [Fact]
    public void Pulls_and_offsets_need_Sub_on_topic_and_group()
    {
        var need = new[] { Topic("t", AclAction.Sub), Group("g", AclAction.Sub) };
        Assert.Equal(need, For(new PullMessage("b", "g", "t", 0, 0, 32, "*", 0), "c"));
        Assert.Equal(need, For(new CommitConsumerOffsets("b", "g", "t", new Dictionary<int, long>()), "c"));
        Assert.Equal(need, For(new QueryConsumerOffset("b", "g", "t", 0), "c"));
    }

    [Fact]
    public void A_transaction_decision_needs_Pub_on_its_topic_and_the_half_message_list_Get()
    {
        Assert.Equal(new[] { Topic("t", AclAction.Pub) },
            For(new AkkaMq.Protocol.Transaction.EndTransaction("b", "pg", "t", "tx", AkkaMq.Protocol.Transaction.TransactionResolution.Commit, false), "c"));
        Assert.Equal(new[] { Topic("t", AclAction.Get) }, For(new AkkaMq.Protocol.Transaction.QueryHalfMessages("b", "t", null, 10), "c"));
        Assert.Equal(new[] { new Permission(ResourceType.Cluster, "c", AclAction.Get) },
            For(new AkkaMq.Protocol.Transaction.QueryHalfMessages("b", null, null, 10), "c"));
        // A member of a producer group receives its check-backs: Pub on the group.
        Assert.Equal(new[] { Group("pg", AclAction.Pub) }, For(new ProducerHeartbeat("b", "pg", "c1", new ClientChannel(null, "DOTNET", "1")), "c"));
        Assert.Equal(new[] { Group("pg", AclAction.Get) }, For(new GetProducerConnection("b", "pg"), "c"));
    }

    [Fact]
    public void A_retry_topic_is_checked_as_its_group()
    {
        Assert.Equal(new[] { Group("g", AclAction.Sub) }, For(new PullMessage("b", "g", "%RETRY%g", 0, 0, 32, "*", 0), "c"));
    }

    [Fact]
    public void Admin_requests_need_their_admin_action()
    {
        Assert.Equal(new[] { Topic("t", AclAction.Update) }, For(new CreateTopic(TopicConfig.Create("t"), null, null), "c"));
        Assert.Equal(new[] { Topic("t", AclAction.Delete) }, For(new DeleteTopicInBroker("b", "t"), "c"));
        Assert.Equal(new[] { new Permission(ResourceType.Cluster, "c", AclAction.Create) }, For(new CreateUser(TestUsers.Normal("x")), "c"));
        Assert.Equal(new[] { new Permission(ResourceType.Cluster, "c", AclAction.List) }, For(new ListAcls(""), "c"));
    }

    [Fact]
    public void Route_lookups_need_only_a_user_and_cluster_traffic_a_super_user()
    {
        Assert.Empty(For(new GetRouteInfo("t", false), "c")!);
        Assert.Null(For(new UnregisterBroker("c", "b", 0), "c"));
    }
}
