using System.CommandLine;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench grpc-receive`: receive-and-ack throughput over RocketMQ 5's gRPC protocol, as an official client's
/// SimpleConsumer consumes. Fills the topic with --count messages through the native producer (not timed), then
/// --receivers concurrent loops each ReceiveMessage up to --batch messages from the route's queues in turn and ack
/// every message with its own AckMessage call, until all were acked.
/// </summary>
public sealed class BenchGrpcReceiveCommand : BenchGrpcCommandBase
{
    private readonly Option<long> _count = new("--count", "-c")
    {
        Description = "Messages to fill and then receive and ack",
        DefaultValueFactory = _ => 100_000,
    };
    private readonly Option<int> _batch = new("--batch", "-b")
    {
        Description = "Messages per ReceiveMessage (batch_size)",
        DefaultValueFactory = _ => 32,
    };
    private readonly Option<int> _receivers = new("--receivers", "-r")
    {
        Description = "Concurrent receive loops of the SimpleConsumer",
        DefaultValueFactory = _ => 4,
    };
    private readonly Option<int> _inflight = new("--inflight", "--window", "-w")
    {
        Description = "Native sends outstanding while filling",
        DefaultValueFactory = _ => 1024,
    };
    private readonly Option<int> _invisibleSeconds = new("--invisible-seconds")
    {
        Description = "invisible_duration of each receive, in seconds",
        DefaultValueFactory = _ => 60,
    };
    private readonly Option<double> _pollSeconds = new("--poll-seconds")
    {
        Description = "long_polling_timeout of each receive, in seconds",
        DefaultValueFactory = _ => 1,
    };
    private readonly Option<string?> _group = new("--group", "-g")
    {
        Description = "Consumer group (default BenchGrpcGroup plus a random suffix)",
    };

    public BenchGrpcReceiveCommand() : base("grpc-receive", "Receive-and-ack throughput of a pre-filled topic over the gRPC endpoint (SimpleConsumer)")
    {
        Aliases.Add("grpc-receive-and-ack");
        AddOptions(EndpointOption, _count, _batch, _receivers, _inflight, _invisibleSeconds, _pollSeconds, _group);
        PositiveLong(_count);
        Range(_batch, 1, AkkaMq.Protocol.Consumer.PopLimits.MaxBatch, " (a ReceiveMessage returns at most that many)");
        Range(_receivers, 1, 256, "");
        Positive(_inflight);
        Range(_invisibleSeconds, 10, 43_200, " (RocketMQ's 10 s..12 h)");
        _pollSeconds.Validators.Add(v =>
        {
            var p = v.GetValueOrDefault<double>();
            if (p is < 0 or > 20) v.AddError($"--poll-seconds must be 0 to 20 (got {p})");
        });
        _group.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<string?>() is { } g && AkkaMq.Protocol.Validators.CheckGroup(g) is { } error) v.AddError($"--group: {error}");
        });
    }

    protected override string? ClientHocon(ParseResult r) =>
        $"akkamq.client.producer.max-outstanding-sends = {Math.Max(10_000, 2 * r.GetValue(_inflight))}";

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var s = session.Settings;
        var count = r.GetValue(_count);
        var group = r.GetValue(_group) ?? "BenchGrpcGroup" + Guid.NewGuid().ToString("N")[..6];
        var plan = new GrpcReceiveLoop.Options(r.GetValue(_batch), r.GetValue(_receivers), TimeSpan.FromSeconds(r.GetValue(_invisibleSeconds)),
            TimeSpan.FromSeconds(r.GetValue(_pollSeconds)));
        var inflight = r.GetValue(_inflight);
        var warmTopic = s.Topic + "Warmup";

        var queues = await session.CreateTopicAsync(ct);
        var endpoint = await ResolveEndpointAsync(session, r, s.Topic, ct);
        var body = BenchSession.Payload(s.Size);
        await using var client = GrpcBenchClient.SimpleConsumer(endpoint, group, plan.Polling, s.Topic, warmTopic);
        var routeQueues = await client.StartAsync(s.Topic, ct);
        Console.Error.WriteLine($"akkamq bench: Telemetry answered for {group} (fifo {client.ServerSettings?.Subscription?.Fifo}, " +
                                $"max attempts {client.ServerSettings?.BackoffPolicy?.MaxAttempts})");
        if (s.Warmup > 0) await WarmupAsync(session, client, group, warmTopic, body, inflight, plan, ct);

        var counters = new SendCounters();
        var deadline = Stopwatch.GetTimestamp() + (long)(s.MaxSeconds * Stopwatch.Frequency);
        Console.Error.WriteLine($"akkamq bench: filling {s.Topic} with {count} x {s.Size} B (native producer, {inflight} in flight)");
        var fill = await SendLoop.RunAsync(session.Producer, s.Topic, body, SendMode.Sync, inflight, count, null, counters, deadline, ct);
        if (fill.Errors > 0) Console.Error.WriteLine($"akkamq bench: {fill.Errors} fill send(s) failed; first error: {counters.FirstError}");
        var expected = await session.StoredAsync(queues, ct);
        var fillRate = (fill.Completed - fill.Errors) / fill.Seconds;
        Console.Error.WriteLine($"akkamq bench: filled {expected} in {fill.Seconds:F1} s ({fillRate:F0} msgs/s); receiving and acking as {group}, " +
                                $"{plan.Receivers} receiver(s), batch {plan.Batch}, over {routeQueues.Count} queue(s) at {endpoint}");

        var loop = new GrpcReceiveLoop(client, group, routeQueues, plan);
        session.StartMeter();
        deadline = Stopwatch.GetTimestamp() + (long)(s.MaxSeconds * Stopwatch.Frequency);
        GrpcReceiveRun run;
        await using (new ProgressReporter("grpc-receive", s.Size, expected, () => loop.Acked, () => loop.Errors, loop.AckLatency, "ack p99"))
        {
            run = await loop.RunAsync(expected, deadline, ct);
        }
        if (run.FirstError != null) Console.Error.WriteLine($"akkamq bench: receive problem: {run.FirstError}");
        var rate = run.Acked / run.Seconds;
        return session.Result("grpc-receive-ack",
            $"batch={plan.Batch} receivers={plan.Receivers} count={run.Acked} secs={run.Seconds:F2} msgs_per_s={rate:F0} MiB_per_s={rate * s.Size / 1048576:F1} " +
            $"fill_msgs_per_s={fillRate:F0} receive_p50_us={loop.ReceiveLatency.Percentile(0.5)} receive_p99_us={loop.ReceiveLatency.Percentile(0.99)} " +
            $"{loop.AckLatency.Format("ack_")} receives={run.Receives} empty_receives={run.EmptyReceives} redelivered={run.Redelivered} " +
            $"endpoint={endpoint} queues={routeQueues.Count} errors={fill.Errors + run.Errors}",
            truncated: fill.Truncated || run.Acked < expected);
    }

    /// <summary>
    /// Native sends of --warmup messages to a warm-up topic, then received and acked over gRPC; again until
    /// --warmup-seconds passed, so the proxy's receive and ack paths are JIT-compiled before the timed phase.
    /// </summary>
    private static async Task WarmupAsync(BenchSession session, GrpcBenchClient client, string group, string warmTopic, byte[] body, int inflight,
        GrpcReceiveLoop.Options plan, CancellationToken ct)
    {
        var s = session.Settings;
        await session.CreateTopicAsync(warmTopic, ct);
        var route = await client.QueryQueuesAsync(warmTopic, ct);
        var sw = Stopwatch.StartNew();
        var limit = Stopwatch.GetTimestamp() + (long)(Math.Max(60, s.MaxSeconds) * Stopwatch.Frequency);
        long sent = 0, acked = 0, errors = 0;
        do
        {
            var counters = new SendCounters();
            var run = await SendLoop.RunAsync(session.Producer, warmTopic, body, SendMode.Sync, inflight, s.Warmup, null, counters, limit, ct);
            sent += run.Completed - run.Errors;
            var loop = new GrpcReceiveLoop(client, group, route, plan);
            var got = await loop.RunAsync(sent - acked, limit, ct);
            acked += got.Acked;
            errors += run.Errors + got.Errors;
        } while (sw.Elapsed.TotalSeconds < s.WarmupSeconds && Stopwatch.GetTimestamp() < limit);
        Console.Error.WriteLine($"akkamq bench: warmup {sent} sends (native), {acked} received and acked (grpc, {errors} errors) in {sw.Elapsed.TotalSeconds:F1} s");
    }
}
