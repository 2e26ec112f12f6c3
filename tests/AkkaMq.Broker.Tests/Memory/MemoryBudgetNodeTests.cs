using System.Text;
using AkkaMq.Broker.Memory;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker.Tests.Memory;

/// <summary>A node with a tiny memory budget and a small auto-create cap, through the broker's and the NameServer's protocols.</summary>
public sealed class MemoryBudgetNodeTests : BrokerTestBase
{
    public MemoryBudgetNodeTests(ITestOutputHelper output) : base(output, StartNode("""
        akkamq.broker.memory.max-cache-bytes = 1 MiB
        akkamq.broker.autoCreateQueueLimit = 12
        """)) { }

    private MemoryBudget Budget => MemoryBudget.For(Sys);

    private static string Body(int queue, long n) => $"q{queue}-m{n}-" + new string('x', 4000);

    [Fact]
    public void A_tiny_budget_evicts_the_tails_and_pulls_still_read_every_message_from_the_journal()
    {
        Assert.Equal(1L << 20, Budget.Limit);
        CreateTopic("Evict");
        const int perQueue = 300;
        for (var q = 0; q < 4; q++)
            for (var n = 0; n < perQueue; n += 50)
            {
                var acks = Send(Enumerable.Range(n, 50).Select(i => Entry(Text("Evict", Body(q, i)), q)).ToArray());
                Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));
            }
        // 4.8 MiB of bodies went through a 1 MiB budget: the tails gave back their oldest messages.
        AwaitAssert(() => Assert.True(Budget.Used <= Budget.Limit, $"{Budget.Cached} cached + {Budget.Pending} pending over {Budget.Limit}"),
            TimeSpan.FromSeconds(10));
        Output.WriteLine($"after the sends: {Budget.Cached} bytes cached, {Budget.Pending} pending");

        for (var q = 0; q < 4; q++)
        {
            var offset = 0L;
            while (offset < perQueue)
            {
                var r = Pull("Evict", q, offset, max: 64);
                Assert.Equal(PullStatus.Found, r.Status);
                foreach (var m in r.Messages)
                    Assert.Equal(Body(q, m.QueueOffset), Encoding.UTF8.GetString(m.Body));
                Assert.Equal(offset, r.Messages[0].QueueOffset);
                offset = r.NextBeginOffset;
            }
            Assert.Equal(perQueue, offset);
        }
        AwaitAssert(() => Assert.True(Budget.Used <= Budget.Limit, $"{Budget.Used} over {Budget.Limit} after the pulls"), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Over_the_budget_sends_are_refused_naming_it_nothing_is_stored_and_once_memory_is_released_they_are_taken()
    {
        CreateTopic("Busy", 1);
        Assert.True(Budget.TryChargePending(Budget.Limit)); // sends of other queues hold the whole budget
        try
        {
            var ack = Assert.Single(Send(Entry(Text("Busy", "refused"))));
            Assert.Equal(ResponseCode.SystemBusy, ack.Code);
            Assert.Contains("broker busy, memory budget exhausted", ack.Error);
            Assert.Contains("akkamq.broker.memory.max-cache-bytes", ack.Error);
            Assert.Equal(0, MaxOffset("Busy", 0));
        }
        finally
        {
            Budget.ReleasePending(Budget.Limit);
        }
        var ok = Assert.Single(Send(Entry(Text("Busy", "taken"))));
        Assert.Equal(ResponseCode.Success, ok.Code);
        Assert.Equal("taken", Encoding.UTF8.GetString(Assert.Single(Pull("Busy", 0, 0).Messages).Body));
        AwaitAssert(() => Assert.Equal(0, Budget.Pending));
    }

    private RouteInfoReply AutoCreateRoute(string topic)
    {
        NameServer.Tell(new GetRouteInfo(topic, AllowAutoCreate: true), TestActor);
        return ExpectMsg<RouteInfoReply>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Auto_create_stops_at_the_queue_cap_with_an_error_naming_it_while_existing_and_explicit_topics_keep_working()
    {
        CreateTopic("Explicit", 8);                                   // counts towards the cap of 12
        Assert.Equal(ResponseCode.Success, AutoCreateRoute("AutoA").Code); // 8 + 4 = 12

        var refused = AutoCreateRoute("AutoB");                       // 16 would pass it
        Assert.Equal(ResponseCode.TopicNotExist, refused.Code);
        Assert.Contains("akkamq.broker.autoCreateQueueLimit (12)", refused.Error);
        Assert.Contains("auto-create of topic 'AutoB' refused", refused.Error);
        Assert.Null(refused.Route);

        // Nothing was created: not on the broker, not in the NameServer's routes.
        Gateway.Tell(new GetTopicConfigs(BrokerName), TestActor);
        Assert.DoesNotContain(ExpectMsg<TopicConfigs>().Configs, c => c.TopicName == "AutoB");
        NameServer.Tell(new GetRouteInfo("AutoB", false), TestActor);
        Assert.Equal(ResponseCode.TopicNotExist, ExpectMsg<RouteInfoReply>().Code);

        // Existing topics keep working, and an administrator may still create topics past the cap.
        Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text("AutoA", "still here"), 3))).Code);
        Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text("Explicit", "still here"), 7))).Code);
        CreateTopic("ExplicitPastTheCap", 4);
        Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text("ExplicitPastTheCap", "admin's choice"), 1))).Code);
    }

    [Fact]
    public void A_heartbeat_of_a_new_group_adds_its_retry_topic_only_within_the_queue_cap()
    {
        CreateTopic("Explicit", 11);                                  // 11 of the cap of 12
        var member = CreateTestProbe();
        var subs = new[] { new SubscriptionData("Explicit", "*") };
        Gateway.Tell(new ConsumerHeartbeat(BrokerName, "cg-within", "c-1", MessageModel.Clustering, subs), member.Ref);
        AwaitAssert(() => Assert.Contains(TopicNames(), t => t == MessageConst.GetRetryTopic("cg-within")), TimeSpan.FromSeconds(10));

        // 12 queues now: another new group's retry topic would pass the cap, so it is not created.
        Gateway.Tell(new ConsumerHeartbeat(BrokerName, "cg-past", "c-2", MessageModel.Clustering, subs), member.Ref);
        Gateway.Tell(new GetConsumerList(BrokerName, "cg-past"), TestActor);
        Assert.Contains("c-2", ExpectMsg<ConsumerList>(TimeSpan.FromSeconds(10)).ClientIds); // the consumer itself is registered
        AwaitAssert(() => Assert.DoesNotContain(TopicNames(), t => t == MessageConst.GetRetryTopic("cg-past")), TimeSpan.FromSeconds(10));
        AwaitAssert(() =>
        {
            NameServer.Tell(new GetRouteInfo(MessageConst.GetRetryTopic("cg-past"), false), TestActor);
            Assert.Equal(ResponseCode.TopicNotExist, ExpectMsg<RouteInfoReply>().Code);
        }, TimeSpan.FromSeconds(10));
    }

    private IReadOnlyList<string> TopicNames()
    {
        Gateway.Tell(new GetTopicConfigs(BrokerName), TestActor);
        return ExpectMsg<TopicConfigs>().Configs.Select(c => c.TopicName).ToList();
    }
}
