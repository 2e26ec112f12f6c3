using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench delay`: many pending delayed messages (RocketMQ 5 timer messages, TIMER_DELIVER_MS).
/// Phase fill sends --count messages whose delivery times spread evenly over --spread from
/// --deliver-at; phase verify reads the topic back once they are due and reports how many arrived
/// (each body carries its index: missing and duplicates are counted), how many arrived early (store
/// time before the delivery time) and how late the others were. Restarts or kills of the node
/// between the phases are the caller's (bench/delay-2m.sh).
/// </summary>
public sealed class BenchDelayCommand : BenchCommandBase
{
    private readonly Option<string> _phase = new Option<string>("--phase")
    {
        Description = "fill: send the delayed messages; verify: read them back and check times; both: fill, wait, verify",
        DefaultValueFactory = _ => "both",
    }.AcceptOnlyFromAmong("fill", "verify", "both");
    private readonly Option<long> _count = new("--count", "-c") { Description = "Delayed messages", DefaultValueFactory = _ => 10_000 };
    private readonly Option<int> _inflight = new("--inflight", "-w") { Description = "Sends outstanding at any time", DefaultValueFactory = _ => 256 };
    private readonly Option<long> _deliverAt = new("--deliver-at")
    {
        Description = "Delivery time of the first message, Unix ms (0: now + --delay)",
        DefaultValueFactory = _ => 0,
    };
    private readonly Option<double> _delay = new("--delay") { Description = "Seconds from now to the first delivery when --deliver-at is 0", DefaultValueFactory = _ => 60 };
    private readonly Option<double> _spread = new("--spread") { Description = "Seconds over which the delivery times spread", DefaultValueFactory = _ => 10 };

    public BenchDelayCommand() : base("delay", "Pending delayed messages: fill, then check every one arrives, on time and not early")
    {
        AddOptions(_phase, _count, _inflight, _deliverAt, _delay, _spread);
        PositiveLong(_count);
        Positive(_inflight);
    }

    protected override string? ClientHocon(ParseResult r) =>
        $"akkamq.client.producer.max-outstanding-sends = {Math.Max(10_000, 2 * r.GetValue(_inflight))}";

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var phase = r.GetValue(_phase)!;
        var count = r.GetValue(_count);
        var first = r.GetValue(_deliverAt);
        if (first == 0) first = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)(r.GetValue(_delay) * 1000);
        var spreadMs = (long)(r.GetValue(_spread) * 1000);
        long DeliverAt(long i) => first + spreadMs * i / count;
        var fields = $"count={count} size={session.Settings.Size} deliver_at={first} spread_s={spreadMs / 1000}";
        if (phase is "fill" or "both")
        {
            var queues = await session.CreateTopicAsync(ct);
            fields += " " + await FillAsync(session, count, r.GetValue(_inflight), DeliverAt, ct) + $" queues={queues.Count}";
        }
        if (phase is "verify" or "both")
        {
            var last = DeliverAt(count - 1);
            while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < last + 1000)
            {
                Console.Error.WriteLine($"akkamq bench: waiting {(last + 1000 - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) / 1000} s for the last delivery");
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Max(1, (last + 1000 - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) / 1000.0))), ct);
            }
            fields += " " + await VerifyAsync(session, count, ct);
        }
        return session.Result("delay", fields, false);
    }

    private static async Task<string> FillAsync(BenchSession session, long count, int inflight, Func<long, long> deliverAt, CancellationToken ct)
    {
        var size = Math.Max(8, session.Settings.Size);
        using var window = new SemaphoreSlim(inflight);
        long errors = 0;
        string? firstError = null;
        var sw = Stopwatch.StartNew();
        var tasks = new List<Task>();
        for (long i = 0; i < count; i++)
        {
            await window.WaitAsync(ct);
            var body = new byte[size];
            BinaryPrimitives.WriteInt64LittleEndian(body, i);
            var props = new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = deliverAt(i).ToString() };
            var send = session.Producer.SendAsync(new Message(session.Topic, body, null, null, props), ct);
            tasks.Add(send.ContinueWith(t =>
            {
                if (!t.IsCompletedSuccessfully || t.Result.SendStatus != SendStatus.SendOk)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, t.Exception?.GetBaseException().Message ?? t.Result.SendStatus.ToString(), null);
                }
                window.Release();
            }, TaskScheduler.Default));
            if (tasks.Count >= 4096) tasks.RemoveAll(x => x.IsCompleted);
            if (i % 100_000 == 0 && i > 0) Console.Error.WriteLine($"akkamq bench: {i} delayed sends, {i / sw.Elapsed.TotalSeconds:F0}/s, {errors} errors");
        }
        await Task.WhenAll(tasks);
        if (errors > 0) Console.Error.WriteLine($"akkamq bench: {errors} send(s) failed; first error: {firstError}");
        return $"fill_secs={sw.Elapsed.TotalSeconds:F1} fill_msgs_per_s={count / sw.Elapsed.TotalSeconds:F0} send_errors={errors}";
    }

    private static async Task<string> VerifyAsync(BenchSession session, long count, CancellationToken ct)
    {
        var queues = await session.Consumer.FetchSubscribeMessageQueuesAsync(session.Topic, ct);
        var seen = new System.Collections.BitArray(checked((int)count));
        long received = 0, duplicates = 0, early = 0, foreign = 0;
        var lateness = new List<int>(); // ms, every 100th message
        long maxLate = 0, over1s = 0;
        foreach (var q in queues)
        {
            var offset = 0L;
            var max = await session.Consumer.MaxOffsetAsync(q, ct);
            while (offset < max)
            {
                var pull = await session.Consumer.PullAsync(q, "*", offset, 256, ct);
                if (pull.Messages.Count == 0) break;
                foreach (var m in pull.Messages)
                {
                    received++;
                    var i = m.Body.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(m.Body) : -1;
                    if (i < 0 || i >= count) { foreign++; continue; }
                    if (seen[(int)i]) duplicates++;
                    seen[(int)i] = true;
                    var late = m.StoreTimestamp - long.Parse(m.Properties[MessageConst.TimerDeliverMs]);
                    if (late < 0) early++;
                    if (late > 1000) over1s++;
                    maxLate = Math.Max(maxLate, late);
                    if (i % 100 == 0) lateness.Add((int)late);
                }
                offset = pull.NextBeginOffset;
            }
        }
        long missing = 0;
        for (var i = 0; i < count; i++) if (!seen[i]) missing++;
        lateness.Sort();
        int P(double p) => lateness.Count == 0 ? 0 : lateness[Math.Min(lateness.Count - 1, (int)(p * lateness.Count))];
        return $"received={received} missing={missing} duplicates={duplicates} foreign={foreign} early={early} later_than_1s={over1s} " +
               $"late_ms_p50={P(0.5)} late_ms_p99={P(0.99)} late_ms_max={maxLate} late_sample={lateness.Count}";
    }
}
