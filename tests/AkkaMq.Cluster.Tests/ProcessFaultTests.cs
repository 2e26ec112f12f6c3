using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>
/// The five-process cluster of hocon/cluster (two NameServer nodes, broker-a master and slave,
/// broker-b master, one shared PostgreSQL journal) as real akkamq-node processes. A producer sends
/// without pause while broker-a's master and then the NameServer singleton's node are SIGKILLed;
/// every acknowledged message must be readable afterwards. Set AKKAMQ_PROCFAULT_LOGS=DIR to keep
/// each node's output in DIR/NAME.log.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProcessFaultTests : IAsyncLifetime
{
    private const string Topic = "FaultTopic";
    private static readonly string[] Names = ["namesrv-1", "namesrv-2", "broker-a-master", "broker-a-slave", "broker-b-master"];
    private static readonly int[] ShippedPorts = [9876, 9877, 10911, 10921, 10931];

    private readonly ITestOutputHelper _output;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "akkamq-procfault-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, NodeProcess> _nodes = new();
    private readonly Dictionary<string, int> _ports = new();
    private string? _database;
    private ActorSystem? _client;

    public ProcessFaultTests(ITestOutputHelper output) => _output = output;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_client != null) await _client.Terminate();
        foreach (var n in _nodes.Values) n.Dispose();
        var logs = Environment.GetEnvironmentVariable("AKKAMQ_PROCFAULT_LOGS");
        if (!string.IsNullOrEmpty(logs))
        {
            Directory.CreateDirectory(logs);
            foreach (var (name, n) in _nodes) File.WriteAllText(Path.Combine(logs, name + ".log"), n.Output);
        }
        if (_database != null) Postgres.DropDatabase(Postgres.DatabaseName(_database));
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string NamesrvAddr => $"127.0.0.1:{_ports["namesrv-1"]};127.0.0.1:{_ports["namesrv-2"]}";

    /// <summary>A copy of the shipped config with only ports, data directory and connection string replaced.</summary>
    private string WriteConfig(string name)
    {
        var text = File.ReadAllText(Path.Combine(NodeProcess.RepoRoot(), "hocon", "cluster", name + ".conf"));
        for (var i = 0; i < Names.Length; i++)
            text = Regex.Replace(text, $@"\b{ShippedPorts[i]}\b", _ports[Names[i]].ToString());
        text = Regex.Replace(text, @"data-dir\s*=\s*""[^""]*""", $"data-dir = \"{Path.Combine(_dir, name, "data")}\"");
        text = Regex.Replace(text, @"connection-string-env\s*=\s*AKKAMQ_PG_CONNECTION", $"connection-string = \"{_database}\"");
        var file = Path.Combine(_dir, name + ".conf");
        File.WriteAllText(file, text);
        return file;
    }

    private NodeProcess Start(string name)
    {
        var node = NodeProcess.Start(WriteConfig(name), workingDirectory: _dir);
        _nodes[name] = node;
        return node;
    }

    private void Dump(string name)
    {
        if (_nodes.TryGetValue(name, out var n))
            _output.WriteLine($"===== {name} output =====\n{n.Output}");
    }

    private async Task<BrokerClusterInfo?> ClusterInfoAsync(int port)
    {
        try
        {
            return await _client!.ActorSelection($"akka.tcp://AkkaMq@127.0.0.1:{port}/user/namesrv")
                .Ask<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private async Task WaitForBrokersAsync(int namesrvPort, Func<BrokerClusterInfo, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        BrokerClusterInfo? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await ClusterInfoAsync(namesrvPort) ?? last;
            if (last != null && condition(last)) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{what} not reached within {timeout}; last answer: " +
                                   string.Join(", ", last?.Brokers.Select(b => b.Broker.ToString()) ?? ["none"]));
    }

    [PostgresFact]
    public async Task Five_processes_survive_SIGKILL_of_a_master_and_of_the_NameServer_singleton_node()
    {
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(_dir);
        foreach (var n in Names) _ports[n] = NodeProcess.FreePort();
        _database = Postgres.CreateDatabase();

        // namesrv-1 first: it is the first seed, forms the cluster and is the oldest nameserver node,
        // so it hosts the NameServer singleton.
        var ns1 = Start("namesrv-1");
        await ns1.WaitForOutputAsync("AkkaMq node listening on", TimeSpan.FromSeconds(60));
        foreach (var n in Names.Skip(1)) Start(n);
        try
        {
            foreach (var n in Names.Where(n => n.StartsWith("broker", StringComparison.Ordinal)))
                await _nodes[n].WaitForOutputAsync("registered with the NameServer", TimeSpan.FromSeconds(60));
        }
        catch
        {
            foreach (var n in Names) Dump(n);
            throw;
        }

        var clientConfig = ConfigurationFactory.ParseString("""
                akka.remote.watch-failure-detector.heartbeat-interval = 500ms
                akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 2s
                akka.remote.retry-gate-closed-for = 500ms
                """).WithFallback(AkkaMqTestNode.ClientConfigFor(NamesrvAddr));
        _client = ActorSystem.Create("fault-client", clientConfig);
        await WaitForBrokersAsync(_ports["namesrv-1"], i => i.Brokers.Count == 3, TimeSpan.FromSeconds(30), "3 registered brokers");

        var producer = AkkaMqProducer.Create(_client);
        var consumer = AkkaMqPullConsumer.Create(_client, "fault-check");
        var created = await consumer.Context.CreateTopicAsync(TopicConfig.Create(Topic, 4), clusterName: "DefaultCluster");
        _output.WriteLine($"topic created on {string.Join(", ", created.Brokers)}; cluster up after {total.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("broker-a", created.Brokers);
        Assert.Contains("broker-b", created.Brokers);

        // The producer: sync sends, one at a time, unique keys; every ack and every error is recorded.
        var clock = Stopwatch.StartNew();
        var acked = new ConcurrentDictionary<string, SendResult>();
        var ackTimes = new ConcurrentQueue<(TimeSpan At, string Broker)>();
        var errors = new ConcurrentQueue<(TimeSpan At, string Error)>();
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"k-{i}";
                try
                {
                    var r = await producer.SendAsync(Message.FromText(Topic, $"body {i}", keys: key));
                    acked[key] = r;
                    ackTimes.Enqueue((clock.Elapsed, r.MessageQueue.BrokerName));
                }
                catch (AkkaMqException e)
                {
                    errors.Enqueue((clock.Elapsed, $"{e.Code}: {e.Message}"));
                    await Task.Delay(20);
                }
            }
        });

        await Task.Delay(3000);
        var beforeKill = acked.Count;
        _nodes["broker-a-master"].Kill();
        var masterKilledAt = clock.Elapsed;
        _output.WriteLine($"{beforeKill} acks before SIGKILL of broker-a-master at {masterKilledAt.TotalSeconds:F1} s");

        // Failover of broker-a: the first ack from a broker-a queue after the kill.
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(30);
        TimeSpan? aFailover = null;
        while (clock.Elapsed < deadline && aFailover == null)
        {
            await Task.Delay(100);
            var first = ackTimes.FirstOrDefault(a => a.At > masterKilledAt && a.Broker == "broker-a");
            if (first.Broker != null) aFailover = first.At - masterKilledAt;
            Assert.False(sender.IsCompleted, "sender stopped: " + sender.Exception);
        }

        // Then the node hosting the NameServer singleton (the oldest nameserver node).
        _nodes["namesrv-1"].Kill();
        var nsKilledAt = clock.Elapsed;
        _output.WriteLine($"SIGKILL of namesrv-1 at {nsKilledAt.TotalSeconds:F1} s");
        TimeSpan? nsFailover = null;
        var nsDeadline = clock.Elapsed + TimeSpan.FromSeconds(30);
        while (clock.Elapsed < nsDeadline)
        {
            var info = await ClusterInfoAsync(_ports["namesrv-2"]);
            if (info != null && info.Brokers.Any(b => b.Broker.BrokerName == "broker-a") && info.Brokers.Any(b => b.Broker.BrokerName == "broker-b"))
            {
                nsFailover = clock.Elapsed - nsKilledAt;
                break;
            }
            await Task.Delay(200);
        }
        await Task.Delay(3000);
        stop.Cancel();
        await sender;
        var stoppedAt = clock.Elapsed;

        var afterKill = ackTimes.Count(a => a.At > masterKilledAt);
        var afterNsKill = ackTimes.Count(a => a.At > nsKilledAt);
        var errorList = errors.ToList();
        _output.WriteLine($"broker-a failover: first broker-a ack {aFailover?.TotalSeconds:F2} s after the master's SIGKILL");
        _output.WriteLine($"NameServer failover: namesrv-2 served both broker groups {nsFailover?.TotalSeconds:F2} s after namesrv-1's SIGKILL");
        _output.WriteLine(errorList.Count == 0
            ? "send errors: none"
            : $"send errors: {errorList.Count}, from {(errorList[0].At - masterKilledAt).TotalSeconds:F2} s to {(errorList[^1].At - masterKilledAt).TotalSeconds:F2} s after the master's SIGKILL; first: {errorList[0].Error}");
        foreach (var e in errorList.Take(10)) _output.WriteLine($"  error at +{(e.At - masterKilledAt).TotalSeconds:F2} s: {e.Error}");
        var bGap = LongestGap(ackTimes.Where(a => a.Broker == "broker-b").Select(a => a.At).ToList());
        _output.WriteLine($"acks: {acked.Count} total, {afterKill} after the master's kill, {afterNsKill} after namesrv-1's kill; sending stopped at {stoppedAt.TotalSeconds:F1} s; longest pause between broker-b acks {bGap.TotalSeconds:F2} s");

        if (aFailover == null || nsFailover == null)
            foreach (var n in Names) Dump(n);
        Assert.True(aFailover != null, "no send was acknowledged by a broker-a queue within 30 s of the master's SIGKILL");
        Assert.True(nsFailover != null, "namesrv-2 did not serve broker registrations within 30 s of namesrv-1's SIGKILL");
        Assert.True(afterNsKill > 0, "no send was acknowledged after namesrv-1's SIGKILL (producers should keep using cached routes)");

        // Read everything back through the surviving NameServer and brokers.
        var seen = new Dictionary<string, List<(MessageQueue Q, long Offset)>>();
        foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync(Topic))
        {
            var offset = 0L;
            while (true)
            {
                var r = await consumer.PullAsync(q, "*", offset, 1000);
                if (r.Status != PullStatus.Found) break;
                foreach (var m in r.Messages)
                {
                    Assert.Equal(offset++, m.QueueOffset);
                    (seen.TryGetValue(m.Keys!, out var list) ? list : seen[m.Keys!] = new()).Add((q, m.QueueOffset));
                }
            }
        }
        var lost = acked.Where(kv => !seen.TryGetValue(kv.Key, out var at) || !at.Contains((kv.Value.MessageQueue, kv.Value.QueueOffset)))
            .Select(kv => kv.Key).ToList();
        var duplicates = seen.Values.Sum(l => l.Count - 1);
        _output.WriteLine($"read back {seen.Values.Sum(l => l.Count)} stored messages ({seen.Count} keys); {duplicates} duplicate copies; {lost.Count} acknowledged messages missing");
        _output.WriteLine($"test time {total.Elapsed.TotalSeconds:F1} s");
        if (lost.Count > 0) foreach (var n in Names) Dump(n);
        Assert.True(lost.Count == 0, $"acknowledged but not found at their acknowledged position: {string.Join(", ", lost.Take(20))}");
    }

    private static TimeSpan LongestGap(List<TimeSpan> times)
    {
        var gap = TimeSpan.Zero;
        for (var i = 1; i < times.Count; i++)
            if (times[i] - times[i - 1] > gap) gap = times[i] - times[i - 1];
        return gap;
    }
}
