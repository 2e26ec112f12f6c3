using System.Text.Json;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cli.Tests;

/// <summary>Every admin command against one running node process, in table and --json form.</summary>
public sealed class AdminCommandTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;
    private readonly ITestOutputHelper _output;

    public AdminCommandTests(NodeFixture node, ITestOutputHelper output)
    {
        _node = node;
        _output = output;
    }

    private async Task<CliRun> Ok(params string[] args)
    {
        var run = await _node.Cli(args);
        _output.WriteLine($"$ akkamq {string.Join(' ', args)}\n{run.Out}{run.Err}");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Err);
        return run;
    }

    [Fact]
    public async Task Cluster_and_topic_commands()
    {
        var cluster = await Ok("clusterList");
        CliAssert.Row(cluster.Out, "DefaultCluster", "broker-a", 0, _node.NamesrvAddr, "MASTER");
        var clusterJson = (await Ok("clusterList", "--json")).Json;
        Assert.Equal(1, clusterJson.GetArrayLength());
        Assert.Equal(_node.NamesrvAddr, clusterJson[0].GetProperty("address").GetString());
        Assert.True(clusterJson[0].GetProperty("uptimeMillis").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, clusterJson[0].GetProperty("error").ValueKind);

        var status = await Ok("brokerStatus", "-b", _node.NamesrvAddr);
        CliAssert.Row(status.Out, "brokerRole", "ASYNC_MASTER");
        CliAssert.Row(status.Out, "flushDiskType", "ASYNC_FLUSH");
        var statusJson = (await Ok("brokerStatus", "--brokerName", "broker-a", "--json")).Json;
        Assert.Equal("broker-a", statusJson.GetProperty("brokerName").GetString());
        Assert.Equal("true", statusJson.GetProperty("values").GetProperty("registered").GetString());

        var created = await Ok("updateTopic", "-t", "CliTopic", "-r", "3", "-w", "3", "-c", "DefaultCluster");
        Assert.Contains("create topic to broker-a success: CliTopic readQueueNums=3 writeQueueNums=3 perm=RW-", created.Out);
        var changed = (await Ok("updateTopic", "-t", "CliTopic", "-r", "2", "-w", "2", "-p", "4", "-b", "broker-a", "--json")).Json;
        Assert.Equal("R--", changed.GetProperty("perm").GetString());
        Assert.Equal(2, changed.GetProperty("writeQueueNums").GetInt32());
        await Ok("updateTopic", "-t", "CliTopic", "-r", "2", "-w", "2");
        await Ok("updateTopic", "-t", "CliTopic2", "-r", "1", "-w", "1");

        var list = await Ok("topicList");
        CliAssert.Row(list.Out, "CliTopic", "broker-a");
        CliAssert.Row(list.Out, "CliTopic2", "broker-a");
        var listJson = (await Ok("topicList", "--json")).Json;
        Assert.Contains(listJson.EnumerateArray(), t => t.GetProperty("topic").GetString() == "CliTopic");

        var route = await Ok("topicRoute", "-t", "CliTopic");
        CliAssert.Row(route.Out, "broker-a", 2, 2, "RW-");
        CliAssert.Row(route.Out, "DefaultCluster", "broker-a", $"0={_node.NamesrvAddr}");
        var routeJson = (await Ok("topicRoute", "-t", "CliTopic", "--json")).Json;
        Assert.Equal(2, routeJson.GetProperty("queueDatas")[0].GetProperty("readQueueNums").GetInt32());
        Assert.Equal(_node.NamesrvAddr, routeJson.GetProperty("brokerDatas")[0].GetProperty("brokerAddrs").GetProperty("0").GetString());

        await Ok("sendMessage", "-t", "CliTopic", "-p", "one", "-b", "broker-a", "-i", "1");
        await Ok("sendMessage", "-t", "CliTopic", "-p", "two", "-b", "broker-a", "-i", "1");
        var topicStatus = await Ok("topicStatus", "-t", "CliTopic");
        CliAssert.Row(topicStatus.Out, "broker-a", 0, 0, 0, "-");
        CliAssert.Row(topicStatus.Out, "broker-a", 1, 0, 2, DateTime.UtcNow.ToString("yyyy-MM-dd"));
        var statusRows = (await Ok("topicStatus", "-t", "CliTopic", "--json")).Json;
        Assert.Equal(2, statusRows[1].GetProperty("maxOffset").GetInt64());
        Assert.True(statusRows[1].GetProperty("lastUpdateTimestamp").GetInt64() > DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds());

        var deleted = await Ok("deleteTopic", "-t", "CliTopic2");
        Assert.Contains("delete topic CliTopic2 from broker-a success", deleted.Out);
        await Ok("updateTopic", "-t", "CliTopic3", "-r", "1", "-w", "1");
        var deletedJson = (await Ok("deleteTopic", "-t", "CliTopic3", "-c", "DefaultCluster", "--json")).Json;
        Assert.Equal("broker-a", deletedJson.GetProperty("brokers")[0].GetString());
        var after = (await Ok("topicList", "--json")).Json.EnumerateArray().Select(t => t.GetProperty("topic").GetString()).ToList();
        Assert.DoesNotContain("CliTopic2", after);
        Assert.DoesNotContain("CliTopic3", after);
        Assert.Contains("CliTopic", after);
        CliAssert.OneLineError(await _node.Cli("topicRoute", "-t", "CliTopic2"), "TOPIC_NOT_EXIST", "CliTopic2");
    }

    [Fact]
    public async Task Message_commands()
    {
        await Ok("updateTopic", "-t", "MsgTopic", "-r", "2", "-w", "2");
        var sent = await Ok("sendMessage", "-t", "MsgTopic", "-p", "hello operators", "-k", "order-1 customer-7", "-c", "TagA");
        CliAssert.Row(sent.Out, "MsgTopic", "broker-a");
        Assert.Contains("SEND_OK", sent.Out);
        var s2 = (await Ok("sendMessage", "-t", "MsgTopic", "-p", "{\"id\":2}", "-k", "order-2", "-b", "broker-a", "-i", "1", "--json")).Json;
        var id2 = s2.GetProperty("msgId").GetString()!;
        Assert.Equal(1, s2.GetProperty("queueId").GetInt32());
        Assert.Equal("SEND_OK", s2.GetProperty("sendStatus").GetString());

        var byId = await Ok("queryMsgById", "-i", id2);
        CliAssert.Row(byId.Out, "Message ID", id2);
        CliAssert.Row(byId.Out, "Keys", "order-2");
        CliAssert.Row(byId.Out, "Body (8 bytes, utf-8)", "{\"id\":2}");
        var byIdJson = (await Ok("queryMsgById", "-i", id2, "--json")).Json;
        Assert.Equal("{\"id\":2}", byIdJson.GetProperty("body").GetString());
        Assert.Equal(s2.GetProperty("queueOffset").GetInt64(), byIdJson.GetProperty("queueOffset").GetInt64());

        var byKey = await Ok("queryMsgByKey", "-t", "MsgTopic", "-k", "customer-7");
        Assert.Contains("hello operators", byKey.Out);
        var byKeyJson = (await Ok("queryMsgByKey", "-t", "MsgTopic", "-k", "order-1", "--json")).Json;
        Assert.Equal(1, byKeyJson.GetArrayLength());
        Assert.Equal("TagA", byKeyJson[0].GetProperty("tags").GetString());
        Assert.Equal(0, (await Ok("queryMsgByKey", "-t", "MsgTopic", "-k", "no-such-key", "--json")).Json.GetArrayLength());

        var byOffset = await Ok("queryMsgByOffset", "-t", "MsgTopic", "-b", "broker-a", "-i", "1", "-o", s2.GetProperty("queueOffset").GetInt64().ToString());
        CliAssert.Row(byOffset.Out, "Message ID", id2);
        var byOffsetJson = (await Ok("queryMsgByOffset", "-t", "MsgTopic", "-b", "broker-a", "-i", "1", "-o", "0", "--json")).Json;
        Assert.Equal(1, byOffsetJson.GetProperty("queueId").GetInt32());

        var consumed = await Ok("consumeMessage", "-t", "MsgTopic");
        Assert.Contains("hello operators", consumed.Out);
        Assert.Contains(id2, consumed.Out);
        var consumedJson = (await Ok("consumeMessage", "-t", "MsgTopic", "-b", "broker-a", "-i", "1", "-s", "TagB || TagC", "--json")).Json;
        Assert.DoesNotContain(consumedJson.EnumerateArray(), m => m.GetProperty("tags").GetString() == "TagA");
        var all = (await Ok("consumeMessage", "-t", "MsgTopic", "--json")).Json;
        Assert.Equal(2, all.GetArrayLength());

        CliAssert.OneLineError(await _node.Cli("queryMsgById", "-i", "00000000000000000000000000000000"), "QUERY_NOT_FOUND");
        CliAssert.OneLineError(await _node.Cli("queryMsgById", "-i", "xyz"), "not a message id");
        CliAssert.OneLineError(await _node.Cli("queryMsgByOffset", "-t", "MsgTopic", "-b", "broker-a", "-i", "1", "-o", "999"), "no message at offset 999");
        CliAssert.OneLineError(await _node.Cli("queryMsgByOffset", "-t", "MsgTopic", "-b", "broker-a", "-i", "7", "-o", "0"), "no queue 7");
    }

    [Fact]
    public async Task Consumer_group_commands()
    {
        await Ok("updateTopic", "-t", "GroupTopic", "-r", "2", "-w", "2");
        for (var i = 0; i < 3; i++) await Ok("sendMessage", "-t", "GroupTopic", "-p", $"m{i}", "-b", "broker-a", "-i", "0");
        CliAssert.OneLineError(await _node.Cli("consumerProgress", "-g", "billing"), "QUERY_NOT_FOUND", "billing");

        // A group with no committed offset and no running consumer is unknown: nothing is reset.
        CliAssert.OneLineError(await _node.Cli("skipAccumulatedMessage", "-g", "billing", "-t", "GroupTopic"), "QUERY_NOT_FOUND", "'billing'", "unknown");
        var client = ActorSystem.Create("billing-client", AkkaMqTestNode.ClientConfigFor(_node.NamesrvAddr));
        try
        {
            var pull = AkkaMqPullConsumer.Create(client, "billing");
            await pull.UpdateConsumeOffsetAsync(new MessageQueue("GroupTopic", "broker-a", 1), 0);
        }
        finally { await client.Terminate(); }

        var skipped = await Ok("skipAccumulatedMessage", "-g", "billing", "-t", "GroupTopic");
        CliAssert.Row(skipped.Out, "broker-a", 0, -1, 3);
        CliAssert.Row(skipped.Out, "broker-a", 1, 0, 0);
        Assert.Contains("Running consumers told: 0", skipped.Out);
        var progress = await Ok("consumerProgress", "-g", "billing");
        CliAssert.Row(progress.Out, "GroupTopic", "broker-a", 0, 3, 3, 0, DateTime.UtcNow.ToString("yyyy-MM-dd"));
        Assert.Contains("Diff Total: 0", progress.Out);

        await Ok("sendMessage", "-t", "GroupTopic", "-p", "m3", "-b", "broker-a", "-i", "1");
        var progressJson = (await Ok("consumerProgress", "-g", "billing", "-t", "GroupTopic", "--json")).Json;
        Assert.Equal(1, progressJson.GetProperty("diffTotal").GetInt64());
        var q1 = progressJson.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("queueId").GetInt32() == 1);
        Assert.Equal(1, q1.GetProperty("brokerOffset").GetInt64());
        Assert.Equal(0, q1.GetProperty("consumerOffset").GetInt64());

        var reset = await Ok("resetOffsetByTime", "-g", "billing", "-t", "GroupTopic", "-s", "0");
        CliAssert.Row(reset.Out, "broker-a", 0, 3, 0);
        Assert.Equal(4, (await Ok("consumerProgress", "-g", "billing", "--json")).Json.GetProperty("diffTotal").GetInt64());
        var resetJson = (await Ok("resetOffsetByTime", "-g", "billing", "-t", "GroupTopic", "-s", "now", "--json")).Json;
        Assert.Equal(3, resetJson.GetProperty("queues")[0].GetProperty("newOffset").GetInt64());
        var skippedJson = (await Ok("skipAccumulatedMessage", "-g", "billing", "-t", "GroupTopic", "--json")).Json;
        Assert.Equal(1, skippedJson.GetProperty("queues")[1].GetProperty("newOffset").GetInt64());
        Assert.Equal(0, (await Ok("consumerProgress", "-g", "billing", "--json")).Json.GetProperty("diffTotal").GetInt64());
        CliAssert.OneLineError(await _node.Cli("resetOffsetByTime", "-g", "billing", "-t", "GroupTopic", "-s", "yesterday"), "--timestamp", "yesterday");
        CliAssert.OneLineError(await _node.Cli("skipAccumulatedMessage", "-g", "billing", "-t", "NoTopic"), "TOPIC_NOT_EXIST", "NoTopic");
        CliAssert.OneLineError(await _node.Cli("consumerProgress", "-g", "bad group!"), "CONSUMER_GROUP_ILLEGAL");
    }

    [Fact]
    public async Task Consumer_connection_lists_a_live_push_consumer_until_it_leaves()
    {
        const string group = "conn-group";
        await Ok("updateTopic", "-t", "ConnTopic", "-r", "2", "-w", "2");
        CliAssert.OneLineError(await _node.Cli("consumerConnection", "-g", group), "CONSUMER_NOT_ONLINE", $"'{group}'", "not online");
        CliAssert.OneLineError(await _node.Cli("consumerConnection", "-g", "bad group!"), "CONSUMER_GROUP_ILLEGAL");

        var client = ActorSystem.Create("conn-client", AkkaMqTestNode.ClientConfigFor(_node.NamesrvAddr));
        try
        {
            var consumer = AkkaMqPushConsumer.Create(client, group);
            consumer.Subscribe("ConnTopic", "TagA || TagB");
            consumer.RegisterMessageListener((_, _) => ConsumeConcurrentlyStatus.ConsumeSuccess);
            var beforeStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await consumer.StartAsync();
            var clientId = consumer.ClientId!;

            CliRun? table = null;
            await CliAssert.Eventually(async () => (table = await _node.Cli("consumerConnection", "-g", group)).ExitCode == 0,
                TimeSpan.FromSeconds(15), () => table?.ToString() ?? "");
            _output.WriteLine(table!.Out);
            var clientAddress = $"127.0.0.1:{((ExtendedActorSystem)client).Provider.DefaultAddress.Port}";
            CliAssert.Row(table.Out, clientId, clientAddress, "CLUSTERING", "broker-a", DateTime.UtcNow.ToString("yyyy-MM-dd"));
            CliAssert.Row(table.Out, clientId, "ConnTopic", "TagA || TagB");
            Assert.Contains("ConsumeType: CONSUME_PASSIVELY", table.Out);
            Assert.Contains("MessageModel: CLUSTERING", table.Out);

            var json = (await Ok("consumerConnection", "-g", group, "--json")).Json;
            Assert.Equal(group, json.GetProperty("consumerGroup").GetString());
            Assert.Equal("CLUSTERING", json.GetProperty("messageModel").GetString());
            var conn = Assert.Single(json.GetProperty("connections").EnumerateArray());
            Assert.Equal(clientId, conn.GetProperty("clientId").GetString());
            Assert.Equal(clientAddress, conn.GetProperty("address").GetString());
            Assert.InRange(conn.GetProperty("lastHeartbeat").GetInt64(), beforeStart, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var subs = conn.GetProperty("subscriptions").EnumerateArray().ToList();
            Assert.Contains(subs, x => x.GetProperty("topic").GetString() == "ConnTopic" && x.GetProperty("subExpression").GetString() == "TagA || TagB");
            Assert.Empty(json.GetProperty("errors").EnumerateArray());

            // Shutdown unregisters: the group goes offline again.
            await consumer.ShutdownAsync();
            CliRun? after = null;
            await CliAssert.Eventually(async () => (after = await _node.Cli("consumerConnection", "-g", group)).ExitCode != 0,
                TimeSpan.FromSeconds(15), () => after?.ToString() ?? "");
            CliAssert.OneLineError(after!, "CONSUMER_NOT_ONLINE", group);
        }
        finally
        {
            await client.Terminate();
        }
    }

    [Fact]
    public async Task Errors_are_one_line_with_a_non_zero_exit_from_the_real_executable()
    {
        var unreachable = await NodeFixture.CliProcess("topicList", "-n", "127.0.0.1:1");
        CliAssert.OneLineError(unreachable, "akkamq topicList: cannot reach the NameServer at 127.0.0.1:1");
        Assert.Equal(1, unreachable.ExitCode);

        var unknownTopic = await NodeFixture.CliProcess("topicStatus", "-t", "NoSuchTopic", "-n", _node.NamesrvAddr);
        CliAssert.OneLineError(unknownTopic, "TOPIC_NOT_EXIST", "NoSuchTopic");

        var badArgs = await NodeFixture.CliProcess("updateTopic", "-t", "X", "-r", "0");
        CliAssert.OneLineError(badArgs, "akkamq updateTopic: --readQueueNums must be at least 1");
        Assert.Equal(2, badArgs.ExitCode);
        var missing = await _node.Cli("queryMsgByKey", "-t", "X");
        CliAssert.OneLineError(missing, "akkamq queryMsgByKey:", "--msgKey");
        Assert.Equal(2, missing.ExitCode);
        CliAssert.OneLineError(await _node.Cli("topicStatus", "-t", "X", "--bogus"), "--bogus");
        CliAssert.OneLineError(await _node.Cli("updateTopic", "-t", "bad topic!"), "MESSAGE_ILLEGAL");
        CliAssert.OneLineError(await _node.Cli("brokerStatus", "-b", "127.0.0.1:2"), "no broker is registered at 127.0.0.1:2");

        // The node kept serving through all of it.
        Assert.Equal(0, (await _node.Cli("clusterList")).ExitCode);
    }
}
