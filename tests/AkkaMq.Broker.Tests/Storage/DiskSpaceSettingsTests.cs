using Akka.Configuration;
using AkkaMq.Broker.Storage;

namespace AkkaMq.Broker.Tests.Storage;

/// <summary>The watermark settings: RocketMQ's defaults, and a bad value refused naming its key.</summary>
public sealed class DiskSpaceSettingsTests
{
    private static BrokerSettings Broker(string hocon) => BrokerSettings.Create(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void The_defaults_are_RocketMQs_and_the_check_runs_every_second()
    {
        var disk = Broker("").Disk;
        Assert.Equal(DiskSpaceSettings.Default, disk);
        Assert.Equal((75, 85, 90), (disk.DiskMaxUsedSpaceRatio, disk.DiskSpaceCleanForciblyRatio, disk.DiskSpaceWarningLevelRatio));
        Assert.Equal(TimeSpan.FromSeconds(1), disk.CheckInterval);
    }

    [Fact]
    public void The_keys_are_read()
    {
        var disk = Broker("""
            akkamq.broker { diskMaxUsedSpaceRatio = 60, diskSpaceCleanForciblyRatio = 70, diskSpaceWarningLevelRatio = 80, disk-check-interval = 250ms }
            """).Disk;
        Assert.Equal(new DiskSpaceSettings(60, 70, 80, TimeSpan.FromMilliseconds(250)), disk);
        Assert.Equal(TimeSpan.Zero, Broker("akkamq.broker.disk-check-interval = 0s").Disk.CheckInterval);
    }

    [Theory]
    [InlineData("diskMaxUsedSpaceRatio = 0", "akkamq.broker.diskMaxUsedSpaceRatio must be a whole percent from 1 to 99, not '0'")]
    [InlineData("diskSpaceWarningLevelRatio = 100", "akkamq.broker.diskSpaceWarningLevelRatio must be a whole percent from 1 to 99, not '100'")]
    [InlineData("diskSpaceCleanForciblyRatio = 85.5", "akkamq.broker.diskSpaceCleanForciblyRatio must be a whole percent from 1 to 99, not '85.5'")]
    [InlineData("diskMaxUsedSpaceRatio = lots", "akkamq.broker.diskMaxUsedSpaceRatio must be a whole percent from 1 to 99, not 'lots'")]
    [InlineData("diskMaxUsedSpaceRatio = 88", "akkamq.broker.diskSpaceCleanForciblyRatio (85) must not be below akkamq.broker.diskMaxUsedSpaceRatio (88)")]
    [InlineData("diskSpaceWarningLevelRatio = 80", "akkamq.broker.diskSpaceWarningLevelRatio (80) must not be below akkamq.broker.diskSpaceCleanForciblyRatio (85)")]
    [InlineData("disk-check-interval = -1s", "akkamq.broker.disk-check-interval")]
    [InlineData("disk-check-interval = often", "akkamq.broker.disk-check-interval:")]
    public void A_bad_value_is_refused_naming_its_key(string setting, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Broker("akkamq.broker." + setting));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_watched_directory_is_the_one_holding_the_SQLite_file_and_none_without_one()
    {
        Assert.Equal(Path.GetFullPath("data"), DiskSpaceSettings.DataPath(new StoreSettings("data", "sqlite", "")));
        Assert.Equal("/srv/mq", DiskSpaceSettings.DataPath(new StoreSettings("data", "sqlite", "Data Source=/srv/mq/akkamq.db")));
        Assert.Null(DiskSpaceSettings.DataPath(new StoreSettings("data", "sqlite", "Data Source=:memory:")));
        Assert.Null(DiskSpaceSettings.DataPath(new StoreSettings("data", "sqlite", "Data Source=x;Mode=Memory;Cache=Shared")));
        Assert.Null(DiskSpaceSettings.DataPath(new StoreSettings("data", "postgresql", "Host=db")));
    }
}
