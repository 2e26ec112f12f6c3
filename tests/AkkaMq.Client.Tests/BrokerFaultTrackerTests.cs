using Akka.Configuration;
using AkkaMq.Client;
using Xunit;

namespace AkkaMq.Client.Tests;

public class BrokerFaultTrackerTests
{
    private long _now = 1_000_000;

    private BrokerFaultTracker Tracker(FaultAvoidanceSettings? settings = null) =>
        new(settings ?? FaultAvoidanceSettings.Default with { SendLatencyFaultEnable = true }, () => _now);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(49, 0)]
    [InlineData(100, 0)]
    [InlineData(549, 0)]
    [InlineData(550, 30000)]
    [InlineData(999, 30000)]
    [InlineData(1000, 60000)]
    [InlineData(2000, 120000)]
    [InlineData(3000, 180000)]
    [InlineData(14999, 180000)]
    [InlineData(15000, 600000)]
    [InlineData(100000, 600000)]
    public void The_latency_of_a_send_maps_to_RocketMQs_not_available_duration(long latency, long duration) =>
        Assert.Equal(duration, Tracker().NotAvailableDuration(latency));

    [Fact]
    public void A_fast_send_leaves_the_broker_available()
    {
        var t = Tracker();
        t.UpdateFaultItem("broker-a", 20, isolation: false);
        Assert.True(t.IsAvailable("broker-a", _now));
    }

    [Fact]
    public void A_slow_send_keeps_the_broker_avoided_for_its_duration_and_no_longer()
    {
        var t = Tracker();
        t.UpdateFaultItem("broker-a", 1200, isolation: false);
        Assert.False(t.IsAvailable("broker-a", _now));
        Assert.False(t.IsAvailable("broker-a", _now + 59_999));
        Assert.True(t.IsAvailable("broker-a", _now + 60_000));
        Assert.True(t.IsAvailable("broker-b", _now));
    }

    [Fact]
    public void A_failed_send_counts_as_the_slowest()
    {
        var t = Tracker();
        t.BrokerFailed("broker-a");
        Assert.False(t.IsAvailable("broker-a", _now + 599_999));
        Assert.True(t.IsAvailable("broker-a", _now + 600_000));
    }

    [Fact]
    public void By_default_as_in_RocketMQ_a_slow_send_avoids_nothing_but_a_failed_one_isolates()
    {
        var t = new BrokerFaultTracker(FaultAvoidanceSettings.Default, () => _now);
        t.UpdateFaultItem("broker-a", 20_000, isolation: false);
        Assert.True(t.IsAvailable("broker-a", _now));
        t.BrokerFailed("broker-b");
        Assert.False(t.IsAvailable("broker-b", _now));
        Assert.False(ClientSettings.Create(ConfigurationFactory.Empty).Producer.FaultAvoidance.SendLatencyFaultEnable);
    }

    [Fact]
    public void A_failed_broker_is_isolated_until_a_probe_finds_it_answering()
    {
        var t = Tracker();
        t.BrokerFailed("broker-a");
        t.UpdateFaultItem("broker-b", 1200, isolation: false);
        Assert.Equal(new[] { "broker-a" }, t.IsolatedBrokers(_now));   // a slow broker waits out its time, unprobed
        Assert.True(t.Reachable("broker-a"));
        Assert.True(t.IsAvailable("broker-a", _now));
        Assert.Empty(t.IsolatedBrokers(_now));
        Assert.False(t.Reachable("broker-b"));
        Assert.False(t.IsAvailable("broker-b", _now));
    }

    [Fact]
    public void An_isolated_broker_whose_time_ran_out_or_that_sent_again_is_no_longer_probed()
    {
        var t = Tracker();
        t.BrokerFailed("broker-a");
        t.BrokerFailed("broker-b");
        t.UpdateFaultItem("broker-b", 10, isolation: false);
        Assert.Equal(new[] { "broker-a" }, t.IsolatedBrokers(_now));
        Assert.Empty(t.IsolatedBrokers(_now + 600_000));
    }

    [Fact]
    public void The_latest_send_decides_so_a_fast_one_lets_an_avoided_broker_back()
    {
        var t = Tracker();
        t.BrokerFailed("broker-a");
        _now += 1000;
        t.UpdateFaultItem("broker-a", 10, isolation: false);
        Assert.True(t.IsAvailable("broker-a", _now));
    }

    [Fact]
    public void The_avoidance_starts_when_the_latency_is_recorded()
    {
        var t = Tracker();
        _now += 5000;
        t.UpdateFaultItem("broker-a", 600, isolation: false);
        Assert.False(t.IsAvailable("broker-a", _now + 29_999));
        Assert.True(t.IsAvailable("broker-a", _now + 30_000));
    }

    [Fact]
    public void Configured_tables_replace_the_defaults()
    {
        var t = Tracker(new FaultAvoidanceSettings(new long[] { 0, 10 }, new long[] { 0, 500 }) { SendLatencyFaultEnable = true });
        t.UpdateFaultItem("broker-a", 10, isolation: false);
        Assert.False(t.IsAvailable("broker-a", _now + 499));
        Assert.True(t.IsAvailable("broker-a", _now + 500));
    }

    [Fact]
    public void A_failed_node_is_passed_over_for_a_short_fixed_time()
    {
        var t = Tracker();
        t.NodeFailed("10.0.0.1:2911");
        Assert.True(t.HasNodeFailed("10.0.0.1:2911", _now + BrokerFaultTracker.NodeFailureMillis - 1));
        Assert.False(t.HasNodeFailed("10.0.0.1:2911", _now + BrokerFaultTracker.NodeFailureMillis));
        Assert.False(t.HasNodeFailed("10.0.0.2:2911", _now));
        Assert.True(t.IsAvailable("broker-a", _now)); // a node failure alone does not avoid its group
    }

    [Fact]
    public void The_client_reference_config_holds_RocketMQs_tables()
    {
        var settings = ClientSettings.Create(ConfigurationFactory.Empty).Producer.FaultAvoidance;
        Assert.Equal(FaultAvoidanceSettings.Default.LatencyMax, settings.LatencyMax);
        Assert.Equal(FaultAvoidanceSettings.Default.NotAvailableDuration, settings.NotAvailableDuration);
    }

    [Fact]
    public void The_tables_are_read_from_config()
    {
        var settings = ClientSettings.Create(ConfigurationFactory.ParseString("""
            akkamq.client.producer.latencyMax = [0, 200]
            akkamq.client.producer.notAvailableDuration = [0, 1000]
            akkamq.client.producer.detectInterval = 500ms
            akkamq.client.producer.sendLatencyFaultEnable = on
            """)).Producer.FaultAvoidance;
        Assert.True(settings.SendLatencyFaultEnable);
        Assert.Equal(new long[] { 0, 200 }, settings.LatencyMax);
        Assert.Equal(new long[] { 0, 1000 }, settings.NotAvailableDuration);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.DetectInterval);
    }

    [Fact]
    public void A_detect_interval_that_is_not_positive_is_refused_naming_the_key()
    {
        var e = Assert.Throws<ConfigurationException>(() =>
            ClientSettings.Create(ConfigurationFactory.ParseString("akkamq.client.producer.detectInterval = 0s")));
        Assert.Contains("akkamq.client.producer.detectInterval", e.Message);
    }

    [Theory]
    [InlineData("[50, 100]", "[0]")]
    [InlineData("[100, 50]", "[0, 0]")]
    [InlineData("[]", "[]")]
    [InlineData("[50, 100]", "[0, -1]")]
    public void Tables_that_do_not_pair_up_or_ascend_are_refused(string latencyMax, string durations) =>
        Assert.Throws<ConfigurationException>(() => ClientSettings.Create(ConfigurationFactory.ParseString($"""
            akkamq.client.producer.latencyMax = {latencyMax}
            akkamq.client.producer.notAvailableDuration = {durations}
            """)));
}
