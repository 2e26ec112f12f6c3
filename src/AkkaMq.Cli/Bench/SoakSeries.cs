using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// Sends due by a point in time at a steady rate: message n (0-based) is due at n / rate seconds, so
/// a sender that fell behind catches up in a burst and one that is ahead waits.
/// </summary>
public sealed class RatePacer
{
    private readonly double _ticksPerMessage;
    private readonly long _total;

    public RatePacer(int ratePerSecond, long total, long ticksPerSecond)
    {
        if (ratePerSecond < 1) throw new ArgumentOutOfRangeException(nameof(ratePerSecond), "the rate must be at least 1 msg/s");
        _ticksPerMessage = ticksPerSecond / (double)ratePerSecond;
        _total = total;
    }

    /// <summary>How many sends should have started once elapsedTicks have passed (never more than the total).</summary>
    public long Due(long elapsedTicks) => elapsedTicks < 0 ? 0 : Math.Min(_total, (long)(elapsedTicks / _ticksPerMessage) + 1);
}

/// <summary>One row of a soak series: where the run stood, what the data directory held, what the node used.</summary>
public readonly record struct SoakSample(
    double ElapsedSeconds,
    long DataBytes,
    long DbBytes,
    long WalBytes,
    long RssKib,
    long Sent,
    long Acked,
    long Errors,
    long Received,
    long MinOffsets,
    long MaxOffsets)
{
    /// <summary>Messages the queues still hold (sum of max - min offsets); -1 when the offsets were not read.</summary>
    public long Retained => MinOffsets < 0 || MaxOffsets < 0 ? -1 : MaxOffsets - MinOffsets;
}

/// <summary>The soak series as CSV (invariant culture, one header line; -1 = not measured).</summary>
public static class SoakCsv
{
    public const string Header = "elapsed_s,data_bytes,db_bytes,wal_bytes,rss_kib,sent,acked,errors,received,min_offsets,max_offsets,retained";

    public static string Row(SoakSample s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.ElapsedSeconds:F1},{s.DataBytes},{s.DbBytes},{s.WalBytes},{s.RssKib},{s.Sent},{s.Acked},{s.Errors},{s.Received},{s.MinOffsets},{s.MaxOffsets},{s.Retained}");

    /// <summary>Parses a row written by <see cref="Row"/> (for checks and summaries).</summary>
    public static SoakSample Parse(string line)
    {
        var f = line.Split(',');
        if (f.Length != 12) throw new FormatException($"a soak row has 12 fields, not {f.Length}: {line}");
        long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return new SoakSample(double.Parse(f[0], CultureInfo.InvariantCulture), L(1), L(2), L(3), L(4), L(5), L(6), L(7), L(8), L(9), L(10));
    }
}

/// <summary>What a soak samples from outside the node: data directory bytes and the node's resident set.</summary>
public static class SoakProbe
{
    /// <summary>
    /// Bytes of every file under dir (the journal, its -wal and -shm, snapshots): total, and the
    /// SQLite database files (*.db, *.sqlite) and their WALs (*-wal) among them. Files that vanish
    /// while listed are skipped.
    /// </summary>
    public static (long Total, long Db, long Wal) DirectoryBytes(string dir)
    {
        long total = 0, db = 0, wal = 0;
        if (!Directory.Exists(dir)) return (0, 0, 0);
        foreach (var path in Directory.EnumerateFiles(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
        {
            long length;
            try
            {
                length = new FileInfo(path).Length;
            }
            catch (IOException)
            {
                continue;
            }
            total += length;
            if (path.EndsWith("-wal", StringComparison.Ordinal)) wal += length;
            else if (path.EndsWith(".db", StringComparison.Ordinal) || path.EndsWith(".sqlite", StringComparison.Ordinal)) db += length;
        }
        return (total, db, wal);
    }

    /// <summary>VmRSS of a process in KiB from /proc/pid/status; -1 when unknown (not Linux, gone, no pid).</summary>
    public static long RssKib(int pid)
    {
        if (pid <= 0) return -1;
        try
        {
            return ParseVmRss(File.ReadAllText($"/proc/{pid}/status"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>The VmRSS line of a /proc/pid/status text ("VmRSS:   123456 kB"), in KiB; -1 if absent.</summary>
    public static long ParseVmRss(string status)
    {
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var parts = line["VmRSS:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : -1;
        }
        return -1;
    }
}

/// <summary>Plateau figures of a series: the largest value in an early window against the largest in a late one.</summary>
public static class SoakSummary
{
    /// <summary>Max of selector over samples with fromSeconds &lt;= elapsed &lt; toSeconds; -1 when none (or none measured).</summary>
    public static long MaxIn(IReadOnlyList<SoakSample> samples, double fromSeconds, double toSeconds, Func<SoakSample, long> selector)
    {
        long max = -1;
        foreach (var s in samples)
            if (s.ElapsedSeconds >= fromSeconds && s.ElapsedSeconds < toSeconds) max = Math.Max(max, selector(s));
        return max;
    }

    /// <summary>One line: "name early_max late_max ratio" for the windows [4, half) and [half, end] minutes.</summary>
    public static string Describe(IReadOnlyList<SoakSample> samples)
    {
        if (samples.Count == 0) return "no samples";
        var end = samples[^1].ElapsedSeconds;
        var half = end / 2;
        var early = Math.Min(240, half / 2);
        var sb = new StringBuilder();
        foreach (var (name, sel, unit) in new (string, Func<SoakSample, long>, double)[]
                 { ("data_MiB", s => s.DataBytes, 1048576.0), ("db_MiB", s => s.DbBytes, 1048576.0), ("wal_MiB", s => s.WalBytes, 1048576.0), ("rss_MiB", s => s.RssKib, 1024.0) })
        {
            var a = MaxIn(samples, early, half, sel);
            var b = MaxIn(samples, half, end + 1, sel);
            sb.Append(CultureInfo.InvariantCulture, $"{name} max[{early:F0}s,{half:F0}s)={a / unit:F1} max[{half:F0}s,{end:F0}s]={b / unit:F1}");
            sb.Append(a > 0 ? string.Create(CultureInfo.InvariantCulture, $" ratio={b / (double)a:F3}; ") : "; ");
        }
        return sb.ToString().TrimEnd(' ', ';');
    }
}
