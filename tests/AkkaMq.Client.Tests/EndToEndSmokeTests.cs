using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Client.Tests;

public sealed class EndToEndSmokeTests : IAsyncLifetime
{
    private NodeAndClient _nodeAndClient = null!;
    private ActorSystem _client = null!;

    public async Task InitializeAsync()
    {
        _nodeAndClient = await NodeAndClient.StartAsync();
        _client = _nodeAndClient.Client;
    }

    public async Task DisposeAsync() => await _nodeAndClient.DisposeAsync();

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

    [Fact]
    public async Task A_new_group_starts_from_first_last_or_a_timestamp_and_then_from_its_commit()
    {
        var producer = AkkaMqProducer.Create(_client);
        var consumer = AkkaMqPullConsumer.Create(_client, "start-group");
        await consumer.Context.CreateTopicAsync(TopicConfig.Create("StartTopic", 1));
        var q = (await consumer.FetchSubscribeMessageQueuesAsync("StartTopic")).Single();
        for (var i = 0; i < 3; i++) await producer.SendAsync(Message.FromText("StartTopic", $"early {i}"), q);
        var cut = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1;
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= cut) await Task.Yield();
        for (var i = 0; i < 2; i++) await producer.SendAsync(Message.FromText("StartTopic", $"late {i}"), q);

        Assert.Equal(0, await consumer.FetchStartOffsetAsync(q, ConsumeFromWhere.ConsumeFromFirstOffset));
        Assert.Equal(5, await consumer.FetchStartOffsetAsync(q, ConsumeFromWhere.ConsumeFromLastOffset));
        Assert.Equal(3, await consumer.FetchStartOffsetAsync(q, ConsumeFromWhere.ConsumeFromTimestamp, cut));
        Assert.Equal(-1, await consumer.FetchConsumeOffsetAsync(q));

        await consumer.UpdateConsumeOffsetAsync(q, 4);
        Assert.Equal(4, await consumer.FetchStartOffsetAsync(q, ConsumeFromWhere.ConsumeFromFirstOffset));
        var held = await consumer.PullBlockIfNotFoundAsync(q, "*", 5, 10, TimeSpan.FromMilliseconds(300));
        Assert.Equal(PullStatus.NoNewMsg, held.Status);
    }
}
