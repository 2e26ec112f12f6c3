using System.Diagnostics;
using AkkaMq.Client;
using AkkaMq.Protocol;

namespace AkkaMq.Cli.Bench;

public enum SendMode { Sync, Async, Oneway }

/// <summary>Live counters of a send run, read by the progress reporter.</summary>
public sealed class SendCounters
{
    public long Completed;
    public long Errors;
    public string? FirstError;

    public void Fail(Exception e)
    {
        Interlocked.Increment(ref Errors);
        Interlocked.CompareExchange(ref FirstError, e.GetBaseException().Message, null);
    }
}

public readonly record struct SendRun(long Completed, long Errors, double Seconds, bool Truncated);

/// <summary>
/// Closed-loop sending: exactly `inflight` sends outstanding, each completion starting the next,
/// until `count` completed (or the deadline). Sync: `inflight` workers awaiting SendAsync; async:
/// `inflight` callback chains over Send(msg, callback); latency = send call to ack. Oneway: one
/// thread calling SendOneway (no ack, no latency); the rate of calls is what is measured.
/// </summary>
public static class SendLoop
{
    public static Task<SendRun> RunAsync(AkkaMqProducer producer, string topic, byte[] body, SendMode mode, int inflight, long count,
        LatencyRecorder? latency, SendCounters counters, long deadline, CancellationToken ct, bool keyed = false) =>
        RunAsync(producer, new[] { topic }, body, mode, inflight, count, latency, counters, deadline, ct, keyed);

    /// <summary>As above, the n-th send going to topics[n % topics.Length] (bench produce --topics).</summary>
    /// <param name="send">Sync mode: sends one message instead of producer.SendAsync (bench produce --transaction).</param>
    public static Task<SendRun> RunAsync(AkkaMqProducer producer, string[] topics, byte[] body, SendMode mode, int inflight, long count,
        LatencyRecorder? latency, SendCounters counters, long deadline, CancellationToken ct, bool keyed = false,
        Func<Message, CancellationToken, Task>? send = null) => mode switch
    {
        SendMode.Sync => SyncAsync(send ?? producer.SendAsync, topics, body, inflight, count, latency, counters, deadline, ct, keyed),
        SendMode.Async => AsyncAsync(producer, topics, body, inflight, count, latency, counters, deadline, ct),
        _ => OnewayAsync(producer, topics, body, count, counters, deadline, ct),
    };

    private static async Task<SendRun> SyncAsync(Func<Message, CancellationToken, Task> send, string[] topics, byte[] body, int inflight, long count,
        LatencyRecorder? latency, SendCounters counters, long deadline, CancellationToken ct, bool keyed)
    {
        long next = -1;
        var start = Stopwatch.GetTimestamp();

        async Task Worker()
        {
            while (!ct.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= count) break;
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    // --keys: a unique key per message, so the broker's key index works on every one.
                    await send(new Message(topics[n % topics.Length], body, keys: keyed ? "key-" + n : null), ct).ConfigureAwait(false);
                    latency?.RecordTicks(Stopwatch.GetTimestamp() - t0);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
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
        return Finish(start, count, counters);
    }

    private static async Task<SendRun> AsyncAsync(AkkaMqProducer producer, string[] topics, byte[] body, int inflight, long count,
        LatencyRecorder? latency, SendCounters counters, long deadline, CancellationToken ct)
    {
        long next = -1;
        var chains = Math.Max(1, (int)Math.Min(inflight, count));
        var active = chains;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = Stopwatch.GetTimestamp();

        void StartNext()
        {
            long n;
            if (ct.IsCancellationRequested || Stopwatch.GetTimestamp() >= deadline || (n = Interlocked.Increment(ref next)) >= count)
            {
                if (Interlocked.Decrement(ref active) == 0) done.TrySetResult();
                return;
            }
            var t0 = Stopwatch.GetTimestamp();
            producer.Send(new Message(topics[n % topics.Length], body), (_, error) =>
            {
                if (error == null) latency?.RecordTicks(Stopwatch.GetTimestamp() - t0);
                else counters.Fail(error);
                Interlocked.Increment(ref counters.Completed);
                StartNext(); // runs on a thread-pool thread: no recursion on one stack
            });
        }

        for (var i = 0; i < chains; i++) StartNext();
        await done.Task;
        ct.ThrowIfCancellationRequested();
        return Finish(start, count, counters);
    }

    private static async Task<SendRun> OnewayAsync(AkkaMqProducer producer, string[] topics, byte[] body, long count,
        SendCounters counters, long deadline, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        await Task.Factory.StartNew(() =>
        {
            for (long i = 0; i < count; i++)
            {
                if ((i & 1023) == 0 && (ct.IsCancellationRequested || Stopwatch.GetTimestamp() >= deadline)) break;
                producer.SendOneway(new Message(topics[i % topics.Length], body));
                Interlocked.Increment(ref counters.Completed);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        ct.ThrowIfCancellationRequested();
        return Finish(start, count, counters);
    }

    private static SendRun Finish(long start, long count, SendCounters counters)
    {
        var secs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var completed = Volatile.Read(ref counters.Completed);
        return new SendRun(completed, Volatile.Read(ref counters.Errors), secs, completed < count);
    }
}
