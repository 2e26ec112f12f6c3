using System.Text.Json;
using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Proxy.Producer;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// Apache RocketMQ's official Node.js client (rocketmq-client-nodejs, pinned in tests/node/package-lock.json) against
/// the node's gRPC endpoint: one case per script of tests/node, which must exit 0; what it sent is then read back with
/// the native pull consumer; consumer scripts receive over gRPC themselves.
/// </summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class NodeClientTests(GrpcNodeFixture fx, ITestOutputHelper output)
{
    public static TheoryData<string> Scripts => new() { "producer-normal.test.js", "producer-fifo.test.js", "producer-delay.test.js", "shutdown.test.js",
        "consumer-simple.test.js", "consumer-redelivery.test.js", "consumer-fifo.test.js", "consumer-push.test.js", "consumer-push-fifo.test.js",
        "producer-transaction.test.js", "tls.test.js" };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task The_official_nodejs_client_script_passes(string script)
    {
        var topic = "Node" + Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(script)).Replace("-", "") + Guid.NewGuid().ToString("N")[..6];
        if (script == "tls.test.js")
        {
            await RunOverTlsAsync(script, topic);
            return;
        }
        var queues = script switch { "consumer-redelivery.test.js" => 1, "consumer-fifo.test.js" => 2, _ => 4 };
        await fx.CreateTopicAsync(topic, queues, queues, messageType: script switch
        {
            "producer-fifo.test.js" or "consumer-fifo.test.js" or "consumer-push-fifo.test.js" => "FIFO",
            "producer-delay.test.js" => "DELAY",
            "producer-transaction.test.js" => "TRANSACTION",
            _ => "NORMAL",
        });
        var group = "node-" + topic;
        await SetUpGroupsAsync(script, group);
        if (script == "consumer-push-fifo.test.js") await SetUpGroupsAsync(script, "node-push-fifo-" + topic);
        using var home = new TempDirectory(); // the client logs under $HOME/logs/rocketmq: keep it out of the real home
        var resultFile = Path.Combine(home.Path, "sent.json");
        {
            var run = await NodeJsClient.RunScriptAsync(script, new Dictionary<string, string>
            {
                ["AKKAMQ_GRPC_ENDPOINT"] = fx.Proxy.Endpoint,
                ["AKKAMQ_TOPIC"] = topic,
                ["AKKAMQ_RESULT"] = resultFile,
                ["AKKAMQ_GROUP"] = group,
                ["AKKAMQ_DLQ_GROUP"] = group + "-dlq",
                ["HOME"] = home.Path,
            }, TimeSpan.FromMinutes(2));
            output.WriteLine(run.Output);
            var log = Path.Combine(home.Path, "logs", "rocketmq", "rocketmq_client_nodejs.log");
            Assert.True(run.ExitCode == 0, $"node --test {script} exited {run.ExitCode}:\n{run.Output}\nclient log:\n{(File.Exists(log) ? File.ReadAllText(log) : "(none)")}");
            using var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultFile));
            await VerifyAsync(script, topic, result.RootElement);
        }
    }

    /// <summary>tls.test.js against its own node with TLS enforcing: the client trusts the test CA through GRPC_DEFAULT_SSL_ROOTS_FILE_PATH.</summary>
    private async Task RunOverTlsAsync(string script, string topic)
    {
        await using var node = await TlsGrpcNode.StartAsync(topic);
        using var home = new TempDirectory();
        var resultFile = Path.Combine(home.Path, "sent.json");
        var run = await NodeJsClient.RunScriptAsync(script, new Dictionary<string, string>
        {
            ["AKKAMQ_GRPC_ENDPOINT"] = node.Proxy.Endpoint,
            ["AKKAMQ_TOPIC"] = topic,
            ["AKKAMQ_RESULT"] = resultFile,
            ["AKKAMQ_GROUP"] = "node-" + topic,
            // grpc-js reads its roots from this file (the client's sslEnabled passes no CA); NODE_EXTRA_CA_CERTS alone was not trusted.
            ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = node.CaPath,
            ["HOME"] = home.Path,
        }, TimeSpan.FromMinutes(2));
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"node --test {script} exited {run.ExitCode}:\n{run.Output}");
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultFile));
        var sent = Assert.Single(result.RootElement.GetProperty("sent").EnumerateArray()).GetString();
        Assert.Equal(sent, Assert.Single(result.RootElement.GetProperty("received").EnumerateArray()).GetString());
        // The one TLS send is stored once; the refused plaintext client stored nothing.
        Assert.Equal(1, await node.CountAsync(topic));
    }

    /// <summary>Subscription groups a script needs before its consumers start, as updateSubGroup would store them.</summary>
    private async Task SetUpGroupsAsync(string script, string group)
    {
        var configs = script switch
        {
            // Max attempts 1: a message that expires once goes to the DLQ.
            "consumer-redelivery.test.js" => new[] { new SubscriptionGroupConfig(group + "-dlq", RetryMaxTimes: 0) },
            "consumer-fifo.test.js" or "consumer-push-fifo.test.js" => new[] { new SubscriptionGroupConfig(group, ConsumeMessageOrderly: true) },
            _ => Array.Empty<SubscriptionGroupConfig>(),
        };
        foreach (var config in configs)
        {
            var reply = await fx.Node.System.ActorSelection(BrokerAccess.GatewayPath).Ask<SubscriptionGroupReply>(
                new UpdateSubscriptionGroup(fx.Node.Settings.Broker!.BrokerName, config), TimeSpan.FromSeconds(10));
            Assert.True(reply.Code == ResponseCode.Success, reply.Error);
        }
    }

    private async Task VerifyAsync(string script, string topic, JsonElement sent)
    {
        switch (script)
        {
            case "producer-normal.test.js":
            {
                var read = (await fx.ReadAllAsync(topic, 3)).ToDictionary(m => m.Properties[MessageProperties.UniqKey]);
                foreach (var s in sent.EnumerateArray())
                {
                    var m = read[s.GetProperty("messageId").GetString()!];
                    Assert.Equal(s.GetProperty("tag").GetString(), m.Tags);
                    Assert.Equal(s.GetProperty("keys").GetString(), m.Keys);
                    Assert.Equal(s.GetProperty("index").GetString(), m.Properties["index"]);
                    Assert.Equal("node-client", m.Properties["source"]);
                    Assert.Equal(Convert.FromBase64String(s.GetProperty("body").GetString()!), m.Body);
                }
                break;
            }
            case "producer-fifo.test.js":
            {
                var read = await fx.ReadAllAsync(topic, 12);
                foreach (var group in sent.EnumerateArray().GroupBy(s => s.GetProperty("group").GetString()!))
                {
                    var mine = read.Where(m => m.Properties[MessageProperties.MessageGroup] == group.Key).OrderBy(m => m.QueueOffset).ToList();
                    Assert.Single(mine.Select(m => m.QueueId).Distinct());
                    Assert.Equal(group.Select(s => s.GetProperty("body").GetString()), mine.Select(m => System.Text.Encoding.UTF8.GetString(m.Body)));
                }
                break;
            }
            case "producer-delay.test.js":
            {
                var m = Assert.Single(await fx.ReadAllAsync(topic, 1));
                Assert.Equal(sent.GetProperty("messageId").GetString(), m.Properties[MessageProperties.UniqKey]);
                Assert.Equal(sent.GetProperty("deliverAt").GetInt64().ToString(), m.Properties[MessageConst.TimerDeliverMs]);
                break;
            }
            case "producer-transaction.test.js":
            {
                // The committed message and the one the check-back committed are stored once each; the rolled-back one never.
                var read = await fx.ReadAllAsync(topic, 2);
                var ids = read.Select(m => m.Properties[MessageProperties.UniqKey]).ToList();
                Assert.Equal(sent.GetProperty("committed").EnumerateArray().Select(e => e.GetString()!).Order(), ids.Order());
                Assert.DoesNotContain(sent.GetProperty("rolledBack").GetString(), ids);
                Assert.Equal(2, await fx.CountAsync(topic));
                break;
            }
            case "consumer-simple.test.js":
                Assert.Equal(3, sent.GetProperty("received").GetArrayLength());
                break;
            case "consumer-redelivery.test.js":
            {
                // The native pull consumer reads the dead letters too, with the client's ids and the properties intact.
                var ids = sent.GetProperty("sent").EnumerateArray().Select(e => e.GetString()!).ToList();
                var dead = await fx.ReadAllAsync(sent.GetProperty("dlqTopic").GetString()!, ids.Count);
                Assert.Equal(ids.Order(), dead.Select(m => m.Properties[MessageProperties.UniqKey]).Order());
                Assert.All(dead, m => Assert.Equal(ids.IndexOf(m.Properties[MessageProperties.UniqKey]).ToString(), m.Properties["index"]));
                Assert.All(dead, m => Assert.Equal(("retry", topic), (m.Tags, m.Properties[MessageConst.RetryTopic])));
                break;
            }
            case "consumer-fifo.test.js":
                Assert.Equal(12, sent.GetProperty("received").GetArrayLength());
                break;
            case "consumer-push-fifo.test.js":
                Assert.Equal(12, sent.GetProperty("consumed").GetInt32());
                break;
            case "consumer-push.test.js":
                Assert.Equal(5, sent.GetProperty("consumed").GetInt32());
                Assert.Equal(2, sent.GetProperty("attempts").GetArrayLength());
                break;
            default:
            {
                var m = Assert.Single(await fx.ReadAllAsync(topic, 1));
                Assert.Equal(sent.GetProperty("messageId").GetString(), m.Properties[MessageProperties.UniqKey]);
                break;
            }
        }
    }
}
