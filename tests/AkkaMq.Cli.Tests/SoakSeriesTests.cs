using AkkaMq.Cli.Bench;

namespace AkkaMq.Cli.Tests;

/// <summary>The plain parts of `bench soak`: pacing, the CSV row, /proc parsing, directory bytes, plateau figures.</summary>
public sealed class SoakSeriesTests
{
    [Fact]
    public void The_pacer_releases_one_send_per_rate_interval_and_never_more_than_the_total()
    {
        var pacer = new RatePacer(ratePerSecond: 1000, total: 2500, ticksPerSecond: 1_000_000);
        Assert.Equal(0, pacer.Due(-5));
        Assert.Equal(1, pacer.Due(0));          // the first send is due at once
        Assert.Equal(1, pacer.Due(999));
        Assert.Equal(2, pacer.Due(1000));
        Assert.Equal(1001, pacer.Due(1_000_000)); // a second in: rate x 1 s, plus the one at 0
        Assert.Equal(2500, pacer.Due(10_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RatePacer(0, 10, 1000));
    }

    [Fact]
    public void A_row_has_the_header_s_columns_and_reads_back()
    {
        var s = new SoakSample(12.34, 1000, 700, 250, 2048, 500, 490, 2, 480, 100, 500);
        var row = SoakCsv.Row(s);
        Assert.Equal("12.3,1000,700,250,2048,500,490,2,480,100,500,400", row);
        Assert.Equal(SoakCsv.Header.Split(',').Length, row.Split(',').Length);
        Assert.Equal(s with { ElapsedSeconds = 12.3 }, SoakCsv.Parse(row));
        Assert.Throws<FormatException>(() => SoakCsv.Parse("1,2,3"));
        Assert.Equal(-1, (s with { MinOffsets = -1 }).Retained);
    }

    [Fact]
    public void VmRSS_is_read_from_a_tab_separated_status_line()
    {
        const string status = "Name:\tdotnet\nVmHWM:\t  300000 kB\nVmRSS:\t  123456 kB\nThreads:\t40\n";
        Assert.Equal(123456, SoakProbe.ParseVmRss(status));
        Assert.Equal(-1, SoakProbe.ParseVmRss("Name:\tdotnet\n"));
        Assert.Equal(-1, SoakProbe.RssKib(0));
        if (OperatingSystem.IsLinux()) Assert.True(SoakProbe.RssKib(Environment.ProcessId) > 0);
    }

    [Fact]
    public void Directory_bytes_count_every_file_and_split_out_the_database_and_its_wal()
    {
        var dir = Path.Combine(Path.GetTempPath(), "akkamq-soak-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "snapshots"));
            File.WriteAllBytes(Path.Combine(dir, "akkamq.db"), new byte[4096]);
            File.WriteAllBytes(Path.Combine(dir, "akkamq.db-wal"), new byte[1000]);
            File.WriteAllBytes(Path.Combine(dir, "akkamq.db-shm"), new byte[32]);
            File.WriteAllBytes(Path.Combine(dir, "snapshots", "s1"), new byte[7]);
            Assert.Equal((4096 + 1000 + 32 + 7, 4096, 1000), SoakProbe.DirectoryBytes(dir));
            Assert.Equal((0L, 0L, 0L), SoakProbe.DirectoryBytes(Path.Combine(dir, "missing")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_summary_compares_the_early_window_with_the_late_one()
    {
        // 20 minutes: grows to 100 by minute 4, then flat at 100 with one late bump to 102.
        var samples = Enumerable.Range(0, 121).Select(i =>
        {
            var t = i * 10.0;
            var data = t < 240 ? (long)(t / 240 * 100) : t == 900 ? 102 : 100;
            return new SoakSample(t, data * 1048576, 0, 0, 1024 * 200, 0, 0, 0, 0, 0, 0);
        }).ToList();
        Assert.Equal(100 * 1048576, SoakSummary.MaxIn(samples, 240, 600, s => s.DataBytes));
        Assert.Equal(102 * 1048576, SoakSummary.MaxIn(samples, 600, 1201, s => s.DataBytes));
        Assert.Equal(-1, SoakSummary.MaxIn(samples, 5000, 6000, s => s.DataBytes));
        var line = SoakSummary.Describe(samples);
        Assert.Contains("data_MiB max[240s,600s)=100.0 max[600s,1200s]=102.0 ratio=1.020", line);
        Assert.Contains("rss_MiB max[240s,600s)=200.0 max[600s,1200s]=200.0 ratio=1.000", line);
    }
}
