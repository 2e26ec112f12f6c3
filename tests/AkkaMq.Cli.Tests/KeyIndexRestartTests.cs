using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cli.Tests;

/// <summary>queryMsgByKey finds one message among 100,000 by its key, and queryMsgById by the id its send returned, before and after a SIGKILL restart.</summary>
public sealed class KeyIndexRestartTests : IClassFixture<NodeFixture>
{
    private const string Topic = "KeyIndexTopic";
    private const int Count = 100_000;
    private readonly NodeFixture _node;
    private readonly ITestOutputHelper _output;

    public KeyIndexRestartTests(NodeFixture node, ITestOutputHelper output)
    {
        _node = node;
        _output = output;
    }

    [Fact]
    public async Task Key_and_id_queries_find_a_message_among_100000_after_restart_too()
    {
        Assert.Equal(0, (await _node.Cli("updateTopic", "-t", Topic, "-r", "4", "-w", "4")).ExitCode);
        var results = new ConcurrentDictionary<int, SendResult>();
        var client = ActorSystem.Create("key-client", AkkaMqTestNode.ClientConfigFor(_node.NamesrvAddr));
        var sw = Stopwatch.StartNew();
        try
        {
            var producer = AkkaMqProducer.Create(client);
            var done = new TaskCompletionSource();
            var pending = Count;
            Exception? failure = null;
            for (var i = 0; i < Count; i++)
            {
                var n = i;
                // Key 99,999 is sent twice (two messages carry it), every other key once.
                var key = n == Count - 1 ? "key-99998" : $"key-{n}";
                producer.Send(new Message(Topic, Encoding.UTF8.GetBytes($"body-{n}"), keys: $"{key} batch-{n / 1000}"), (r, e) =>
                {
                    if (r != null) results[n] = r;
                    else failure ??= e;
                    if (Interlocked.Decrement(ref pending) == 0) done.TrySetResult();
                });
            }
            await done.Task.WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Null(failure);
            Assert.Equal(Count, results.Count);
        }
        finally
        {
            await client.Terminate();
        }
        _output.WriteLine($"sent {Count} messages in {sw.Elapsed.TotalSeconds:0.0} s");

        var target = results[77_777];
        await AssertFound(target, 77_777);
        await _node.KillAndRestartAsync();
        _output.WriteLine("node SIGKILLed and restarted");
        await AssertFound(target, 77_777);
        await AssertFound(results[12], 12);

        var dup = await _node.Cli("queryMsgByKey", "-t", Topic, "-k", "key-99998", "--json");
        Assert.Equal(new[] { "body-99998", "body-99999" }, dup.Json.EnumerateArray().Select(m => m.GetProperty("body").GetString()).Order().ToArray());
        var batch = await _node.Cli("queryMsgByKey", "-t", Topic, "-k", "batch-42", "-m", "10", "--json");
        Assert.Equal(10, batch.Json.GetArrayLength());
        // All 1,000 messages of batch 42 carry that key, but the index keeps only the newest
        // max-offsets-per-key (16) offsets per key in each queue that holds some of them.
        var batchAll = await _node.Cli("queryMsgByKey", "-t", Topic, "-k", "batch-42", "-m", "1000", "--json");
        var bodies = batchAll.Json.EnumerateArray().Select(m => int.Parse(m.GetProperty("body").GetString()!["body-".Length..])).Order().ToList();
        var newestPerQueue = Enumerable.Range(42_000, 1000).GroupBy(n => results[n].MessageQueue.QueueId)
            .SelectMany(q => q.OrderByDescending(n => results[n].QueueOffset).Take(16)).Order().ToList();
        Assert.Equal(newestPerQueue, bodies);
    }

    private async Task AssertFound(SendResult sent, int n)
    {
        var sw = Stopwatch.StartNew();
        var byKey = await _node.Cli("queryMsgByKey", "-t", Topic, "-k", $"key-{n}", "--json");
        _output.WriteLine($"queryMsgByKey key-{n}: {sw.ElapsedMilliseconds} ms");
        Assert.True(byKey.ExitCode == 0, byKey.ToString());
        var found = Assert.Single(byKey.Json.EnumerateArray());
        Assert.Equal(sent.MsgId, found.GetProperty("msgId").GetString());
        Assert.Equal($"body-{n}", found.GetProperty("body").GetString());

        var byId = await _node.Cli("queryMsgById", "-i", sent.MsgId, "--json");
        Assert.True(byId.ExitCode == 0, byId.ToString());
        Assert.Equal($"body-{n}", byId.Json.GetProperty("body").GetString());
        Assert.Equal(sent.QueueOffset, byId.Json.GetProperty("queueOffset").GetInt64());
        var table = await _node.Cli("queryMsgByKey", "-t", Topic, "-k", $"key-{n}");
        CliAssert.Row(table.Out, sent.MsgId, "broker-a", sent.MessageQueue.QueueId, sent.QueueOffset);
    }
}
