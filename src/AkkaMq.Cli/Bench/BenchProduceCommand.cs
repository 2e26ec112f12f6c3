using System.CommandLine;
using System.Diagnostics;
using AkkaMq.Client;
using AkkaMq.Protocol;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench produce`: publish throughput and send-to-ack latency (RocketMQ's Producer
/// benchmark, Kafka's producer-perf-test, peerbench's "publish" scenario). Closed loop: exactly
/// --inflight sends outstanding, each completion starting the next, until --count completed.
/// </summary>
public sealed class BenchProduceCommand : BenchCommandBase
{
    private readonly Option<string> _mode = new Option<string>("--mode", "-m")
    {
        Description = "sync: SendAsync awaits the broker's ack; async: Send with a callback; oneway: SendOneway, no ack (call rate measured, latency 0)",
        DefaultValueFactory = _ => "sync",
    }.AcceptOnlyFromAmong("sync", "async", "oneway");
    private readonly Option<int> _inflight = new("--inflight", "--window", "-w")
    {
        Description = "Sends outstanding at any time (unacknowledged); ignored by oneway",
        DefaultValueFactory = _ => 1024,
    };
    private readonly Option<long> _count = new("--count", "-c")
    {
        Description = "Timed sends",
        DefaultValueFactory = _ => 200_000,
    };

    public BenchProduceCommand() : base("produce", "Publish throughput and send-to-ack latency (closed loop, --inflight sends outstanding)")
    {
        Aliases.Add("publish");
        AddOptions(_mode, _inflight, _count, _topics);
        Positive(_inflight);
        Positive(_topics);
        PositiveLong(_count);
        Options.Add(_keys);
        Options.Add(_transaction);
    }

    private readonly Option<bool> _transaction = new("--transaction")
    {
        Description = "sync mode: every send is a transactional send (half message, local transaction that commits, EndTransaction), " +
                      "through a transaction producer of group BenchTxGroup",
    };

    private readonly Option<int> _topics = new("--topics")
    {
        Description = "Topics to send to, round-robin (each with --queues queues): --topic, then --topic-1 ... (many active queues: memory budget)",
        DefaultValueFactory = _ => 1,
    };

    private readonly Option<bool> _keys = new("--keys")
    {
        Description = "sync mode: give every message a unique key (exercises the broker's key index)",
    };

    protected override string? ClientHocon(ParseResult r) =>
        $"akkamq.client.producer.max-outstanding-sends = {Math.Max(10_000, 2 * r.GetValue(_inflight))}";

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var s = session.Settings;
        var mode = Enum.Parse<SendMode>(r.GetValue(_mode)!, ignoreCase: true);
        var inflight = r.GetValue(_inflight);
        var count = r.GetValue(_count);

        var transactional = r.GetValue(_transaction);
        if (transactional && mode != SendMode.Sync) throw new Common.CliException("--transaction needs --mode sync", 2);
        await using var txProducer = transactional
            ? AkkaMqTransactionProducer.Create(session.Client.System, "BenchTxGroup", new CommitAll(), session.Client.Settings)
            : null;
        Func<Message, CancellationToken, Task>? send = txProducer == null ? null : (m, c) => txProducer.SendMessageInTransactionAsync(m, null, c);

        var topics = new[] { s.Topic }.Concat(Enumerable.Range(1, r.GetValue(_topics) - 1).Select(i => $"{s.Topic}-{i}")).ToArray();
        var queues = topics.Length == 1 ? await session.CreateTopicAsync(ct) : await session.CreateTopicsAsync(topics, ct);
        await session.WarmupAsync(queues, mode, inflight, pullBack: false, ct, send);
        // One-way warm-up sends may still be landing: start counting from a settled total.
        // With --topics the stored total is not asked (thousands of queries to queues just starting); acks count.
        var many = topics.Length > 1;
        var stored0 = many ? 0 : mode == SendMode.Oneway
            ? (await SettleAsync(session, queues, long.MaxValue, ct)).Stored
            : await session.StoredAsync(queues, ct);

        var body = BenchSession.Payload(s.Size);
        var latency = mode == SendMode.Oneway ? null : new LatencyRecorder();
        var counters = new SendCounters();
        Console.Error.WriteLine($"akkamq bench: produce {count} x {s.Size} B to {s.Topic}{(topics.Length > 1 ? $" and {topics.Length - 1} more topics" : "")}, mode {mode.ToString().ToLowerInvariant()}" +
                                (mode == SendMode.Oneway ? "" : $", {inflight} in flight"));
        session.StartMeter();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(s.MaxSeconds * Stopwatch.Frequency);
        SendRun run;
        await using (new ProgressReporter("produce", s.Size, count, () => Volatile.Read(ref counters.Completed),
                         () => Volatile.Read(ref counters.Errors), latency))
        {
            run = await SendLoop.RunAsync(session.Producer, topics, body, mode, inflight, count, latency, counters, deadline, ct, r.GetValue(_keys), send);
        }

        // Messages the broker actually stored: equals the acked sends for sync/async; one-way sends
        // are not acked (and dropped when refused), so wait until the stored count stops moving.
        string storedFields;
        if (many) storedFields = $"topics={topics.Length}";
        else if (mode == SendMode.Oneway)
        {
            var (total, at) = await SettleAsync(session, queues, stored0 + run.Completed, ct);
            var stored = total - stored0;
            var storeSecs = (at - start) / (double)Stopwatch.Frequency;
            storedFields = $"stored={stored} stored_msgs_per_s={stored / storeSecs:F0}";
        }
        else storedFields = $"stored={await session.StoredAsync(queues, ct) - stored0}";

        if (run.Errors > 0) Console.Error.WriteLine($"akkamq bench: {run.Errors} send(s) failed; first error: {counters.FirstError}");
        var rate = (run.Completed - run.Errors) / run.Seconds;
        return session.Result("publish",
            $"window={(mode == SendMode.Oneway ? 0 : inflight)} count={run.Completed} secs={run.Seconds:F2} msgs_per_s={rate:F0} " +
            $"MiB_per_s={rate * s.Size / 1048576:F1} {latency?.Format() ?? "p50_us=0 p99_us=0 p999_us=0 max_us=0"} " +
            $"mode={mode.ToString().ToLowerInvariant()}{(transactional ? " transaction=1" : "")} flush={s.FlushForReport} queues={queues.Count} errors={run.Errors} {storedFields}",
            run.Truncated);
    }

    /// <summary>The bench's local transaction: commits at once, so a send costs the half message and its commit.</summary>
    private sealed class CommitAll : ITransactionListener
    {
        public Task<LocalTransactionState> ExecuteLocalTransaction(Message message, object? arg) => Task.FromResult(LocalTransactionState.Commit);
        public Task<LocalTransactionState> CheckLocalTransaction(MessageExt message) => Task.FromResult(LocalTransactionState.Commit);
    }

    /// <summary>
    /// Polls the stored total until it reaches `expected` or has not moved for 2 s (15 s at most);
    /// returns it and the timestamp at which it last changed.
    /// </summary>
    private static async Task<(long Stored, long At)> SettleAsync(BenchSession session, IReadOnlyList<MessageQueue> queues, long expected,
        CancellationToken ct)
    {
        var stored = await session.StoredAsync(queues, ct);
        var changedAt = Stopwatch.GetTimestamp();
        var until = changedAt + 15 * Stopwatch.Frequency;
        while (stored < expected && Stopwatch.GetTimestamp() < until && Stopwatch.GetTimestamp() - changedAt < 2 * Stopwatch.Frequency)
        {
            await Task.Delay(100, ct);
            var now = await session.StoredAsync(queues, ct);
            if (now == stored) continue;
            stored = now;
            changedAt = Stopwatch.GetTimestamp();
        }
        return (stored, changedAt);
    }
}
