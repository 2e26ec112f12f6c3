using AkkaMq.Broker.Consumer;
using AkkaMq.Broker.Processor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Gateway;

/// <summary>consumerSendMsgBack: retry topic and delay, reconsume times, dead letters, and the refusals.</summary>
public sealed class SendMessageBackTests
{
    private const string Broker = "broker-a";
    private const long Now = 1_700_000_000_000;
    private readonly SendMessageBack _sendBack = new(Broker, MessageLimits.Default, ScheduleSettings.Default.DelayLevels);

    private static MessageExt Failed(int reconsumed = 0, Dictionary<string, string>? extra = null)
    {
        var props = extra ?? new Dictionary<string, string>();
        if (reconsumed > 0) props[MessageConst.ReconsumeTime] = reconsumed.ToString();
        return new MessageExt("Orders", Broker, 2, 41, "tagA", "k1", props, "body"u8.ToArray(), 123, 456);
    }

    private static ConsumerSendMsgBack Back(MessageExt msg, int delayLevel = 0, int max = 16, string group = "g1", string broker = Broker) =>
        new(broker, group, 7, msg, delayLevel, max);

    private SendBackTarget Decide(ConsumerSendMsgBack m)
    {
        Assert.Null(_sendBack.Decide(m, Now, out var target));
        return target;
    }

    [Fact]
    public void A_first_failure_goes_to_the_retry_topic_at_level_3()
    {
        var msg = Failed();
        var t = Decide(Back(msg));
        Assert.False(t.ToDlq);
        Assert.Equal("%RETRY%g1", t.Topic);
        Assert.Equal("%RETRY%g1", t.Entry.Message.Topic);
        Assert.Equal(Now + 10_000, t.DeliverAt);
        var p = t.Entry.Message.Properties;
        Assert.Equal("3", p[MessageConst.DelayTimeLevel]);
        Assert.Equal("1", p[MessageConst.ReconsumeTime]);
        Assert.Equal("Orders", p[MessageConst.RetryTopic]);
        Assert.Equal(msg.MsgId, p[MessageConst.OriginMessageId]);
        Assert.Equal(7, t.Entry.CorrelationId);
        Assert.Equal(0, t.Entry.QueueId);
        Assert.Equal(123, t.Entry.BornTimestamp);
        Assert.Equal("tagA", t.Entry.Message.Tags);
        Assert.Equal(msg.Body, t.Entry.Message.Body);
    }

    [Fact]
    public void Each_reconsume_raises_the_level_up_to_the_last_one()
    {
        var t = Decide(Back(Failed(reconsumed: 4)));
        Assert.Equal("7", t.Entry.Message.Properties[MessageConst.DelayTimeLevel]);
        Assert.Equal("5", t.Entry.Message.Properties[MessageConst.ReconsumeTime]);
        var last = Decide(Back(Failed(reconsumed: 30), max: 100));
        Assert.Equal("18", last.Entry.Message.Properties[MessageConst.DelayTimeLevel]);
        Assert.Equal(Now + (long)TimeSpan.FromHours(2).TotalMilliseconds, last.DeliverAt);
    }

    [Fact]
    public void A_level_the_consumer_chose_is_kept()
    {
        var t = Decide(Back(Failed(reconsumed: 2), delayLevel: 1));
        Assert.Equal("1", t.Entry.Message.Properties[MessageConst.DelayTimeLevel]);
        Assert.Equal(Now + 1000, t.DeliverAt);
    }

    [Fact]
    public void The_first_topic_and_message_id_survive_later_retries()
    {
        var extra = new Dictionary<string, string> { [MessageConst.RetryTopic] = "First", [MessageConst.OriginMessageId] = "ID0" };
        var t = Decide(Back(Failed(reconsumed: 1, extra)));
        Assert.Equal("First", t.Entry.Message.Properties[MessageConst.RetryTopic]);
        Assert.Equal("ID0", t.Entry.Message.Properties[MessageConst.OriginMessageId]);
    }

    [Fact]
    public void The_delay_of_the_original_send_is_not_carried_into_a_dead_letter()
    {
        var extra = new Dictionary<string, string> { [MessageConst.DelayTimeLevel] = "2", [MessageConst.TimerDeliverMs] = "5" };
        var t = Decide(Back(Failed(reconsumed: 3, extra), max: 3));
        Assert.False(t.Entry.Message.Properties.ContainsKey(MessageConst.DelayTimeLevel));
        Assert.False(t.Entry.Message.Properties.ContainsKey(MessageConst.TimerDeliverMs));
    }

    [Fact]
    public void After_max_reconsume_times_the_message_goes_to_the_dlq_at_once()
    {
        var t = Decide(Back(Failed(reconsumed: 16), max: 16));
        Assert.True(t.ToDlq);
        Assert.Equal("%DLQ%g1", t.Topic);
        Assert.Equal(0, t.DeliverAt);
        Assert.Equal("17", t.Entry.Message.Properties[MessageConst.ReconsumeTime]);
    }

    [Fact]
    public void A_negative_delay_level_sends_straight_to_the_dlq() =>
        Assert.True(Decide(Back(Failed(), delayLevel: -1)).ToDlq);

    private void AssertRefused(ConsumerSendMsgBack m, ResponseCode code, string named)
    {
        var failure = _sendBack.Decide(m, Now, out _);
        Assert.NotNull(failure);
        Assert.Equal(code, failure.Value.Code);
        Assert.Contains(named, failure.Value.Error);
    }

    [Fact]
    public void A_send_back_to_another_broker_is_refused() =>
        AssertRefused(Back(Failed(), broker: "broker-b"), ResponseCode.SystemError, "this node serves broker 'broker-a', not 'broker-b'");

    [Fact]
    public void An_illegal_group_is_refused() =>
        AssertRefused(Back(Failed(), group: "bad group"), ResponseCode.ConsumerGroupIllegal, "consumer group name 'bad group'");

    [Fact]
    public void A_group_too_long_for_its_retry_topic_is_refused() =>
        AssertRefused(Back(Failed(), group: new string('g', 125)), ResponseCode.ConsumerGroupIllegal,
            "cannot have a retry or dead-letter topic");

    [Fact]
    public void An_illegal_message_is_refused() =>
        AssertRefused(Back(Failed() with { Body = Array.Empty<byte>() }), ResponseCode.MessageIllegal, "message body is empty");

    [Fact]
    public void A_negative_max_reconsume_times_is_refused() =>
        AssertRefused(Back(Failed(), max: -2), ResponseCode.MessageIllegal, "maxReconsumeTimes -2 is negative");

    [Fact]
    public void A_delay_level_over_the_levels_is_refused() =>
        AssertRefused(Back(Failed(), delayLevel: 19), ResponseCode.MessageIllegal, "delay level 19 is over the 18 levels of messageDelayLevel");
}
