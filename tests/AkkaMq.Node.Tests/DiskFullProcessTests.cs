using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaMq.Client;
using AkkaMq.Protocol;

namespace AkkaMq.Node.Tests;

/// <summary>
/// A real node on a real 40 MiB file system (a tmpfs) filled past diskSpaceWarningLevelRatio:
/// sends are refused with "disk full" naming the data directory (never SQLite's "database or disk
/// is full"), every acknowledged message stays readable, /health says writes are refused, and once
/// space is freed sends are taken again by themselves.
/// </summary>
public sealed class DiskFullProcessTests
{
    private const string Topic = "DiskFullTopic";
    private readonly ITestOutputHelper _output;

    public DiskFullProcessTests(ITestOutputHelper output) => _output = output;

    private static byte[] Body(int i)
    {
        var body = new byte[2048];
        for (var b = 0; b < body.Length; b++) body[b] = (byte)(b * 31 + i);
        return body;
    }

    [TmpfsFact]
    public async Task A_full_disk_refuses_sends_clearly_keeps_every_acknowledged_message_and_takes_sends_again_once_space_is_freed()
    {
        using var fs = Tmpfs.Mount(40);
        // Room the test can give back later: retention, which would free it by itself, is not part of this test.
        var filler = Path.Combine(fs.Path, "filler.bin");
        await File.WriteAllBytesAsync(filler, new byte[24 << 20]);
        var dataDir = Path.Combine(fs.Path, "data");
        // Sized for a 40 MiB disk: its last 10% is 4 MiB, filled in well under a second, so a faster
        // check; and a WAL cut back at 1 MiB, where the default 16 MiB would be 40% of the disk.
        using var process = new StandaloneNodeProcess("akkamq-diskfull-", dataDir).WriteConfig("""
            akkamq.broker.disk-check-interval = 100ms
            akkamq.store.wal-autocheckpoint = 4 MiB
            akkamq.store.wal-restart-size = 1 MiB
            akkamq.node.http { enabled = on, port = 0 }
            """);

        using var node = await process.StartAsync();
        await node.WaitForOutputAsync("AkkaMq HTTP endpoint listening on", TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri(Regex.Match(node.Output, @"http://127\.0\.0\.1:\d+").Value), Timeout = TimeSpan.FromSeconds(30) };
        var client = process.Client("diskfull-client");
        try
        {
            var producer = AkkaMqProducer.Create(client);
            var consumer = AkkaMqPullConsumer.Create(client, "diskfull-group");
            await consumer.Context.CreateTopicAsync(TopicConfig.Create(Topic, 2));

            // Four senders until the broker refuses; each refusal must be the clear one.
            var acked = new ConcurrentDictionary<string, SendResult>();
            var refusals = new ConcurrentBag<AkkaMqException>();
            var next = -1;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(25));
            async Task Sender()
            {
                while (!stop.IsCancellationRequested && refusals.Count < 8)
                {
                    var i = Interlocked.Increment(ref next);
                    try { acked[$"k{i}"] = await producer.SendAsync(new Message(Topic, Body(i), keys: $"k{i}")); }
                    catch (AkkaMqException e) { refusals.Add(e); }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Sender)));
            _output.WriteLine($"acknowledged {acked.Count}, refused {refusals.Count}");
            Assert.True(refusals.Count > 0, $"no send was refused in 25 s after {acked.Count} acknowledged sends");
            var diskFull = new Regex($@"^SERVICE_NOT_AVAILABLE: disk full: {Regex.Escape(dataDir)} is (9[1-9]|100)% used, over diskSpaceWarningLevelRatio 90%$");
            Assert.All(refusals, e => Assert.Matches(diskFull, e.Message));
            Assert.DoesNotContain("disk is full", node.Output, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SQLITE_FULL", node.Output);
            Assert.Contains("-> WritesRefused: disk full: " + dataDir, node.Output);

            // /health says so, and the metric gives the ratio.
            var health = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var h = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
            _output.WriteLine(h.ToString());
            Assert.Equal("DOWN", h.GetProperty("status").GetString());
            var disk = h.GetProperty("disk");
            Assert.True(disk.GetProperty("writesRefused").GetBoolean());
            Assert.Equal("WritesRefused", disk.GetProperty("state").GetString());
            Assert.Equal(dataDir, disk.GetProperty("path").GetString());
            Assert.True(h.GetProperty("journal").GetProperty("ok").GetBoolean());
            var ratio = Regex.Match(await http.GetStringAsync("/metrics"), @"(?m)^akkamq_storage_disk_used_ratio\{[^}]*\} (\S+)");
            Assert.True(ratio.Success, "no akkamq_storage_disk_used_ratio in the scrape");
            Assert.InRange(double.Parse(ratio.Groups[1].Value, CultureInfo.InvariantCulture), 0.9, 1.0);

            // Every acknowledged message is still readable, unchanged, where its ack said.
            var stored = await ReadAll(consumer);
            foreach (var (key, r) in acked)
            {
                Assert.True(stored.TryGetValue(key, out var m), $"acknowledged {key} ({r.MsgId}) is not readable");
                Assert.Equal((r.MsgId, r.QueueOffset), (m!.MsgId, m.QueueOffset));
                Assert.Equal(Body(int.Parse(key[1..])), m.Body);
            }
            Assert.Equal(acked.Count, stored.Count);

            // Space comes back: sends are taken again by themselves.
            File.Delete(filler);
            await Eventually.AssertAsync(async () => Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode), TimeSpan.FromSeconds(10));
            var after = await producer.SendAsync(new Message(Topic, Body(-1), keys: "after"));
            Assert.Equal(SendStatus.SendOk, after.SendStatus);
            Assert.Equal("after", (await ReadAll(consumer))["after"].Keys);
            Assert.Contains("WritesRefused -> Normal", node.Output);
        }
        finally
        {
            await client.Terminate();
            _output.WriteLine(node.Output);
        }
        Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task<Dictionary<string, MessageExt>> ReadAll(AkkaMqPullConsumer consumer)
    {
        var all = new Dictionary<string, MessageExt>();
        foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync(Topic))
        {
            var offset = 0L;
            while (true)
            {
                var r = await consumer.PullAsync(q, "*", offset, 256);
                if (r.Status != PullStatus.Found) break;
                foreach (var m in r.Messages) all.Add(m.Keys!, m);
                offset = r.NextBeginOffset;
            }
        }
        return all;
    }
}
