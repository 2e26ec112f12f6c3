using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>
/// The cluster of hocon/cluster as real akkamq-node processes. With the shipped shared PostgreSQL
/// journal (five processes: two NameServer nodes, broker-a master and slave, broker-b master) a
/// producer sends without pause while broker-a's master and then the NameServer singleton's node
/// are SIGKILLed. With local SQLite journals (the same files switched to sqlite, no slave) broker-a
/// is down until it restarts. Either way every acknowledged message must be readable afterwards.
/// Set AKKAMQ_PROCFAULT_LOGS=DIR to keep each node's output in DIR/NAME.log.
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
    private bool _localJournals;

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
        text = _localJournals
            ? Regex.Replace(Regex.Replace(text, @"journal\s*=\s*postgresql", "journal = sqlite"), @"connection-string-env\s*=\s*AKKAMQ_PG_CONNECTION", "")
            : Regex.Replace(text, @"connection-string-env\s*=\s*AKKAMQ_PG_CONNECTION", $"connection-string = \"{_database}\"");
        var file = Path.Combine(_dir, name + ".conf");
        File.WriteAllText(file, text);
        // The shipped files include the shared failure-handling settings, read next to the including file.
        File.Copy(Path.Combine(NodeProcess.RepoRoot(), "hocon", "cluster", "base.conf"), Path.Combine(_dir, "base.conf"), overwrite: true);
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
        BrokerClusterInfo? last = null;
        await Eventually.TrueAsync(async () => (last = await ClusterInfoAsync(namesrvPort) ?? last) is { } info && condition(info),
            () => $"{what} not reached within {timeout}; last answer: " + string.Join(", ", last?.Brokers.Select(b => b.Broker.ToString()) ?? ["none"]),
            timeout, TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Starts the named nodes (namesrv-1 first: it forms the cluster and hosts the NameServer singleton) and a client.</summary>
    private async Task<(AkkaMqProducer Producer, AkkaMqPullConsumer Consumer)> StartClusterAsync(string[] names, Stopwatch total)
    {
        Directory.CreateDirectory(_dir);
        foreach (var n in Names) _ports[n] = NodeProcess.FreePort();
        var ns1 = Start("namesrv-1");
        await ns1.WaitForOutputAsync("AkkaMq node listening on", TimeSpan.FromSeconds(60));
        foreach (var n in names.Where(n => n != "namesrv-1")) Start(n);
        try
        {
            foreach (var n in names.Where(n => n.StartsWith("broker", StringComparison.Ordinal)))
                await _nodes[n].WaitForOutputAsync("registered with the NameServer", TimeSpan.FromSeconds(60));
        }
        catch
        {
            foreach (var n in names) Dump(n);
            throw;
        }

        var clientConfig = ConfigurationFactory.ParseString("""
                akka.loglevel = INFO
                akka.remote.watch-failure-detector.heartbeat-interval = 500ms
                akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 2s
                akka.remote.retry-gate-closed-for = 500ms
                """).WithFallback(AkkaMqTestNode.ClientConfigFor(NamesrvAddr));
        _client = ActorSystem.Create("fault-client", clientConfig);
        var brokers = names.Count(n => n.StartsWith("broker", StringComparison.Ordinal));
        await WaitForBrokersAsync(_ports["namesrv-1"], i => i.Brokers.Count == brokers, TimeSpan.FromSeconds(30), $"{brokers} registered brokers");

        var producer = AkkaMqProducer.Create(_client);
        var consumer = AkkaMqPullConsumer.Create(_client, "fault-check");
        var created = await consumer.Context.CreateTopicAsync(TopicConfig.Create(Topic, 4), clusterName: "DefaultCluster");
        _output.WriteLine($"topic created on {string.Join(", ", created.Brokers)}; cluster up after {total.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("broker-a", created.Brokers);
        Assert.Contains("broker-b", created.Brokers);
        return (producer, consumer);
    }

    /// <summary>Sync sends, one at a time, unique keys; every ack and every error is recorded.</summary>
    private sealed class SendRecorder
    {
        public readonly Stopwatch Clock = Stopwatch.StartNew();
        public readonly ConcurrentDictionary<string, SendResult> Acked = new();
        public readonly ConcurrentQueue<(TimeSpan At, string Broker)> AckTimes = new();
        public readonly ConcurrentQueue<(TimeSpan At, string Error)> Errors = new();
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public void Start(AkkaMqProducer producer) => _loop = Task.Run(async () =>
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var key = $"k-{i}";
                try
                {
                    var r = await producer.SendAsync(Message.FromText(Topic, $"body {i}", keys: key));
                    Acked[key] = r;
                    AckTimes.Enqueue((Clock.Elapsed, r.MessageQueue.BrokerName));
                }
                catch (AkkaMqException e)
                {
                    Errors.Enqueue((Clock.Elapsed, $"{e.Code}: {e.Message}"));
                    await Task.Delay(20);
                }
            }
        });

        public void AssertRunning() => Assert.False(_loop!.IsCompleted, "sender stopped: " + _loop.Exception);

        public async Task StopAsync()
        {
            _stop.Cancel();
            await _loop!;
        }

        /// <summary>Time from `from` to the first ack by broker, or null.</summary>
        public TimeSpan? FirstAck(TimeSpan from, string broker)
        {
            var first = AckTimes.FirstOrDefault(a => a.At > from && a.Broker == broker);
            return first.Broker != null ? first.At - from : null;
        }

        public async Task<TimeSpan?> WaitForAckAsync(TimeSpan from, string broker, TimeSpan timeout)
        {
            TimeSpan? first = null;
            try
            {
                // A stopped sender fails at once (FalseException); only "no ack yet" is waited out.
                await Eventually.AssertAsync(() =>
                {
                    if ((first = FirstAck(from, broker)) == null) AssertRunning();
                    Assert.True(first != null, $"no ack from {broker}");
                    return Task.CompletedTask;
                }, timeout, TimeSpan.FromMilliseconds(100), retryWhen: e => e is Xunit.Sdk.TrueException);
            }
            catch (Xunit.Sdk.TrueException) { }
            return first;
        }
    }

    private void Report(SendRecorder rec, TimeSpan killedAt)
    {
        var errorList = rec.Errors.ToList();
        _output.WriteLine(errorList.Count == 0
            ? "send errors: none"
            : $"send errors: {errorList.Count}, from {(errorList[0].At - killedAt).TotalSeconds:F2} s to {(errorList[^1].At - killedAt).TotalSeconds:F2} s after the first SIGKILL; first: {errorList[0].Error}");
        foreach (var e in errorList.Take(10)) _output.WriteLine($"  error at +{(e.At - killedAt).TotalSeconds:F2} s: {e.Error}");
        var bGap = LongestGap(rec.AckTimes.Where(a => a.Broker == "broker-b").Select(a => a.At).ToList());
        _output.WriteLine($"acks: {rec.Acked.Count} total, {rec.AckTimes.Count(a => a.At > killedAt)} after the first SIGKILL; longest pause between broker-b acks {bGap.TotalSeconds:F2} s");
    }

    /// <summary>Reads every queue from offset 0: each acknowledged message must be at its acknowledged position.</summary>
    private async Task AssertEveryAckedMessageIsStoredAsync(AkkaMqPullConsumer consumer, SendRecorder rec, string[] names)
    {
        var seen = await QueueReads.ReadAllByKeyAsync(consumer, Topic);
        var lost = rec.Acked.Where(kv => !seen.TryGetValue(kv.Key, out var at) || !at.Contains((kv.Value.MessageQueue, kv.Value.QueueOffset)))
            .Select(kv => kv.Key).ToList();
        var duplicates = seen.Values.Sum(l => l.Count - 1);
        _output.WriteLine($"read back {seen.Values.Sum(l => l.Count)} stored messages ({seen.Count} keys); {duplicates} duplicate copies; {lost.Count} acknowledged messages missing");
        if (lost.Count > 0) foreach (var n in names) Dump(n);
        Assert.True(lost.Count == 0, $"acknowledged but not found at their acknowledged position: {string.Join(", ", lost.Take(20))}");
    }

    [PostgresFact]
    public async Task Five_processes_survive_SIGKILL_of_a_master_and_of_the_NameServer_singleton_node()
    {
        var total = Stopwatch.StartNew();
        _database = Postgres.CreateDatabase();
        var (producer, consumer) = await StartClusterAsync(Names, total);
        // A consumer group reads while the nodes die: at-least-once, so every acked key must arrive.
        var consumed = new ConcurrentDictionary<string, int>();
        var reader = AkkaMqPushConsumer.Create(_client!, "fault-readers",
            PushConsumerSettings.Create(_client!.Settings.Config) with { ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset });
        reader.Subscribe(Topic);
        reader.RegisterMessageListener((msgs, _) =>
        {
            foreach (var m in msgs) consumed.AddOrUpdate(m.Keys!, 1, (_, n) => n + 1);
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        });
        await reader.StartAsync();
        var rec = new SendRecorder();
        rec.Start(producer);

        await Task.Delay(3000);
        _nodes["broker-a-master"].Kill();
        var masterKilledAt = rec.Clock.Elapsed;
        _output.WriteLine($"{rec.Acked.Count} acks before SIGKILL of broker-a-master at {masterKilledAt.TotalSeconds:F1} s");
        // Failover of broker-a: the first ack from a broker-a queue after the kill.
        var aFailover = await rec.WaitForAckAsync(masterKilledAt, "broker-a", TimeSpan.FromSeconds(30));

        // Then the node hosting the NameServer singleton (the oldest nameserver node).
        _nodes["namesrv-1"].Kill();
        var nsKilledAt = rec.Clock.Elapsed;
        _output.WriteLine($"SIGKILL of namesrv-1 at {nsKilledAt.TotalSeconds:F1} s");
        TimeSpan? nsFailover = null;
        var nsDeadline = rec.Clock.Elapsed + TimeSpan.FromSeconds(30);
        while (rec.Clock.Elapsed < nsDeadline)
        {
            var info = await ClusterInfoAsync(_ports["namesrv-2"]);
            if (info != null && info.Brokers.Any(b => b.Broker.BrokerName == "broker-a") && info.Brokers.Any(b => b.Broker.BrokerName == "broker-b"))
            {
                nsFailover = rec.Clock.Elapsed - nsKilledAt;
                break;
            }
            await Task.Delay(200);
        }
        await Task.Delay(3000);
        await rec.StopAsync();

        _output.WriteLine($"broker-a failover: first broker-a ack {aFailover?.TotalSeconds:F2} s after the master's SIGKILL");
        _output.WriteLine($"NameServer failover: namesrv-2 served both broker groups {nsFailover?.TotalSeconds:F2} s after namesrv-1's SIGKILL");
        Report(rec, masterKilledAt);
        var afterNsKill = rec.AckTimes.Count(a => a.At > nsKilledAt);
        if (aFailover == null || nsFailover == null)
            foreach (var n in Names) Dump(n);
        Assert.True(aFailover != null, "no send was acknowledged by a broker-a queue within 30 s of the master's SIGKILL");
        Assert.True(nsFailover != null, "namesrv-2 did not serve broker registrations within 30 s of namesrv-1's SIGKILL");
        Assert.True(afterNsKill > 0, "no send was acknowledged after namesrv-1's SIGKILL (producers should keep using cached routes)");

        await AssertEveryAckedMessageIsStoredAsync(consumer, rec, Names);

        List<string> missing = [];
        try
        {
            await Eventually.TrueAsync(() => (missing = rec.Acked.Keys.Where(k => !consumed.ContainsKey(k)).ToList()).Count == 0,
                () => "acknowledged keys not delivered", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        }
        catch (Xunit.Sdk.XunitException) { } // reported below, after the counts
        _output.WriteLine($"consumer group: {consumed.Count} keys consumed, {consumed.Values.Sum() - consumed.Count} redeliveries, " +
                          $"{missing.Count} acknowledged keys not delivered");
        await reader.ShutdownAsync();
        Assert.True(missing.Count == 0, $"acknowledged but never delivered to the consumer group: {string.Join(", ", missing.Take(20))}");
        _output.WriteLine($"test time {total.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task With_local_journals_sends_continue_on_broker_b_while_broker_a_is_down_and_its_messages_return_with_it()
    {
        var total = Stopwatch.StartNew();
        _localJournals = true;
        string[] names = ["namesrv-1", "namesrv-2", "broker-a-master", "broker-b-master"];
        var (producer, consumer) = await StartClusterAsync(names, total);
        var rec = new SendRecorder();
        rec.Start(producer);

        await Task.Delay(3000);
        var beforeKill = rec.AckTimes.Count(a => a.Broker == "broker-a");
        _nodes["broker-a-master"].Kill();
        var killedAt = rec.Clock.Elapsed;
        _output.WriteLine($"{rec.Acked.Count} acks ({beforeKill} on broker-a) before SIGKILL of broker-a-master at {killedAt.TotalSeconds:F1} s");

        // broker-a has no other node with its log: its queues are unavailable, and sends go to broker-b.
        await Task.Delay(8000);
        rec.AssertRunning();
        var downWindow = rec.AckTimes.Where(a => a.At > killedAt + TimeSpan.FromSeconds(4)).ToList();
        _output.WriteLine($"acks from 4 s to 8 s after the kill: {downWindow.Count}, all on broker-b: {downWindow.All(a => a.Broker == "broker-b")}");
        Assert.True(downWindow.Count >= 50, $"only {downWindow.Count} acks in the 4 s while broker-a was down");
        Assert.All(downWindow, a => Assert.Equal("broker-b", a.Broker));

        // broker-a returns with its own journal: it registers again and takes writes.
        var restarted = Start("broker-a-master");
        var restartAt = rec.Clock.Elapsed;
        await restarted.WaitForOutputAsync("registered with the NameServer", TimeSpan.FromSeconds(60));
        var back = await rec.WaitForAckAsync(restartAt, "broker-a", TimeSpan.FromSeconds(40));
        _output.WriteLine($"broker-a acked again {back?.TotalSeconds:F2} s after its restart (down {(restartAt - killedAt).TotalSeconds:F1} s)");
        Assert.True(back != null, "broker-a took no send within 40 s of its restart");
        await Task.Delay(1000);
        await rec.StopAsync();
        Report(rec, killedAt);

        // Everything acknowledged, broker-a's messages from before the kill included, is readable.
        await AssertEveryAckedMessageIsStoredAsync(consumer, rec, names);
        _output.WriteLine($"test time {total.Elapsed.TotalSeconds:F1} s");
    }

    private static TimeSpan LongestGap(List<TimeSpan> times)
    {
        var gap = TimeSpan.Zero;
        for (var i = 1; i < times.Count; i++)
            if (times[i] - times[i - 1] > gap) gap = times[i] - times[i - 1];
        return gap;
    }
}
