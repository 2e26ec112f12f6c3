using System.Diagnostics;
using System.Text;
using AkkaMq.Cli.Common;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// Everything one benchmark run holds: the optional child node, the client ActorSystem, a producer
/// and a pull consumer, the benchmark topic, CPU meters for the timed phase, and the RESULT line's
/// common trailing fields.
/// </summary>
public sealed class BenchSession : IAsyncDisposable
{
    private TimeSpan _clientCpu0;
    private double _brokerCpu0;

    private BenchSession(BenchSettings settings, NodeProcess? node, ClientSystem client, AkkaMqProducer producer)
    {
        Settings = settings;
        Node = node;
        Client = client;
        Producer = producer;
        Consumer = new AkkaMqPullConsumer(client.Context, "BenchConsumer");
    }

    public BenchSettings Settings { get; }
    public NodeProcess? Node { get; }
    public ClientSystem Client { get; }
    public AkkaMqProducer Producer { get; }
    public AkkaMqPullConsumer Consumer { get; }
    public string Topic => Settings.Topic;
    public int BrokerPid => Node?.Pid ?? Settings.BrokerPid;

    public static async Task<BenchSession> OpenAsync(BenchSettings settings, string? clientHocon, CancellationToken ct)
    {
        NodeProcess? node = null;
        ClientSystem? client = null;
        try
        {
            var namesrv = settings.NamesrvAddr;
            if (settings.StartNode)
            {
                node = NodeProcess.Start(settings.NodeDll, settings.Flush ?? "ASYNC_FLUSH", settings.NodeConfig);
                namesrv = node.Address;
            }
            client = ClientSystem.Create(namesrv, settings.Verbose, clientHocon, "akkamq-bench");
            if (node != null)
            {
                var c = client;
                await node.WaitReadyAsync(TimeSpan.FromSeconds(60), async probeCt =>
                    (await c.Context.AskNameServerAsync<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, probeCt)).Brokers.Count > 0, ct);
            }
            var info = await client.EnsureNameServerAsync(TimeSpan.FromSeconds(node != null ? 30 : 10), ct);
            Console.Error.WriteLine($"akkamq bench: NameServer {namesrv}: {string.Join(", ", info.Brokers.Select(b => b.Broker.ToString()))}");
            var producer = AkkaMqProducer.Create(client.System, client.Settings, "bench-producer");
            return new BenchSession(settings, node, client, producer);
        }
        catch
        {
            if (client != null) await client.DisposeAsync();
            if (node != null) await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates the topic with --queues queues and waits until its route lists them; returns the queues.</summary>
    public Task<IReadOnlyList<MessageQueue>> CreateTopicAsync(CancellationToken ct) => CreateTopicAsync(Topic, ct);

    /// <summary>Creates the topics (bench produce --topics), a few at a time; returns all their queues.</summary>
    public async Task<IReadOnlyList<MessageQueue>> CreateTopicsAsync(IReadOnlyList<string> topics, CancellationToken ct)
    {
        var all = new List<MessageQueue>[topics.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, topics.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, c) => all[i] = (await CreateTopicAsync(topics[i], c)).ToList());
        return all.SelectMany(q => q).ToList();
    }

