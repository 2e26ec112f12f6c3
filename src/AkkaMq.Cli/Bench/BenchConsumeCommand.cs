using System.CommandLine;
using System.Diagnostics;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench consume`: backlog drain throughput (peerbench's "consume" scenario; RocketMQ's
/// Consumer benchmark over a pre-filled topic). Fills the topic with --count messages (sync sends,
/// --inflight outstanding), then times pulling them all back: one pull loop per queue, --batch
/// messages per pull, all queues concurrently. Then (unless --push false) times reading the same
/// messages through a push consumer of a new group (push_* fields).
/// </summary>
public sealed class BenchConsumeCommand : BenchCommandBase
{
    private readonly Option<long> _count = new("--count", "-c")
    {
        Description = "Messages to fill and then drain",
        DefaultValueFactory = _ => 200_000,
    };
    private readonly Option<int> _batch = new("--batch", "--prefetch", "-b")
    {
        Description = "Messages per pull (the broker caps a pull at max-pull-messages, 1024 by default)",
        DefaultValueFactory = _ => 1000,
    };
    private readonly Option<int> _inflight = new("--inflight", "--window", "-w")
    {
        Description = "Sends outstanding while filling",
        DefaultValueFactory = _ => 1024,
    };

    private readonly Option<bool> _push = new("--push")
    {
        Description = "Also drain the same messages through a push consumer (pullBatchSize = --batch)",
        DefaultValueFactory = _ => true,
    };
    private readonly Option<int> _consumeBatch = new("--consume-batch")
    {
        Description = "Messages per listener call of the push consumer (consumeMessageBatchMaxSize)",
        DefaultValueFactory = _ => 32,
    };

    public BenchConsumeCommand() : base("consume", "Drain throughput of a pre-filled topic through the pull consumer and the push consumer")
    {
        AddOptions(_count, _batch, _inflight, _push, _consumeBatch);
        Positive(_consumeBatch);
        PositiveLong(_count);
        Positive(_batch);
        Positive(_inflight);
    }

    protected override string? ClientHocon(ParseResult r) =>
        $"akkamq.client.producer.max-outstanding-sends = {Math.Max(10_000, 2 * r.GetValue(_inflight))}";

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var s = session.Settings;
        var count = r.GetValue(_count);
        var batch = r.GetValue(_batch);
        var inflight = r.GetValue(_inflight);

        var queues = await session.CreateTopicAsync(ct);
        await session.WarmupAsync(queues, SendMode.Sync, inflight, pullBack: true, ct);
        var from = await Task.WhenAll(queues.Select(q => session.Consumer.MaxOffsetAsync(q, ct)));

        // Fill (timed separately, reported as fill_msgs_per_s).
        var body = BenchSession.Payload(s.Size);
        var counters = new SendCounters();
        Console.Error.WriteLine($"akkamq bench: filling {s.Topic} with {count} x {s.Size} B ({inflight} in flight)");
        var deadline = Stopwatch.GetTimestamp() + (long)(s.MaxSeconds * Stopwatch.Frequency);
        SendRun fill;
        await using (new ProgressReporter("fill", s.Size, count, () => Volatile.Read(ref counters.Completed), () => Volatile.Read(ref counters.Errors)))
        {
            fill = await SendLoop.RunAsync(session.Producer, s.Topic, body, SendMode.Sync, inflight, count, null, counters, deadline, ct);
        }
        if (fill.Errors > 0) Console.Error.WriteLine($"akkamq bench: {fill.Errors} fill send(s) failed; first error: {counters.FirstError}");
        var fillRate = (fill.Completed - fill.Errors) / fill.Seconds;

        var to = await Task.WhenAll(queues.Select(q => session.Consumer.MaxOffsetAsync(q, ct)));
        var ranges = queues.Select((q, i) => new QueueRange(q, from[i], to[i])).ToList();
        var expected = ranges.Sum(x => x.To - x.From);
        Console.Error.WriteLine($"akkamq bench: filled {expected} in {fill.Seconds:F1} s ({fillRate:F0} msgs/s); draining {queues.Count} queue(s), batch {batch}");

        var pullLatency = new LatencyRecorder();
        long received = 0;
        session.StartMeter();
        deadline = Stopwatch.GetTimestamp() + (long)(s.MaxSeconds * Stopwatch.Frequency);
        DrainRun drain;
        await using (new ProgressReporter("consume", s.Size, expected, () => Volatile.Read(ref received), null, pullLatency, "pull p99"))
        {
            drain = await Drain.RunAsync(session.Consumer, ranges, batch, pullLatency, n => Interlocked.Add(ref received, n), deadline, ct);
        }
        if (drain.FirstError != null) Console.Error.WriteLine($"akkamq bench: drain problem: {drain.FirstError}");
        var rate = drain.Received / drain.Seconds;
        var errors = fill.Errors + drain.Errors;

        var pushFields = "";
        var pushTruncated = false;
        if (r.GetValue(_push))
        {
            var pullBatch = Math.Min(batch, 1024); // the push consumer's pullBatchSize limit
            Console.Error.WriteLine($"akkamq bench: draining the same {expected} through a push consumer (pullBatchSize {pullBatch}, consumeMessageBatchMaxSize {r.GetValue(_consumeBatch)})");
            long pushed = 0;
            deadline = Stopwatch.GetTimestamp() + (long)(s.MaxSeconds * Stopwatch.Frequency);
            DrainRun push;
            await using (new ProgressReporter("push", s.Size, expected, () => Volatile.Read(ref pushed), null))
            {
                push = await PushDrain.RunAsync(session, ranges, pullBatch, r.GetValue(_consumeBatch), deadline, n => Interlocked.Add(ref pushed, n), ct);
            }
            if (push.FirstError != null) Console.Error.WriteLine($"akkamq bench: push drain problem: {push.FirstError}");
            pushTruncated = push.Truncated;
            pushFields = $" push_count={push.Received} push_secs={push.Seconds:F2} push_msgs_per_s={push.Received / push.Seconds:F0}";
        }
        return session.Result("consume",
            $"prefetch={batch} count={drain.Received} secs={drain.Seconds:F2} msgs_per_s={rate:F0} MiB_per_s={rate * s.Size / 1048576:F1} " +
            $"fill_msgs_per_s={fillRate:F0} pull_p50_us={pullLatency.Percentile(0.5)} pull_p99_us={pullLatency.Percentile(0.99)}{pushFields} " +
            $"flush={s.FlushForReport} queues={queues.Count} errors={errors}",
            truncated: fill.Truncated || drain.Truncated || drain.Received < count || pushTruncated);
    }
}
