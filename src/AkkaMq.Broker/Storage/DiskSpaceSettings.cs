using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Storage;

/// <summary>
/// Disk watermarks of the data directory's file system, read from <c>akkamq.broker</c> with
/// RocketMQ's names and defaults (percent of the file system used). Invariant:
/// 1 &lt;= DiskMaxUsedSpaceRatio &lt;= DiskSpaceCleanForciblyRatio &lt;= DiskSpaceWarningLevelRatio &lt;= 99.
/// </summary>
/// <param name="DiskMaxUsedSpaceRatio">Over it the oldest messages are deleted first, before their time.</param>
/// <param name="DiskSpaceCleanForciblyRatio">Over it deletion goes harder.</param>
/// <param name="DiskSpaceWarningLevelRatio">Over it sends are refused ("disk full") until use falls back to it.</param>
/// <param name="CheckInterval">How often the file system is asked; zero turns the watch off.</param>
public sealed record DiskSpaceSettings(int DiskMaxUsedSpaceRatio, int DiskSpaceCleanForciblyRatio, int DiskSpaceWarningLevelRatio, TimeSpan CheckInterval)
{
    public const string MaxUsedKey = "diskMaxUsedSpaceRatio";
    public const string CleanForciblyKey = "diskSpaceCleanForciblyRatio";
    public const string WarningLevelKey = "diskSpaceWarningLevelRatio";
    public const string CheckIntervalKey = "disk-check-interval";

    public static readonly DiskSpaceSettings Default = new(75, 85, 90, TimeSpan.FromSeconds(1));

    /// <summary>Reads and checks the keys of <c>akkamq.broker</c>; a bad value throws naming its key.</summary>
    public static DiskSpaceSettings Create(Config brokerConfig)
    {
        const string p = "akkamq.broker.";
        var maxUsed = Ratio(brokerConfig, MaxUsedKey);
        var forcibly = Ratio(brokerConfig, CleanForciblyKey);
        var warning = Ratio(brokerConfig, WarningLevelKey);
        if (forcibly < maxUsed)
            throw new ConfigurationException($"{p}{CleanForciblyKey} ({forcibly}) must not be below {p}{MaxUsedKey} ({maxUsed})");
        if (warning < forcibly)
            throw new ConfigurationException($"{p}{WarningLevelKey} ({warning}) must not be below {p}{CleanForciblyKey} ({forcibly})");
        TimeSpan interval;
        try { interval = brokerConfig.GetTimeSpan(CheckIntervalKey); }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{p}{CheckIntervalKey}: {e.Message}");
        }
        if (interval < TimeSpan.Zero) throw new ConfigurationException($"{p}{CheckIntervalKey} must not be negative, not {interval}");
        return new DiskSpaceSettings(maxUsed, forcibly, warning, interval);

        static int Ratio(Config c, string key)
        {
            var text = c.GetString(key);
            if (!int.TryParse(text, out var v) || v is < 1 or > 99)
                throw new ConfigurationException($"{p}{key} must be a whole percent from 1 to 99, not '{text}'");
            return v;
        }
    }

    /// <summary>
    /// The directory whose file system holds the journal: the data directory, or the folder of the
    /// SQLite file a connection string names; null when no local file holds it (PostgreSQL, in-memory).
    /// </summary>
    public static string? DataPath(StoreSettings store)
    {
        if (store.Journal != "sqlite") return null;
        if (string.IsNullOrWhiteSpace(store.ConnectionString)) return Path.GetFullPath(store.DataDir);
        var b = new SqliteConnectionStringBuilder(store.ConnectionString);
        var source = b.DataSource;
        if (b.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(source) || source == ":memory:" || source.Contains("mode=memory", StringComparison.Ordinal))
            return null;
        if (source.StartsWith("file:", StringComparison.Ordinal)) source = source[5..].Split('?')[0];
        return Path.GetDirectoryName(Path.GetFullPath(source));
    }
}
