namespace AkkaMq.Broker.Storage;

/// <summary>The data directory's disk against the watermarks, from least to most pressed (RocketMQ's CleanCommitLogService).</summary>
public enum DiskPressure
{
    /// <summary>At or below diskMaxUsedSpaceRatio.</summary>
    Normal,
    /// <summary>Over diskMaxUsedSpaceRatio: delete the oldest messages first, across queues, before their time.</summary>
    OverMaxUsed,
    /// <summary>Over diskSpaceCleanForciblyRatio: delete harder.</summary>
    CleanForcibly,
    /// <summary>Over diskSpaceWarningLevelRatio: sends are refused ("disk full"); pulls and queries go on.</summary>
    WritesRefused,
}

/// <summary>
/// Space of one file system as <c>df</c> counts it: Used is taken (total minus free), Available is
/// what a non-root writer may still take. Root's reserve counts as neither, as in df's Use%.
/// </summary>
public readonly record struct DiskUsage(long UsedBytes, long AvailableBytes)
{
    public long TotalBytes => UsedBytes + AvailableBytes;

    /// <summary>Used over used plus available (df's Use%, RocketMQ's getDiskPartitionSpaceUsedPercent); 1 when nothing is left.</summary>
    public double UsedRatio => TotalBytes <= 0 ? 1 : (double)UsedBytes / TotalBytes;

    /// <summary>The used ratio in whole percent, rounded up as df and RocketMQ do: over N% exactly when the ratio is over N/100.</summary>
    public int UsedPercent => TotalBytes <= 0 ? 100 : (int)((UsedBytes * 100 + TotalBytes - 1) / TotalBytes);
}

/// <summary>Reads the space of the file system holding a path; tests pass a simulated one.</summary>
public interface IDiskSpaceProbe
{
    DiskUsage Read(string path);
}

/// <summary>The real file system: statvfs of the path (DriveInfo), or of its nearest existing parent.</summary>
public sealed class FileSystemProbe : IDiskSpaceProbe
{
    public static readonly FileSystemProbe Instance = new();

    public DiskUsage Read(string path)
    {
        var dir = new DirectoryInfo(path);
        // The data directory may not exist yet: the file system it will be made on is the one that counts.
        while (!dir.Exists && dir.Parent != null) dir = dir.Parent;
        var drive = new DriveInfo(dir.FullName);
        var used = drive.TotalSize - drive.TotalFreeSpace;
        return new DiskUsage(used, drive.AvailableFreeSpace);
    }
}

/// <summary>One reading of the data directory's disk and the state it puts the broker in.</summary>
public sealed record DiskSpaceState(DiskPressure Pressure, string Path, DiskUsage Usage, DiskSpaceSettings Settings)
{
    public bool RefusesWrites => Pressure == DiskPressure.WritesRefused;

    /// <summary>The refusal every send gets while <see cref="RefusesWrites"/>; built once per state, not per send.</summary>
    public string? RefusalError { get; } = Pressure == DiskPressure.WritesRefused
        ? $"disk full: {Path} is {Usage.UsedPercent}% used, over {DiskSpaceSettings.WarningLevelKey} {Settings.DiskSpaceWarningLevelRatio}%"
        : null;

    /// <summary>One line for the log and /health: the disk, its use and the watermark it is over.</summary>
    public string Describe() => Pressure switch
    {
        DiskPressure.WritesRefused => $"{RefusalError}; sends are refused until it is back to {Settings.DiskSpaceWarningLevelRatio}%, pulls and queries go on",
        DiskPressure.CleanForcibly => $"{Path} is {Usage.UsedPercent}% used, over {DiskSpaceSettings.CleanForciblyKey} {Settings.DiskSpaceCleanForciblyRatio}%",
        DiskPressure.OverMaxUsed => $"{Path} is {Usage.UsedPercent}% used, over {DiskSpaceSettings.MaxUsedKey} {Settings.DiskMaxUsedSpaceRatio}%",
        _ => $"{Path} is {Usage.UsedPercent}% used, at most {DiskSpaceSettings.MaxUsedKey} {Settings.DiskMaxUsedSpaceRatio}%",
    };
}

/// <summary>
/// Decides the <see cref="DiskPressure"/> of the data directory's disk from a reading, as RocketMQ
/// does, without hysteresis: over a watermark (strictly) means that state, and back at or below it
/// the state falls at the next reading. The first reading counts as a change only when not Normal.
/// </summary>
public sealed class DiskSpaceMonitor
{
    private readonly DiskSpaceSettings _settings;
    private readonly string _path;

    public DiskSpaceMonitor(DiskSpaceSettings settings, string path)
    {
        _settings = settings;
        _path = path;
    }

    /// <summary>The last reading's state; null before the first.</summary>
    public DiskSpaceState? Current { get; private set; }

    public DiskPressure Classify(DiskUsage usage)
    {
        var percent = usage.UsedPercent;
        if (percent > _settings.DiskSpaceWarningLevelRatio) return DiskPressure.WritesRefused;
        if (percent > _settings.DiskSpaceCleanForciblyRatio) return DiskPressure.CleanForcibly;
        if (percent > _settings.DiskMaxUsedSpaceRatio) return DiskPressure.OverMaxUsed;
        return DiskPressure.Normal;
    }

    /// <summary>Takes a reading; true when the state changed (log it and tell the subscribers), with the previous pressure.</summary>
    public bool Update(DiskUsage usage, out DiskPressure previous)
    {
        previous = Current?.Pressure ?? DiskPressure.Normal;
        var pressure = Classify(usage);
        Current = new DiskSpaceState(pressure, _path, usage, _settings);
        return pressure != previous;
    }
}
