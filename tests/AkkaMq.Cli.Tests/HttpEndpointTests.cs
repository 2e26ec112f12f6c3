using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.TestKit;

namespace AkkaMq.Cli.Tests;

/// <summary>The node's HTTP endpoint: /health, a /metrics scrape after a known workload, and the admin JSON API.</summary>
public sealed class HttpEndpointTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;
    private readonly HttpClient _http;
    private readonly ITestOutputHelper _output;

    public HttpEndpointTests(NodeFixture node, ITestOutputHelper output)
    {
        _node = node;
        _output = output;
        _http = new HttpClient { BaseAddress = new Uri(node.HttpUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The value of the one sample of metric whose labels include every given label.</summary>
    private static double? Sample(string scrape, string metric, params (string Name, string Value)[] labels)
    {
        foreach (var line in scrape.Split('\n'))
        {
            var m = Regex.Match(line, @"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+)");
            if (!m.Success || m.Groups[1].Value != metric) continue;
            var l = m.Groups[2].Value;
            if (labels.All(x => l.Contains($"{x.Name}=\"{x.Value}\""))) return double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    private async Task<string> Scrape()
    {
        var text = await _http.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
            if (line.Contains("MetricsTopic") && !line.Contains("_bucket")) _output.WriteLine(line);
        return text;
    }

    [Fact]
    public async Task Health_says_up_with_roles_and_a_journal_that_answers()
    {
        var r = await _http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var h = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("UP", h.GetProperty("status").GetString());
        Assert.Equal("Up", h.GetProperty("memberStatus").GetString());
        Assert.Equal(new[] { "nameserver", "broker" }, h.GetProperty("roles").EnumerateArray().Select(x => x.GetString()).ToArray());
        Assert.True(h.GetProperty("journal").GetProperty("ok").GetBoolean());
        Assert.StartsWith("http://127.0.0.1:", _node.HttpUrl);
    }

    [Fact]
    public async Task Metrics_count_the_workload_and_lag_goes_to_zero_when_the_consumer_catches_up()
    {
        const string topic = "MetricsTopic";
        const string group = "metrics-group";
        var created = await _http.PostAsJsonAsync("/api/topics", new { topic, readQueueNums = 2, writeQueueNums = 2 });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        var client = ActorSystem.Create("metrics-client", AkkaMqTestNode.ClientConfigFor(_node.NamesrvAddr));
        try
        {
            var producer = AkkaMqProducer.Create(client);
            var perQueue = new[] { 30, 20 };
            var beforeQueue1 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var q = 0; q < 2; q++)
                for (var i = 0; i < perQueue[q]; i++)
                    await producer.SendAsync(new Message(topic, new byte[100], keys: $"m-{q}-{i}"), new MessageQueue(topic, "broker-a", q));

            var scrape = await Scrape();
            Assert.Equal(50, Sample(scrape, "akkamq_messages_in_total", ("topic", topic)));
            Assert.Equal(5000, Sample(scrape, "akkamq_throughput_in_bytes_total", ("topic", topic)));
            Assert.True(Sample(scrape, "akkamq_rpc_latency_milliseconds_count", ("request_code", "send_message"), ("topic", topic)) >= 1);
            Assert.True(Sample(scrape, "akkamq_storage_size_bytes") > 0);

            var consumer = AkkaMqPullConsumer.Create(client, group);
            var queues = await consumer.FetchSubscribeMessageQueuesAsync(topic);
            var pulled = 0;
            foreach (var mq in queues)
            {
                var r = await consumer.PullAsync(mq, "*", 0, 100);
                pulled += r.Messages.Count;
            }
            Assert.Equal(50, pulled);
            // Queue 0 committed to its end, queue 1 not at all: 20 lagging, delivered but in flight.
            await consumer.UpdateConsumeOffsetAsync(queues[0], 30);
            await consumer.UpdateConsumeOffsetAsync(queues[1], 0);

            scrape = await Scrape();
            Assert.Equal(50, Sample(scrape, "akkamq_messages_out_total", ("topic", topic)));
            Assert.Equal(5000, Sample(scrape, "akkamq_throughput_out_bytes_total", ("topic", topic)));
            Assert.Equal(20, Sample(scrape, "akkamq_consumer_lag_messages", ("consumer_group", group), ("topic", topic)));
            Assert.Equal(20, Sample(scrape, "akkamq_consumer_inflight_messages", ("consumer_group", group), ("topic", topic)));
            Assert.Equal(0, Sample(scrape, "akkamq_consumer_ready_messages", ("consumer_group", group), ("topic", topic)));
            // The oldest uncommitted message is queue 1's first, stored after beforeQueue1.
            var lagLatency = Sample(scrape, "akkamq_consumer_lag_latency_milliseconds", ("consumer_group", group), ("topic", topic));
            Assert.InRange(lagLatency!.Value, 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - beforeQueue1 + 1);
            Assert.True(Sample(scrape, "akkamq_rpc_latency_milliseconds_count", ("request_code", "pull_message"), ("topic", topic)) >= 2);
            var progress = await _http.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/progress?topic={topic}");
            Assert.Equal(20, progress.GetProperty("diffTotal").GetInt64());

            await consumer.UpdateConsumeOffsetAsync(queues[1], 20);
            scrape = await Scrape();
            Assert.Equal(0, Sample(scrape, "akkamq_consumer_lag_messages", ("consumer_group", group), ("topic", topic)));
            Assert.Equal(0, Sample(scrape, "akkamq_consumer_inflight_messages", ("consumer_group", group), ("topic", topic)));
            Assert.Equal(0, Sample(scrape, "akkamq_consumer_lag_latency_milliseconds", ("consumer_group", group), ("topic", topic)));
            progress = await _http.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/progress?topic={topic}");
            Assert.Equal(0, progress.GetProperty("diffTotal").GetInt64());

            // Admin reads are not deliveries.
            await _http.GetStringAsync($"/api/topics/{topic}/messages?key=m-1-3");
            Assert.Equal(50, Sample(await Scrape(), "akkamq_messages_out_total", ("topic", topic)));
        }
        finally
        {
            await client.Terminate();
        }
    }

    [Fact]
    public async Task Dead_letters_are_counted_once_per_message_and_connections_are_served_over_http()
    {
        const string topic = "DlqMetricTopic";
        const string group = "dlq-metric-group";
        var created = await _http.PostAsJsonAsync("/api/topics", new { topic, readQueueNums = 1, writeQueueNums = 1 });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var offline = await _http.GetAsync($"/api/groups/{group}/connections");
        Assert.Equal(HttpStatusCode.NotFound, offline.StatusCode);
        Assert.Equal("CONSUMER_NOT_ONLINE", (await offline.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        var client = ActorSystem.Create("dlq-client", AkkaMqTestNode.ClientConfigFor(_node.NamesrvAddr));
        try
        {
            var producer = AkkaMqProducer.Create(client);
            var deliveries = new System.Collections.Concurrent.ConcurrentQueue<(string Body, int Reconsume)>();
            var consumer = AkkaMqPushConsumer.Create(client, group, PushConsumerSettings.Create(client.Settings.Config) with
            {
                ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
                MaxReconsumeTimes = 1,
            });
            consumer.Subscribe(topic);
            // "poison-*" always fails: first delivery + 1 retry, then the DLQ. "flaky" fails once and then succeeds.
            consumer.RegisterMessageListener((msgs, _) =>
            {
                var body = System.Text.Encoding.UTF8.GetString(msgs[0].Body);
                var n = MessageConst.ReconsumeTimes(msgs[0]);
                deliveries.Enqueue((body, n));
                return body.StartsWith("poison") || (body == "flaky" && n == 0)
                    ? ConsumeConcurrentlyStatus.ReconsumeLater
                    : ConsumeConcurrentlyStatus.ConsumeSuccess;
            });
            await consumer.StartAsync();
            foreach (var b in new[] { "poison-1", "flaky", "poison-2", "ok", "poison-3" })
                await producer.SendAsync(Message.FromText(topic, b));

            var dlqStatus = $"/api/topics/{Uri.EscapeDataString(MessageConst.GetDlqTopic(group))}/status";
            await CliAssert.Eventually(async () =>
            {
                var r = await _http.GetAsync(dlqStatus);
                return r.IsSuccessStatusCode && (await r.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("maxOffset").GetInt64() == 3
                    && deliveries.Count(d => d.Body == "flaky") == 2;
            }, TimeSpan.FromSeconds(20), () => string.Join(", ", deliveries.Select(d => $"{d.Body}#{d.Reconsume}")));

            var scrape = await Scrape();
            foreach (var line in scrape.Split('\n').Where(l => l.StartsWith("akkamq_send_to_dlq"))) _output.WriteLine(line);
            Assert.Equal(3, Sample(scrape, "akkamq_send_to_dlq_messages_total", ("consumer_group", group), ("topic", topic), ("broker_name", "broker-a")));
            Assert.Equal(3, deliveries.Count(d => d.Body.StartsWith("poison") && d.Reconsume == 1)); // each went back once before the DLQ

            var connections = await _http.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/connections");
            Assert.Equal(consumer.ClientId, Assert.Single(connections.GetProperty("connections").EnumerateArray()).GetProperty("clientId").GetString());
            Assert.Equal("CONSUME_PASSIVELY", connections.GetProperty("consumeType").GetString());
            await consumer.ShutdownAsync();
        }
        finally
        {
            await client.Terminate();
        }
    }

    [Fact]
    public async Task Admin_json_api_serves_the_same_operations_with_http_status_codes()
    {
        var created = await _http.PostAsJsonAsync("/api/topics", new { topic = "ApiTopic", readQueueNums = 1, writeQueueNums = 1 });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var sent = await (await _http.PostAsJsonAsync("/api/topics/ApiTopic/messages", new { body = "via http", keys = "api-key", tags = "T" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = sent.GetProperty("msgId").GetString();

        var byId = await _http.GetFromJsonAsync<JsonElement>($"/api/messages/{id}");
        Assert.Equal("via http", byId.GetProperty("body").GetString());
        var byKey = await _http.GetFromJsonAsync<JsonElement>("/api/topics/ApiTopic/messages?key=api-key");
        Assert.Equal(id, byKey[0].GetProperty("msgId").GetString());
        var byOffset = await _http.GetFromJsonAsync<JsonElement>("/api/topics/ApiTopic/messages/broker-a/0/0");
        Assert.Equal(id, byOffset.GetProperty("msgId").GetString());
        var status = await _http.GetFromJsonAsync<JsonElement>("/api/topics/ApiTopic/status");
        Assert.Equal(1, status[0].GetProperty("maxOffset").GetInt64());
        var route = await _http.GetFromJsonAsync<JsonElement>("/api/topics/ApiTopic/route");
        Assert.Equal("broker-a", route.GetProperty("queueDatas")[0].GetProperty("brokerName").GetString());
        var cluster = await _http.GetFromJsonAsync<JsonElement>("/api/cluster");
        Assert.Equal("MASTER", cluster[0].GetProperty("role").GetString());
        var broker = await _http.GetFromJsonAsync<JsonElement>($"/api/brokers/{_node.NamesrvAddr}/status");
        Assert.Equal("ASYNC_MASTER", broker.GetProperty("values").GetProperty("brokerRole").GetString());
        // A group with no committed offset and no running consumer is unknown: 404, and nothing is reset.
        var unknown = await _http.PostAsync("/api/groups/api-group/skip-accumulated?topic=ApiTopic", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("'api-group'", await unknown.Content.ReadAsStringAsync());
        var client = ActorSystem.Create("api-group-client", AkkaMqTestNode.ClientConfigFor(_node.NamesrvAddr));
        try { await AkkaMqPullConsumer.Create(client, "api-group").UpdateConsumeOffsetAsync(new MessageQueue("ApiTopic", "broker-a", 0), 0); }
        finally { await client.Terminate(); }
        var skip = await _http.PostAsync("/api/groups/api-group/skip-accumulated?topic=ApiTopic", null);
        Assert.Equal(HttpStatusCode.OK, skip.StatusCode);
        var reset = await (await _http.PostAsync("/api/groups/api-group/reset-offset?topic=ApiTopic&timestamp=0", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, reset.GetProperty("queues")[0].GetProperty("newOffset").GetInt64());
        Assert.Contains((await _http.GetFromJsonAsync<JsonElement>("/api/topics")).EnumerateArray(), t => t.GetProperty("topic").GetString() == "ApiTopic");

        var missing = await _http.GetAsync("/api/topics/NoSuchTopic/status");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var err = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("TOPIC_NOT_EXIST", err.GetProperty("code").GetString());
        Assert.Contains("NoSuchTopic", err.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/messages/not-an-id")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.PostAsJsonAsync("/api/topics", new { topic = "bad topic!" })).StatusCode);
        Assert.Equal(1, Sample(await Scrape(), "akkamq_messages_in_total", ("topic", "ApiTopic")));
        var deleted = await _http.DeleteAsync("/api/topics/ApiTopic");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/topics/ApiTopic/route")).StatusCode);
        // A deleted topic leaves the scrape; created again, it is back with its count since the node started.
        Assert.Null(Sample(await Scrape(), "akkamq_messages_in_total", ("topic", "ApiTopic")));
        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsJsonAsync("/api/topics", new { topic = "ApiTopic", readQueueNums = 1, writeQueueNums = 1 })).StatusCode);
        Assert.Equal(1, Sample(await Scrape(), "akkamq_messages_in_total", ("topic", "ApiTopic")));
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health")).StatusCode);
    }
}
