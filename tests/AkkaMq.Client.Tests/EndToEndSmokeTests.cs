using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Client.Tests;

public sealed class EndToEndSmokeTests : IAsyncLifetime
{
    private AkkaMqTestNode _node = null!;
    private ActorSystem _client = null!;

    public async Task InitializeAsync()
    {
        _node = AkkaMqTestNode.StartStandalone();
        await _node.WaitUntilReadyAsync();
        _client = ActorSystem.Create("client", _node.ClientConfig());
    }

    public async Task DisposeAsync()
    {
        await _client.Terminate();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Sent_messages_come_back_by_pull()
    {
        var producer = AkkaMqProducer.Create(_client);
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            producer.SendAsync(Message.FromText("SmokeTopic", $"hello {i}", tags: i % 2 == 0 ? "even" : "odd", keys: $"k{i}"))));
        Assert.All(results, r => Assert.Equal(SendStatus.SendOk, r.SendStatus));

        var consumer = AkkaMqPullConsumer.Create(_client, "smoke-group");
        var queues = await consumer.FetchSubscribeMessageQueuesAsync("SmokeTopic");
        Assert.Equal(4, queues.Count);
        var bodies = new List<string>();
        foreach (var q in queues)
        {
            var r = await consumer.PullAsync(q, "*", 0, 1000);
            bodies.AddRange(r.Messages.Select(m => System.Text.Encoding.UTF8.GetString(m.Body)));
        }
        Assert.Equal(200, bodies.Count);
    }
}
