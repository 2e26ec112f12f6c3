using System.Diagnostics;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Cli.Bench;

/// <summary>Offsets [From, To) of one queue to read.</summary>
public readonly record struct QueueRange(MessageQueue Queue, long From, long To);

public readonly record struct DrainRun(long Received, long Errors, double Seconds, bool Truncated, string? FirstError);

/// <summary>Reads ranges of queues through the pull consumer: one loop per queue, all queues concurrently.</summary>
public static class Drain
{
    public static async Task<DrainRun> RunAsync(AkkaMqPullConsumer consumer, IReadOnlyList<QueueRange> ranges, int batch,
        LatencyRecorder? pullLatency, Action<int>? onMessages, long deadline, CancellationToken ct)
    {
        long received = 0, errors = 0;
        string? firstError = null;
        var truncated = false;
        var start = Stopwatch.GetTimestamp();

        async Task Loop(QueueRange range)
        {
            var offset = range.From;
            var idle = 0;
            while (offset < range.To)
            {
                ct.ThrowIfCancellationRequested();
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    truncated = true;
                    return;
                }
                var t0 = Stopwatch.GetTimestamp();
                PullResult r;
                try
                {
                    r = await consumer.PullAsync(range.Queue, "*", offset, batch, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.GetBaseException().Message, null);
                    await Task.Delay(50, ct).ConfigureAwait(false);
                    continue;
                }
                pullLatency?.RecordTicks(Stopwatch.GetTimestamp() - t0);
                var n = r.Messages.Count;
                if (n > 0)
                {
                    Interlocked.Add(ref received, n);
                    onMessages?.Invoke(n);
                    idle = 0;
                }
                if (r.NextBeginOffset > offset) offset = r.NextBeginOffset;
                else if (n == 0)
                {
                    // Nothing readable yet below To (should not happen after acked sends): back off briefly.
                    if (++idle > 200)
                    {
                        Interlocked.CompareExchange(ref firstError, $"{range.Queue}: stuck at offset {offset} (status {r.Status}, max {r.MaxOffset})", null);
                        truncated = true;
                        return;
                    }
                    await Task.Delay(10, ct).ConfigureAwait(false);
                }
            }
        }

        await Task.WhenAll(ranges.Select(r => Task.Run(() => Loop(r), CancellationToken.None)));
        var secs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return new DrainRun(received, errors, secs, truncated, firstError);
    }
}