    /// <summary>Creates a topic with --queues queues and waits until its route lists them; returns the queues.</summary>
    public async Task<IReadOnlyList<MessageQueue>> CreateTopicAsync(string topic, CancellationToken ct)
    {
        var queues = Settings.Queues;
        try
        {
            var reply = await Client.Context.CreateTopicAsync(TopicConfig.Create(topic, queues), ct: ct);
            Console.Error.WriteLine($"akkamq bench: topic {topic} with {queues} queue(s) on {string.Join(", ", reply.Brokers)}");
        }
        catch (AkkaMqException e)
        {
            throw new CliException($"could not create topic {topic}: {e.Message}");
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                var route = await Client.Context.FetchRouteAsync(topic, false, ct);
                if (route.QueueDatas.Sum(q => q.WriteQueueNums) >= queues)
                {
                    Client.Context.InvalidateRoute(topic);
                    return await Consumer.FetchSubscribeMessageQueuesAsync(topic, ct);
                }
            }
            catch (AkkaMqException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new CliException($"topic {topic} was created but its route does not list {queues} queues after 15 s");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Sum of the queues' max offsets (messages stored so far).</summary>
    public async Task<long> StoredAsync(IReadOnlyList<MessageQueue> queues, CancellationToken ct)
    {
        // A hundred at a time: with --topics the first query starts each queue's log (a recovery each).
        long sum = 0;
        foreach (var chunk in queues.Chunk(100))
            sum += (await Task.WhenAll(chunk.Select(q => Consumer.MaxOffsetAsync(q, ct)))).Sum();
        return sum;
    }

    /// <summary>
    /// Warm-up: at least n sends and WarmupSeconds of sending (not measured), then optionally pulls
    /// them back (for at least WarmupSeconds too) so the read path is warm as well.
    /// </summary>
    /// <param name="send">Sync mode: how one message is sent, when not by the session's producer (transactional sends).</param>
    public async Task WarmupAsync(IReadOnlyList<MessageQueue> queues, SendMode mode, int inflight, bool pullBack, CancellationToken ct,
        Func<Message, CancellationToken, Task>? send = null)
    {
        var n = Settings.Warmup;
        if (n <= 0) return;
        var sw = Stopwatch.StartNew();
        var from = pullBack ? await Task.WhenAll(queues.Select(q => Consumer.MaxOffsetAsync(q, ct))) : null;
        var body = Payload(Settings.Size);
        var counters = new SendCounters();
        var deadline = Stopwatch.GetTimestamp() + (long)(Math.Max(60, Settings.MaxSeconds) * Stopwatch.Frequency);
        var run = await SendLoop.RunAsync(Producer, new[] { Topic }, body, mode, inflight, n, null, counters, deadline, ct, send: send);
        if (Settings.WarmupSeconds > sw.Elapsed.TotalSeconds)
        {
            // Counted sends were done sooner: go on until the time is up (same counters).
            var until = Stopwatch.GetTimestamp() + (long)((Settings.WarmupSeconds - sw.Elapsed.TotalSeconds) * Stopwatch.Frequency);
            var more = await SendLoop.RunAsync(Producer, new[] { Topic }, body, mode, inflight, long.MaxValue, null, counters, Math.Min(until, deadline), ct, send: send);
            run = run with { Completed = more.Completed, Errors = more.Errors };
        }
        var pulled = 0L;
        if (pullBack)
        {
            var to = await Task.WhenAll(queues.Select(q => Consumer.MaxOffsetAsync(q, ct)));
            var ranges = queues.Select((q, i) => new QueueRange(q, from![i], to[i])).ToList();
            // Pull the warm-up messages back, again and again for WarmupSeconds (pulls by offset
            // change nothing): one pass left the broker's read path still being JIT-compiled
            // during the timed drain.
            var pulling = Stopwatch.StartNew();
            do pulled += (await Drain.RunAsync(Consumer, ranges, 1000, null, null, deadline, ct)).Received;
            while (pulling.Elapsed.TotalSeconds < Settings.WarmupSeconds && Stopwatch.GetTimestamp() < deadline);
        }
        Console.Error.WriteLine($"akkamq bench: warmup {run.Completed} sends ({mode.ToString().ToLowerInvariant()}, {run.Errors} errors)" +
                                (pullBack ? $", {pulled} pulled back" : "") + $" in {sw.Elapsed.TotalSeconds:F1} s");
        if (run.Errors > 0 && counters.FirstError != null) Console.Error.WriteLine($"akkamq bench: warmup error: {counters.FirstError}");
    }

    /// <summary>A body of random bytes (seeded: the same for every run).</summary>
    public static byte[] Payload(int size)
    {
        var b = new byte[size];
        new Random(42).NextBytes(b);
        return b;
    }

    /// <summary>Start of the timed phase: snapshot client and broker CPU time.</summary>
    public void StartMeter()
    {
        _clientCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        if (BrokerPid > 0) _brokerCpu0 = ProcCpuSeconds(BrokerPid);
    }

    /// <summary>utime+stime of a process in seconds from /proc (Linux, USER_HZ = 100), NaN if unreadable.</summary>
    private static double ProcCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(f[11]) + long.Parse(f[12])) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    /// <summary>
    /// The RESULT line: "RESULT peer=akkamq scenario=S size=B {fields} client_cpu_s broker_cpu_s
    /// [node_peak_rss_mb] [truncated=1] [tag] utc=..." (peerbench's format and keys).
    /// </summary>
    public string Result(string scenario, string fields, bool truncated)
    {
        var sb = new StringBuilder($"RESULT peer=akkamq scenario={scenario} size={Settings.Size} {fields}");
        sb.Append($" client_cpu_s={(Process.GetCurrentProcess().TotalProcessorTime - _clientCpu0).TotalSeconds:F2}");
        if (BrokerPid > 0) sb.Append($" broker_cpu_s={ProcCpuSeconds(BrokerPid) - _brokerCpu0:F2}");
        if (Node != null) sb.Append($" node_peak_rss_mb={Node.PeakRssMb():F0}");
        if (truncated) sb.Append(" truncated=1");
        if (!string.IsNullOrWhiteSpace(Settings.Tag)) sb.Append(' ').Append(Settings.Tag.Trim());
        sb.Append(" utc=").Append(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"));
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Node?.Mute();
        try
        {
            await Producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(6));
        }
        catch (Exception)
        {
        }
        await Client.DisposeAsync();
        if (Node != null) await Node.DisposeAsync();
    }
}
