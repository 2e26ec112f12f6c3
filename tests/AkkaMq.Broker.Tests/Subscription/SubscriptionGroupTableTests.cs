using AkkaMq.Broker.Subscription;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Subscription;

/// <summary>The gateway's subscription group decisions: consumeEnable, consumeBroadcastEnable, auto-creation, retryMaxTimes, lookups.</summary>
public sealed class SubscriptionGroupTableTests
{
    private static SubscriptionGroupTable Table(bool autoCreate = true, params SubscriptionGroupConfig[] configs)
    {
        var t = new SubscriptionGroupTable("broker-a", autoCreate);
        t.Replace(configs);
        return t;
    }

    [Fact]
    public void A_group_with_consume_disabled_is_refused_with_no_permission_and_served_again_once_enabled()
    {
        var t = Table(true, new SubscriptionGroupConfig("g1", ConsumeEnable: false));
        var failure = t.CheckConsume("g1", out var toCreate);
        Assert.Null(toCreate);
        Assert.Equal(ResponseCode.NoPermission, failure!.Value.Code);
        Assert.Contains("subscription group no permission", failure.Value.Error);
        Assert.Contains("'g1'", failure.Value.Error);

        t.Put(new SubscriptionGroupConfig("g1"));
        Assert.Null(t.CheckConsume("g1", out _));
    }

    [Fact]
    public void An_unknown_group_is_created_once_with_the_defaults_while_auto_creation_is_on()
    {
        var t = Table();
        Assert.Null(t.CheckConsume("fresh", out var toCreate));
        Assert.Equal(new SubscriptionGroupConfig("fresh"), toCreate);
        Assert.Null(t.CheckConsume("fresh", out var again));
        Assert.Null(again);
        Assert.Equal(1, t.Count);
    }

    [Fact]
    public void An_unknown_group_is_refused_and_not_created_while_auto_creation_is_off()
    {
        var t = Table(autoCreate: false);
        var failure = t.CheckConsume("stranger", out var toCreate);
        Assert.Null(toCreate);
        Assert.Equal(ResponseCode.SubscriptionGroupNotExist, failure!.Value.Code);
        Assert.Contains("subscription group 'stranger' does not exist on broker 'broker-a'", failure.Value.Error);
        Assert.Contains("autoCreateSubscriptionGroup is off", failure.Value.Error);
        Assert.Equal(0, t.Count);
        // As RocketMQ's heartbeat: not refused, not created.
        Assert.Null(t.CheckHeartbeat("stranger", MessageModel.Clustering, out toCreate));
        Assert.Null(toCreate);
    }

    [Fact]
    public void The_admin_tools_group_and_illegal_names_are_left_alone()
    {
        var t = Table(autoCreate: false);
        Assert.Null(t.CheckConsume(AdminNames.ToolsConsumerGroup, out var toCreate));
        Assert.Null(toCreate);
        // The request validator names an illegal group; the table neither refuses nor stores it.
        Assert.Null(t.CheckConsume("bad name", out toCreate));
        Assert.Null(toCreate);
        Assert.Null(Table().CheckConsume("%RETRY%x", out toCreate));
        Assert.Null(toCreate);
    }

    [Fact]
    public void A_broadcasting_consumer_is_refused_when_the_group_disables_broadcast()
    {
        var t = Table(true, new SubscriptionGroupConfig("g1", ConsumeBroadcastEnable: false));
        Assert.Null(t.CheckHeartbeat("g1", MessageModel.Clustering, out _));
        var failure = t.CheckHeartbeat("g1", MessageModel.Broadcasting, out _);
        Assert.Equal(ResponseCode.NoPermission, failure!.Value.Code);
        Assert.Contains("does not allow broadcasting consumers", failure.Value.Error);
    }

    [Fact]
    public void Retry_max_times_is_the_stored_one_or_sixteen()
    {
        var t = Table(true, new SubscriptionGroupConfig("g1", RetryMaxTimes: 2));
        Assert.Equal(2, t.RetryMaxTimes("g1"));
        Assert.Equal(16, t.RetryMaxTimes("other"));
    }

    [Fact]
    public void A_lookup_answers_the_stored_config_the_defaults_or_not_found()
    {
        var stored = new SubscriptionGroupConfig("g1", ConsumeMessageOrderly: true, RetryMaxTimes: 5);
        var on = Table(true, stored);
        var found = on.Lookup("g1", out var toCreate);
        Assert.Equal((ResponseCode.Success, stored, true), (found.Code, found.Config, found.Stored));
        Assert.Null(toCreate);
        var fresh = on.Lookup("g2", out toCreate);
        Assert.Equal((ResponseCode.Success, new SubscriptionGroupConfig("g2"), false), (fresh.Code, fresh.Config, fresh.Stored));
        Assert.NotNull(toCreate);

        var off = Table(false, stored).Lookup("g2", out toCreate);
        Assert.Equal(ResponseCode.SubscriptionGroupNotExist, off.Code);
        Assert.Null(off.Config);
        Assert.Null(toCreate);
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, on.Lookup("a b", out _).Code);
    }

    [Theory]
    [InlineData(-1, "retryMaxTimes -1 of group 'g' is not 0..16384")]
    [InlineData(16385, "retryMaxTimes 16385 of group 'g' is not 0..16384")]
    public void A_config_out_of_range_is_refused_naming_the_field(int retryMaxTimes, string error) =>
        Assert.Equal(error, new SubscriptionGroupConfig("g", RetryMaxTimes: retryMaxTimes).Check());
}
