using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaMq.Cli.Common;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench soak`: a long run at a steady rate with retention on, sampling what the node holds.
/// Async sends paced at --rate (at most --inflight unacked), optionally a pull consumer per queue
/// following the tail, and every --sample-seconds one CSV row (<see cref="SoakCsv"/>): data
/// directory bytes, node RSS, sent/acked, and the queues' min/max offsets. The node started with
/// --start-node gets fileReservedTime = --retention and deleteWhen = "*"; a running node keeps its own.
/// No warm-up: the series starts with the node.
/// </summary>
public sealed class BenchSoakCommand : BenchCommandBase
{
    private static readonly Regex Duration = new(@"^\d+(ms|s|m|h|d)$", RegexOptions.CultureInvariant);

    private readonly Option<int> _rate = new("--rate", "-r") { Description = "Publish rate, msgs/s", DefaultValueFactory = _ => 3000 };
    private readonly Option<double> _seconds = new("--seconds") { Description = "How long to publish", DefaultValueFactory = _ => 1200 };
    private readonly Option<double> _sampleSeconds = new("--sample-seconds") { Description = "Seconds between samples", DefaultValueFactory = _ => 10 };
    private readonly Option<string> _out = new("--out", "-o") { Description = "CSV file to write the series to", DefaultValueFactory = _ => "soak.csv" };
    private readonly Option<int> _inflight = new("--inflight", "--window", "-w")
    {
        Description = "Most unacknowledged sends; the publisher waits beyond it",
        DefaultValueFactory = _ => 1024,
    };
    private readonly Option<bool> _consume = new("--consume") { Description = "Also pull every queue from its tail as messages arrive" };
    private readonly Option<string> _retention = new("--retention")
    {
        Description = "With --start-node: the node's fileReservedTime (deleteWhen = \"*\"), off = keep everything; a running node keeps its own",
        DefaultValueFactory = _ => "2m",
    };
    private readonly Option<string> _cleanInterval = new("--clean-interval")
    {
        Description = "With --start-node: the node's cleanResourceInterval",
        DefaultValueFactory = _ => "10s",
    };
    private readonly Option<string?> _dataDir = new("--data-dir")
    {
        Description = "Data directory to measure when the node is not started here (its akkamq.store.data-dir); with --start-node, the node's own",
    };

    public BenchSoakCommand() : base("soak", "Long run at a steady rate with retention on; samples data-directory bytes and node RSS to a CSV")
    {
        AddOptions(_rate, _seconds, _sampleSeconds, _out, _inflight, _consume, _retention, _cleanInterval, _dataDir);
        Positive(_rate);
        Positive(_inflight);
        foreach (var (o, off) in new[] { (_retention, true), (_cleanInterval, false) })
            o.Validators.Add(res =>
            {
                var v = res.GetValueOrDefault<string>();
                if (v == null || !Duration.IsMatch(v) && !(off && v == "off"))
                    res.AddError($"{o.Name} must be a duration such as 2m, 30s or 500ms{(off ? " (or off)" : "")}, not '{v}'");
            });
        foreach (var o in new[] { _seconds, _sampleSeconds })
            o.Validators.Add(res =>
            {
                if (res.GetValueOrDefault<double>() <= 0) res.AddError($"{o.Name} must be positive");
            });
    }

    protected override string? ClientHocon(ParseResult r) =>
        $"akkamq.client.producer.max-outstanding-sends = {Math.Max(10_000, 2 * r.GetValue(_inflight))}";

    protected override string? NodeHocon(ParseResult r) =>
        $"akkamq.broker {{ fileReservedTime = {r.GetValue(_retention)}, deleteWhen = \"*\", cleanResourceInterval = {r.GetValue(_cleanInterval)} }}";

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var s = session.Settings;
        var rate = r.GetValue(_rate);
        var seconds = r.GetValue(_seconds);
        var sampleTicks = (long)(r.GetValue(_sampleSeconds) * Stopwatch.Frequency);
        var inflight = r.GetValue(_inflight);
        var n = Math.Max(1, (long)Math.Round(rate * seconds));
        var dataDir = session.Node?.DataDirectory ?? r.GetValue(_dataDir);
        if (dataDir != null && !Directory.Exists(dataDir)) throw new CliException($"--data-dir {dataDir} does not exist", 2);
        if (dataDir == null) Console.Error.WriteLine("akkamq bench: no --data-dir (and no --start-node): data_bytes is not measured (-1)");
        if (session.Node == null && (r.GetResult(_retention) is { Implicit: false } || r.GetResult(_cleanInterval) is { Implicit: false }))
            Console.Error.WriteLine("akkamq bench: --retention and --clean-interval set only a node started with --start-node; the running node keeps its own");
        if (session.BrokerPid <= 0) Console.Error.WriteLine("akkamq bench: no --broker-pid (and no --start-node): rss_kib is not measured (-1)");

        var queues = await session.CreateTopicAsync(ct);
        var outPath = Path.GetFullPath(r.GetValue(_out)!);
        var outDir = Path.GetDirectoryName(outPath);
        if (outDir != null) Directory.CreateDirectory(outDir);
        await using var csv = new StreamWriter(outPath, append: false) { AutoFlush = true };
        await csv.WriteLineAsync(SoakCsv.Header);

        var counters = new SendCounters();
        long sent = 0, received = 0;
        using var stopConsumer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var consumers = r.GetValue(_consume)
            ? queues.Select(q => Task.Run(() => FollowAsync(session, q, m => Interlocked.Add(ref received, m), stopConsumer.Token), CancellationToken.None)).ToArray()
            : [];

        var samples = new List<SoakSample>();
        async Task Sample(long start)
        {
            var (total, db, wal) = dataDir == null ? (-1, -1, -1) : SoakProbe.DirectoryBytes(dataDir);
            var (min, max) = await OffsetsAsync(session, queues, ct);
            var sample = new SoakSample((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency, total, db, wal,
                SoakProbe.RssKib(session.BrokerPid), Volatile.Read(ref sent), Volatile.Read(ref counters.Completed) - Volatile.Read(ref counters.Errors),
                Volatile.Read(ref counters.Errors), Volatile.Read(ref received), min, max);
            samples.Add(sample);
            await csv.WriteLineAsync(SoakCsv.Row(sample));
            Console.Error.WriteLine($"akkamq bench: soak {sample.ElapsedSeconds,6:F0} s  data {total / 1048576.0,8:F1} MiB (db {db / 1048576.0:F1}, wal {wal / 1048576.0:F1})  " +
                                    $"rss {sample.RssKib / 1024.0,6:F0} MiB  sent {sample.Sent}  acked {sample.Acked}  errors {sample.Errors}  retained {sample.Retained}");
        }

        var body = BenchSession.Payload(s.Size);
        var window = new SemaphoreSlim(inflight);
        Console.Error.WriteLine($"akkamq bench: soak {n} x {s.Size} B at {rate} msgs/s for {seconds:F0} s to {s.Topic} ({queues.Count} queues, <= {inflight} unacked), " +
                                $"sampling every {r.GetValue(_sampleSeconds):F0} s to {outPath}");
        session.StartMeter();
        var start = Stopwatch.GetTimestamp();
        var pacer = new RatePacer(rate, n, Stopwatch.Frequency);
        var deadline = start + (long)((seconds + 30) * Stopwatch.Frequency);
        // Its own loop, so a slow offsets query never holds up the sends.
        using var stopSampler = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            for (var next = start; !stopSampler.IsCancellationRequested; next += sampleTicks)
            {
                var wait = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (wait > 0)
                {
                    try { await Task.Delay(TimeSpan.FromMilliseconds(wait), stopSampler.Token); }
                    catch (OperationCanceledException) { return; }
                }
                await Sample(start);
            }
        }, CancellationToken.None);
        while (sent < n && Stopwatch.GetTimestamp() < deadline)
        {
            var due = pacer.Due(Stopwatch.GetTimestamp() - start);
            while (sent < due)
            {
                await window.WaitAsync(ct);
                Interlocked.Increment(ref sent);
                session.Producer.Send(new Message(s.Topic, body), (_, error) =>
                {
                    if (error != null) counters.Fail(error);
                    Interlocked.Increment(ref counters.Completed);
                    window.Release();
                });
            }
            await Task.Delay(1, ct);
        }
        var pubSecs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var ackWait = Stopwatch.StartNew();
        for (var k = 0; k < inflight && ackWait.Elapsed < TimeSpan.FromSeconds(60); k++) await window.WaitAsync(TimeSpan.FromSeconds(60), ct);
        await stopSampler.CancelAsync();
        await sampler;
        await Sample(start);
        await stopConsumer.CancelAsync();
        await Task.WhenAll(consumers);

        var errors = Volatile.Read(ref counters.Errors);
        if (errors > 0) Console.Error.WriteLine($"akkamq bench: {errors} send(s) failed; first error: {counters.FirstError}");
        var summary = SoakSummary.Describe(samples);
        Console.Error.WriteLine($"akkamq bench: soak plateau: {summary}");
        var last = samples[^1];
        return session.Result("soak",
            $"rate={rate} count={sent} secs={pubSecs:F2} achieved_msgs_per_s={sent / pubSecs:F0} acked={last.Acked} received={last.Received} " +
            $"data_mib={last.DataBytes / 1048576.0:F1} rss_mib={last.RssKib / 1024.0:F0} retained={last.Retained} samples={samples.Count} " +
            $"flush={s.FlushForReport} queues={queues.Count} errors={errors} csv={outPath}",
            truncated: sent < n);
    }

    /// <summary>Sums of the queues' min and max offsets; (-1, -1) when the broker did not answer.</summary>
    private static async Task<(long Min, long Max)> OffsetsAsync(BenchSession session, IReadOnlyList<MessageQueue> queues, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var min = await Task.WhenAll(queues.Select(q => session.Consumer.MinOffsetAsync(q, timeout.Token)));
            var max = await Task.WhenAll(queues.Select(q => session.Consumer.MaxOffsetAsync(q, timeout.Token)));
            return (min.Sum(), max.Sum());
        }
        catch (Exception e) when (e is AkkaMqException or OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            return (-1, -1);
        }
    }

    /// <summary>Pulls one queue from 0 as messages arrive; a pull below the min (retention) goes on from the offset the broker names.</summary>
    private static async Task FollowAsync(BenchSession session, MessageQueue q, Action<long> onReceived, CancellationToken ct)
    {
        var offset = 0L;
        while (!ct.IsCancellationRequested)
        {
            PullResult result;
            try
            {
                result = await session.Consumer.PullBlockIfNotFoundAsync(q, "*", offset, 1000, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                try { await Task.Delay(100, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            if (result.Messages.Count > 0) onReceived(result.Messages.Count);
            if (result.NextBeginOffset > offset || result.Status == PullStatus.OffsetIllegal) offset = result.NextBeginOffset;
        }
    }
}
