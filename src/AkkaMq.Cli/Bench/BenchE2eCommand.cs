using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench e2e`: end-to-end latency at a fixed rate (peerbench's "e2e" scenario). A
/// long-polling consumer (one loop per queue, from each queue's max offset) is attached first;
/// the producer sends at --rate msgs/s in ~1 ms bursts (async sends, at most --inflight unacked).
/// Each body starts with the Stopwatch timestamp taken just before the send; latency = receive
/// time - that timestamp (same process, same clock). Ack latency is reported too.
/// </summary>
public sealed class BenchE2eCommand : BenchCommandBase
{
    private readonly Option<int> _rate = new("--rate", "-r")
    {
        Description = "Publish rate, msgs/s",
        DefaultValueFactory = _ => 5000,
    };
    private readonly Option<double> _seconds = new("--seconds")
    {
        Description = "How long to publish (count = rate x seconds)",
        DefaultValueFactory = _ => 10,
    };
    private readonly Option<long?> _count = new("--count", "-c")
    {
        Description = "Messages to publish (overrides --seconds)",
    };
    private readonly Option<int> _inflight = new("--inflight", "--window", "-w")
    {
        Description = "Most unacknowledged sends; the publisher waits beyond it",
        DefaultValueFactory = _ => 1024,
    };
    private readonly Option<int> _batch = new("--batch", "--prefetch", "-b")
    {
        Description = "Most messages per pull",
        DefaultValueFactory = _ => 1000,
    };

    public BenchE2eCommand() : base("e2e", "End-to-end (send to receive) latency at a fixed publish rate")
    {
        AddOptions(_rate, _seconds, _count, _inflight, _batch);
        Positive(_rate);
        Positive(_inflight);
        Positive(_batch);
        SizeOption.Validators.Add(res =>
        {
            if (res.GetValueOrDefault<int>() < 8) res.AddError("--size must be at least 8 for e2e (the send timestamp is embedded)");
        });
    }

    protected override string? ClientHocon(ParseResult r) =>
        $"akkamq.client.producer.max-outstanding-sends = {Math.Max(10_000, 2 * r.GetValue(_inflight))}";

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var s = session.Settings;
        var rate = r.GetValue(_rate);
        var seconds = r.GetValue(_seconds);
        var n = r.GetValue(_count) ?? (long)Math.Round(rate * seconds);
        if (n < 1) throw new Common.CliException("nothing to send: --count (or --rate x --seconds) must be at least 1", 2);
        var inflight = r.GetValue(_inflight);
        var batch = r.GetValue(_batch);

        var queues = await session.CreateTopicAsync(ct);
        await session.WarmupAsync(queues, SendMode.Async, Math.Min(inflight, 64), pullBack: true, ct);

        // Consumer first: one long-polling loop per queue from its current end.
        var e2e = new LatencyRecorder();
        var ack = new LatencyRecorder();
        long received = 0, pullErrors = 0;
        string? pullError = null;
        using var stopConsumer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var starts = await Task.WhenAll(queues.Select(q => session.Consumer.MaxOffsetAsync(q, ct)));
        var attached = new CountdownEvent(queues.Count);
        var consumers = queues.Select((q, i) => Task.Run(async () =>
        {
            var offset = starts[i];
            var first = true;
            while (!stopConsumer.IsCancellationRequested)
            {
                PullResult result;
                try
                {
                    var pull = session.Consumer.PullBlockIfNotFoundAsync(q, "*", offset, batch, TimeSpan.FromSeconds(5), stopConsumer.Token);
                    if (first)
                    {
                        attached.Signal();
                        first = false;
                    }
                    result = await pull.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopConsumer.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref pullErrors);
                    Interlocked.CompareExchange(ref pullError, e.GetBaseException().Message, null);
                    await Task.Delay(50).ConfigureAwait(false);
                    continue;
                }
                var now = Stopwatch.GetTimestamp();
                foreach (var m in result.Messages)
                    e2e.RecordTicks(now - BinaryPrimitives.ReadInt64LittleEndian(m.Body));
                if (result.Messages.Count > 0) Interlocked.Add(ref received, result.Messages.Count);
                if (result.NextBeginOffset > offset) offset = result.NextBeginOffset;
            }
        }, CancellationToken.None)).ToArray();
        attached.Wait(TimeSpan.FromSeconds(30), ct);
        await Task.Delay(300, ct);

        // Paced publisher.
        var template = BenchSession.Payload(s.Size);
        var window = new SemaphoreSlim(inflight);
        var counters = new SendCounters();
        Console.Error.WriteLine($"akkamq bench: e2e {n} x {s.Size} B at {rate} msgs/s to {s.Topic} ({queues.Count} queues, <= {inflight} unacked)");
        session.StartMeter();
        var start = Stopwatch.GetTimestamp();
        var maxSeconds = Math.Max(s.MaxSeconds, n / (double)rate + 10);
        var deadline = start + (long)(maxSeconds * Stopwatch.Frequency);
        var ticksPerMsg = Stopwatch.Frequency / (double)rate;
        long sent = 0;
        await using (new ProgressReporter("e2e", s.Size, n, () => Volatile.Read(ref received), () => Volatile.Read(ref counters.Errors), e2e, "e2e p99"))
        {
            while (sent < n && Stopwatch.GetTimestamp() < deadline)
            {
                var due = Math.Min(n, (long)((Stopwatch.GetTimestamp() - start) / ticksPerMsg) + 1);
                for (; sent < due; sent++)
                {
                    await window.WaitAsync(ct);
                    var body = new byte[template.Length];
                    template.CopyTo(body, 0);
                    var t0 = Stopwatch.GetTimestamp();
                    BinaryPrimitives.WriteInt64LittleEndian(body, t0);
                    session.Producer.Send(new Message(s.Topic, body), (_, error) =>
                    {
                        if (error == null) ack.RecordTicks(Stopwatch.GetTimestamp() - t0);
                        else counters.Fail(error);
                        Interlocked.Increment(ref counters.Completed);
                        window.Release();
                    });
                }
                await Task.Delay(1, ct);
            }
            var pubSecs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;

            // All acks in, then let the consumer catch up (bounded).
            for (var k = 0; k < inflight; k++) await window.WaitAsync(ct);
            var expected = sent - Volatile.Read(ref counters.Errors);
            var waitUntil = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
            while (Volatile.Read(ref received) < expected && Stopwatch.GetTimestamp() < waitUntil) await Task.Delay(5, ct);
            await stopConsumer.CancelAsync();
            await Task.WhenAll(consumers);

            var got = Volatile.Read(ref received);
            var errors = Volatile.Read(ref counters.Errors);
            if (errors > 0) Console.Error.WriteLine($"akkamq bench: {errors} send(s) failed; first error: {counters.FirstError}");
            if (pullError != null) Console.Error.WriteLine($"akkamq bench: {pullErrors} pull(s) failed; first error: {pullError}");
            return session.Result("e2e",
                $"rate={rate} count={sent} received={got} secs={pubSecs:F2} achieved_msgs_per_s={sent / pubSecs:F0} {e2e.Format()} {ack.Format("ack_")} " +
                $"flush={s.FlushForReport} queues={queues.Count} errors={errors + pullErrors}",
                truncated: sent < n || got < expected);
        }
    }
}
