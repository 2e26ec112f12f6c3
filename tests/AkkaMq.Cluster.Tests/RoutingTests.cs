using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>Routes across broker groups, and a broker group's loss and return, in-process.</summary>
public sealed class RoutingTests : InProcessClusterTest
{
    public RoutingTests(ITestOutputHelper output) : base(output) { }

    [Fact]
    public async Task With_local_journals_producers_route_around_a_dead_group_and_its_messages_return_with_it()
    {
        Cluster.StartNameServer();
        Cluster.StartBroker("broker-a");
        var b = Cluster.StartBroker("broker-b");
        await Cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));

        // A topic created on the cluster gets queues on both groups, and routes name who serves each.
        var created = await Cluster.CreateTopicAsync(TopicConfig.Create("Span", 4), clusterName: "DefaultCluster");
        Assert.Equal(new[] { "broker-a", "broker-b" }, created.Brokers.OrderBy(x => x));
        var route = await Cluster.WaitForRouteAsync("Span", r => r.QueueDatas.Count == 2, TimeSpan.FromSeconds(10));
        Assert.All(route.QueueDatas, q => Assert.Equal(4, q.WriteQueueNums));
        Assert.Equal(b.Address, route.BrokerDatas.Single(x => x.BrokerName == "broker-b").SelectAddress());

        var producer = AkkaMqProducer.Create(Client);
        var onB = new List<SendResult>();
        for (var i = 0; i < 80; i++)
        {
            var r = await producer.SendAsync(Message.FromText("Span", $"m{i}", keys: $"k{i}"));
            if (r.MessageQueue.BrokerName == "broker-b") onB.Add(r);
        }
        Assert.NotEmpty(onB);

        await Cluster.KillAsync(b);
        var killed = Stopwatch.StartNew();
        await Cluster.WaitForRouteAsync("Span", r => r.QueueDatas.All(q => q.BrokerName == "broker-a"), TimeSpan.FromSeconds(30));
        Output.WriteLine($"broker-b left the routes {killed.Elapsed.TotalSeconds:F1} s after it died");

        // Producers keep succeeding on broker-a once they have the new route.
        var errors = 0;
        var succeeded = 0;
        await Eventually.AssertAsync(async () =>
        {
            for (; succeeded < 40; succeeded++)
                Assert.Equal("broker-a", (await producer.SendAsync(Message.FromText("Span", "while b is down"))).MessageQueue.BrokerName);
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), retryWhen: e =>
        {
            errors++;
            Output.WriteLine($"send error while routes converge: {e.Message}");
            return e is AkkaMqException;
        });
        Output.WriteLine($"{errors} send errors after broker-b died, then 40 sends in a row on broker-a");

        // broker-b comes back with its own journal (after the cluster has downed its old incarnation):
        // it registers again and its messages are readable.
        await Cluster.WaitUntilRemovedAsync(b, TimeSpan.FromSeconds(30));
        Cluster.Restart(b);
        await Cluster.WaitForRouteAsync("Span", r => r.QueueDatas.Count == 2, TimeSpan.FromSeconds(30));
        var consumer = AkkaMqPullConsumer.Create(Client, "after-return");
        foreach (var sent in onB)
        {
            var r = await consumer.PullAsync(sent.MessageQueue, "*", sent.QueueOffset, 1);
            Assert.Equal(PullStatus.Found, r.Status);
            Assert.Equal(sent.MsgId, r.Messages[0].MsgId);
        }
    }
}
