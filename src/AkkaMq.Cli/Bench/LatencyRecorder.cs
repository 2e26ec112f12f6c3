using System.Diagnostics;
using System.Numerics;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// Thread-safe latency histogram in microseconds, HdrHistogram-style: exact below 256 us, then
/// 128 linear sub-buckets per power of two (relative error under 0.8%), up to long.MaxValue.
/// Fixed size (~58 KB), lock-free recording; percentiles can be read while recording.
/// </summary>
public sealed class LatencyRecorder
{
    private const int SubBits = 7;
    private const int SubCount = 1 << SubBits;      // 128 sub-buckets per power of two
    private const int LinearCount = 2 * SubCount;   // 0..255 us recorded exactly
    private const int BucketCount = LinearCount + (64 - (SubBits + 1)) * SubCount;

    public static readonly double TicksPerMicrosecond = Stopwatch.Frequency / 1_000_000.0;

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _max;

    public long Count => Volatile.Read(ref _count);
    public long Max => Volatile.Read(ref _max);

    /// <summary>Records a Stopwatch tick interval.</summary>
    public void RecordTicks(long ticks) => RecordMicros((long)(ticks / TicksPerMicrosecond));

    public void RecordMicros(long us)
    {
        if (us < 0) us = 0;
        Interlocked.Increment(ref _counts[Index(us)]);
        Interlocked.Increment(ref _count);
        var max = Volatile.Read(ref _max);
        while (us > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, us, max);
            if (seen == max) break;
            max = seen;
        }
    }

    private static int Index(long v)
    {
        if (v < LinearCount) return (int)v;
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)v); // >= 8
        var shift = exponent - SubBits;
        var sub = (int)(v >> shift) & (SubCount - 1);
        return LinearCount + (exponent - (SubBits + 1)) * SubCount + sub;
    }

    /// <summary>The largest value that falls into the bucket (HdrHistogram's highestEquivalentValue).</summary>
    private static long HighestEquivalent(int index)
    {
        if (index < LinearCount) return index;
        var k = index - LinearCount;
        var exponent = k / SubCount + SubBits + 1;
        var shift = exponent - SubBits;
        var low = (long)(SubCount + k % SubCount) << shift;
        return low + (1L << shift) - 1;
    }

    /// <summary>Value at quantile q (0..1): the smallest recorded value with at least ceil(q*n) values at or below it.</summary>
    public long Percentile(double q)
    {
        var total = Count;
        if (total == 0) return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(HighestEquivalent(i), Max);
        }
        return Max;
    }

    /// <summary>"{prefix}p50_us=.. {prefix}p99_us=.. {prefix}p999_us=.. {prefix}max_us=..", or zeros when nothing was recorded.</summary>
    public string Format(string prefix = "") =>
        $"{prefix}p50_us={Percentile(0.50)} {prefix}p99_us={Percentile(0.99)} {prefix}p999_us={Percentile(0.999)} {prefix}max_us={Max}";
}
