using System.CommandLine;
using System.Diagnostics;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Grpc.Core;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench grpc-send`: publish throughput and send-to-ack latency over RocketMQ 5's gRPC protocol, as an official
/// client's Producer sends: start-up (QueryRoute, Telemetry Settings, Heartbeat), then SendMessage of one message per
/// call. Closed loop like bench produce: exactly --inflight calls outstanding, until --count completed.
/// </summary>
public sealed class BenchGrpcSendCommand : BenchGrpcCommandBase
{
    private readonly Option<int> _inflight = new("--inflight", "--window", "-w")
    {
        Description = "SendMessage calls outstanding at any time",
        DefaultValueFactory = _ => 64,
    };
    private readonly Option<long> _count = new("--count", "-c")
    {
        Description = "Timed sends",
        DefaultValueFactory = _ => 100_000,
    };

    public BenchGrpcSendCommand() : base("grpc-send", "Publish throughput and latency over the gRPC endpoint (SendMessage, --inflight calls outstanding)")
    {
        AddOptions(EndpointOption, _inflight, _count);
        Positive(_inflight);
        PositiveLong(_count);
    }

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var s = session.Settings;
        var inflight = r.GetValue(_inflight);
        var count = r.GetValue(_count);
        var queues = await session.CreateTopicAsync(ct);
        var endpoint = await ResolveEndpointAsync(session, r, s.Topic, ct);
        await using var client = GrpcBenchClient.Producer(endpoint, s.Topic);
        await client.StartAsync(s.Topic, ct);
        Console.Error.WriteLine($"akkamq bench: Telemetry answered (max body {client.ServerSettings?.Publishing?.MaxBodySize} B)");

        var topic = new Resource { Name = s.Topic };
        var body = ByteString.CopyFrom(BenchSession.Payload(s.Size));
        if (s.Warmup > 0)
        {
            // Warm-up over gRPC as well (counted sends, then on until --warmup-seconds): the proxy's path gets JIT-compiled too.
            var sw = Stopwatch.StartNew();
            var warm = new SendCounters();
            var limit = Stopwatch.GetTimestamp() + (long)(Math.Max(60, s.MaxSeconds) * Stopwatch.Frequency);
            await RunAsync(client, topic, body, inflight, s.Warmup, null, warm, limit, ct);
            var until = Stopwatch.GetTimestamp() + (long)(Math.Max(0, s.WarmupSeconds - sw.Elapsed.TotalSeconds) * Stopwatch.Frequency);
            await RunAsync(client, topic, body, inflight, long.MaxValue, null, warm, Math.Min(until, limit), ct);
            Console.Error.WriteLine($"akkamq bench: warmup {warm.Completed} sends (grpc, {warm.Errors} errors) in {sw.Elapsed.TotalSeconds:F1} s");
            if (warm.FirstError != null) Console.Error.WriteLine($"akkamq bench: warmup error: {warm.FirstError}");
        }
        var stored0 = await session.StoredAsync(queues, ct);

        var latency = new LatencyRecorder();
        var counters = new SendCounters();
        Console.Error.WriteLine($"akkamq bench: grpc-send {count} x {s.Size} B to {s.Topic} at {endpoint}, {inflight} in flight");
        session.StartMeter();
        var deadline = Stopwatch.GetTimestamp() + (long)(s.MaxSeconds * Stopwatch.Frequency);
        SendRun run;
        await using (new ProgressReporter("grpc-send", s.Size, count, () => Volatile.Read(ref counters.Completed),
                         () => Volatile.Read(ref counters.Errors), latency))
        {
            run = await RunAsync(client, topic, body, inflight, count, latency, counters, deadline, ct);
        }
        if (run.Errors > 0) Console.Error.WriteLine($"akkamq bench: {run.Errors} send(s) failed; first error: {counters.FirstError}");
        var rate = (run.Completed - run.Errors) / run.Seconds;
        var stored = await session.StoredAsync(queues, ct) - stored0;
        return session.Result("grpc-send",
            $"window={inflight} count={run.Completed} secs={run.Seconds:F2} msgs_per_s={rate:F0} MiB_per_s={rate * s.Size / 1048576:F1} " +
            $"{latency.Format()} endpoint={endpoint} queues={queues.Count} errors={run.Errors} stored={stored}",
            run.Truncated);
    }

    /// <summary>`inflight` workers, each sending one message per SendMessage call and awaiting its answer, until `count` completed.</summary>
    public static async Task<SendRun> RunAsync(GrpcBenchClient client, Resource topic, ByteString body, int inflight, long count,
        LatencyRecorder? latency, SendCounters counters, long deadline, CancellationToken ct)
    {
        long next = -1;
        var completed0 = Volatile.Read(ref counters.Completed);
        var start = Stopwatch.GetTimestamp();

        async Task Worker()
        {
            while (!ct.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline && Interlocked.Increment(ref next) < count)
            {
                var request = new SendMessageRequest { Messages = { GrpcBenchClient.NewMessage(topic, body) } };
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    var answer = await client.Stub.SendMessageAsync(request, client.Headers(), GrpcBenchClient.Deadline(), ct).ConfigureAwait(false);
                    if (answer.Status.Code == Code.Ok) latency?.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    else counters.Fail(new InvalidOperationException($"{answer.Status.Code}: {answer.Status.Message}"));
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
                {
                    break;
                }
                catch (RpcException e)
                {
                    counters.Fail(e);
                }
                Interlocked.Increment(ref counters.Completed);
            }
        }

        var workers = new Task[Math.Max(1, (int)Math.Min(inflight, count))];
        for (var i = 0; i < workers.Length; i++) workers[i] = Task.Run(Worker, CancellationToken.None);
        await Task.WhenAll(workers);
        ct.ThrowIfCancellationRequested();
        var secs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var done = Volatile.Read(ref counters.Completed) - completed0;
        return new SendRun(done, Volatile.Read(ref counters.Errors), secs, count != long.MaxValue && done < count);
    }
}
