using AkkaMq.Broker.Storage;

namespace AkkaMq.Broker.Tests.Storage;

/// <summary>The watermark decision on simulated readings: every state, every transition, the boundaries and the refusal text.</summary>
public sealed class DiskSpaceMonitorTests
{
    private const string Path = "/var/lib/akkamq/data";

    /// <summary>A reading of a 1,000,000-byte disk with this many thousandths used.</summary>
    private static DiskUsage Used(int thousandths) => new(thousandths * 1000L, (1000 - thousandths) * 1000L);

    private static DiskSpaceMonitor Monitor() => new(DiskSpaceSettings.Default, Path);

    [Theory]
    [InlineData(0, DiskPressure.Normal)]
    [InlineData(750, DiskPressure.Normal)] // exactly 75%: not over diskMaxUsedSpaceRatio
    [InlineData(751, DiskPressure.OverMaxUsed)]
    [InlineData(850, DiskPressure.OverMaxUsed)]
    [InlineData(851, DiskPressure.CleanForcibly)]
    [InlineData(900, DiskPressure.CleanForcibly)] // exactly 90%: sends still taken
    [InlineData(901, DiskPressure.WritesRefused)]
    [InlineData(1000, DiskPressure.WritesRefused)]
    public void Each_watermark_is_crossed_only_when_use_is_over_it(int thousandths, DiskPressure expected) =>
        Assert.Equal(expected, Monitor().Classify(Used(thousandths)));

    [Fact]
    public void Every_transition_up_and_down_is_one_change_naming_the_previous_state()
    {
        var monitor = Monitor();
        var steps = new (int Thousandths, DiskPressure Pressure)[]
        {
            (500, DiskPressure.Normal), (800, DiskPressure.OverMaxUsed), (870, DiskPressure.CleanForcibly),
            (930, DiskPressure.WritesRefused), (880, DiskPressure.CleanForcibly), (780, DiskPressure.OverMaxUsed),
            (400, DiskPressure.Normal), (990, DiskPressure.WritesRefused), (100, DiskPressure.Normal),
        };
        var previous = DiskPressure.Normal;
        for (var i = 0; i < steps.Length; i++)
        {
            var (thousandths, pressure) = steps[i];
            var changed = monitor.Update(Used(thousandths), out var was);
            Assert.Equal(pressure, monitor.Current!.Pressure);
            Assert.Equal(previous, was);
            // The first reading (Normal) is no change: the broker starts out Normal.
            Assert.Equal(i > 0, changed);
            previous = pressure;
        }
    }

    [Fact]
    public void A_reading_in_the_same_state_is_no_change_but_updates_the_use()
    {
        var monitor = Monitor();
        Assert.True(monitor.Update(Used(920), out _));
        Assert.False(monitor.Update(Used(960), out var was));
        Assert.Equal(DiskPressure.WritesRefused, was);
        Assert.Equal(96, monitor.Current!.Usage.UsedPercent);
        Assert.Equal($"disk full: {Path} is 96% used, over diskSpaceWarningLevelRatio 90%", monitor.Current.RefusalError);
    }

    [Fact]
    public void A_first_reading_over_a_watermark_is_a_change_from_Normal()
    {
        var monitor = Monitor();
        Assert.Null(monitor.Current);
        Assert.True(monitor.Update(Used(860), out var was));
        Assert.Equal(DiskPressure.Normal, was);
        Assert.Equal(DiskPressure.CleanForcibly, monitor.Current!.Pressure);
    }

    [Fact]
    public void Only_the_warning_level_refuses_writes_and_its_error_names_the_disk_its_use_and_the_setting()
    {
        var monitor = Monitor();
        monitor.Update(Used(899), out _);
        Assert.False(monitor.Current!.RefusesWrites);
        Assert.Null(monitor.Current.RefusalError);
        monitor.Update(Used(925), out _);
        Assert.True(monitor.Current!.RefusesWrites);
        // 92.5% is reported rounded up, as df does.
        Assert.Equal($"disk full: {Path} is 93% used, over diskSpaceWarningLevelRatio 90%", monitor.Current.RefusalError);
        Assert.StartsWith(monitor.Current.RefusalError!, monitor.Current.Describe());
    }

    [Fact]
    public void Custom_watermarks_are_honoured()
    {
        var monitor = new DiskSpaceMonitor(new DiskSpaceSettings(50, 60, 70, TimeSpan.FromSeconds(1)), Path);
        Assert.Equal(DiskPressure.OverMaxUsed, monitor.Classify(Used(550)));
        Assert.Equal(DiskPressure.CleanForcibly, monitor.Classify(Used(650)));
        Assert.Equal(DiskPressure.WritesRefused, monitor.Classify(Used(710)));
        monitor.Update(Used(710), out _);
        Assert.Equal($"disk full: {Path} is 71% used, over diskSpaceWarningLevelRatio 70%", monitor.Current!.RefusalError);
    }

    [Fact]
    public void Use_counts_as_df_does_and_an_empty_reading_is_full()
    {
        // 1 byte over 90% of what a writer can use rounds up to 91%.
        Assert.Equal(91, new DiskUsage(900_001, 99_999).UsedPercent);
        Assert.Equal(90, new DiskUsage(900_000, 100_000).UsedPercent);
        Assert.Equal(0.9, new DiskUsage(900_000, 100_000).UsedRatio, 6);
        Assert.Equal(100, new DiskUsage(0, 0).UsedPercent);
        Assert.Equal(DiskPressure.WritesRefused, Monitor().Classify(new DiskUsage(0, 0)));
    }

    [Fact]
    public void The_real_probe_reads_the_file_system_of_a_directory_not_made_yet()
    {
        using var dir = new TempDirectory();
        var usage = FileSystemProbe.Instance.Read(dir.Path);
        Assert.True(usage.TotalBytes > 0, $"total {usage.TotalBytes}");
        Assert.InRange(usage.UsedRatio, 0, 1);
        var drive = new DriveInfo(dir.Path);
        Assert.Equal(drive.TotalSize - drive.TotalFreeSpace + drive.AvailableFreeSpace, usage.TotalBytes, (double)(64L << 20));
        var notYet = FileSystemProbe.Instance.Read(System.IO.Path.Combine(dir.Path, "data", "deeper"));
        Assert.Equal(usage.TotalBytes, notYet.TotalBytes, (double)(64L << 20));
    }
}
