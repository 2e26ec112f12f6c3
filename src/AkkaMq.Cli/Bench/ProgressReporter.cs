using System.Diagnostics;

namespace AkkaMq.Cli.Bench;

/// <summary>One stderr line per second: rate and MiB/s over the last second, p99 so far, progress, errors.</summary>
public sealed class ProgressReporter : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProgressReporter(string label, int size, long target, Func<long> done, Func<long>? errors = null,
        LatencyRecorder? latency = null, string latencyLabel = "p99")
    {
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            var start = Stopwatch.GetTimestamp();
            var last = start;
            var lastDone = done();
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    var d = done();
                    var dt = (now - last) / (double)Stopwatch.Frequency;
                    var rate = (d - lastDone) / dt;
                    var line = $"[{label}] {(now - start) / (double)Stopwatch.Frequency,5:F0}s {rate,10:F0} msgs/s {rate * size / 1048576,8:F1} MiB/s";
                    if (latency != null) line += $"  {latencyLabel} {latency.Percentile(0.99),7} us";
                    line += $"  {d}/{target}";
                    if (errors != null) line += $"  errors {errors()}";
                    Console.Error.WriteLine(line);
                    last = now;
                    lastDone = d;
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
