using AkkaMq.Broker.Consumer;
using AkkaMq.Broker.Processor;
using AkkaMq.Broker.Topics;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

// The namespace puts "Gateway" in every test's name, for `--filter FullyQualifiedName~Broker.Tests.Gateway`.
namespace AkkaMq.Broker.Tests.Gateway;

/// <summary>Each bad input is refused with the code and an error that names it; good input passes.</summary>
public sealed class RequestValidatorTests
{
    private const string Broker = "broker-a";
    private const long Now = 1_700_000_000_000;
    private readonly RequestValidator _validator = new(Broker, new MessageLimits(1024, 4, 200), ScheduleSettings.Default);
    private readonly TopicTable _topics = new();

    public RequestValidatorTests()
    {
        _topics.Replace(new[]
        {
            TopicConfig.Create("Orders"),
            new TopicConfig("ReadOnly", 4, 4, Perm.Read),
            new TopicConfig("WriteOnly", 4, 4, Perm.Write),
            new TopicConfig("Shrunk", 8, 2, Perm.ReadWrite),
        }, DateTime.UtcNow);
    }

    private static void AssertFailure(RequestFailure? failure, ResponseCode code, string named)
    {
        Assert.NotNull(failure);
        Assert.Equal(code, failure.Value.Code);
        Assert.Contains(named, failure.Value.Error);
    }

    private static SendEntry Entry(string topic, int queueId = 0, byte[]? body = null, Dictionary<string, string>? props = null) =>
        new(1, queueId, false, 0, new Message(topic, body ?? "hi"u8.ToArray(), null, null, props));

    [Fact]
    public void A_request_for_another_broker_names_both_brokers() =>
        AssertFailure(_validator.CheckQueue("broker-b", "Orders", 0, read: true, _topics), ResponseCode.SystemError,
            "this node serves broker 'broker-a', not 'broker-b'");

    [Fact]
    public void An_illegal_topic_name_names_the_character() =>
        AssertFailure(_validator.CheckQueue(Broker, "bad topic", 0, read: false, _topics), ResponseCode.MessageIllegal, "illegal character ' '");

    [Fact]
    public void An_unknown_topic_does_not_exist() =>
        AssertFailure(_validator.CheckQueue(Broker, "Nope", 0, read: false, _topics), ResponseCode.TopicNotExist,
            "topic 'Nope' does not exist on broker 'broker-a'");

    [Fact]
    public void A_read_only_topic_is_not_writable() =>
        AssertFailure(_validator.CheckQueue(Broker, "ReadOnly", 0, read: false, _topics), ResponseCode.NoPermission, "is not writable (perm R--)");

    [Fact]
    public void A_write_only_topic_is_not_readable() =>
        AssertFailure(_validator.CheckQueue(Broker, "WriteOnly", 0, read: true, _topics), ResponseCode.NoPermission, "is not readable (perm -W-)");

    [Theory]
    [InlineData(4, "queue id 4 is outside 0..3")]
    [InlineData(-1, "queue id -1 is outside 0..3")]
    public void A_queue_id_outside_the_write_queues_is_refused(int queueId, string error) =>
        AssertFailure(_validator.CheckQueue(Broker, "Orders", queueId, read: false, _topics), ResponseCode.MessageIllegal, error);

    [Fact]
    public void Reads_reach_every_queue_of_the_larger_queue_count_and_writes_only_the_write_queues()
    {
        Assert.Null(_validator.CheckQueue(Broker, "Shrunk", 7, read: true, _topics));
        AssertFailure(_validator.CheckQueue(Broker, "Shrunk", 2, read: false, _topics), ResponseCode.MessageIllegal, "outside 0..1");
    }

    [Fact]
    public void A_read_for_an_illegal_group_names_the_group() =>
        AssertFailure(_validator.CheckQueueRead(Broker, "Orders", 0, "bad group", _topics), ResponseCode.ConsumerGroupIllegal,
            "consumer group name 'bad group'");

    [Fact]
    public void A_read_without_a_group_skips_the_group_check() =>
        Assert.Null(_validator.CheckQueueRead(Broker, "Orders", 0, null, _topics));

    [Fact]
    public void Group_requests_check_broker_group_client_id_and_queues()
    {
        Assert.Null(_validator.CheckGroupRequest(Broker, "g", "c1", new[] { new MessageQueue("Orders", Broker, 0) }));
        AssertFailure(_validator.CheckGroupRequest("broker-b", "g", null, null), ResponseCode.SystemError, "not 'broker-b'");
        AssertFailure(_validator.CheckGroupRequest(Broker, "", null, null), ResponseCode.ConsumerGroupIllegal, "consumer group name is empty");
        AssertFailure(_validator.CheckGroupRequest(Broker, "g", " ", null), ResponseCode.SystemError, "consumer of group 'g' sent an empty client id");
        AssertFailure(_validator.CheckGroupRequest(Broker, "g", "c1", new[] { new MessageQueue("Orders", "broker-b", 0) }),
            ResponseCode.SystemError, "queue Orders@broker-b:0 is not on broker 'broker-a'");
        AssertFailure(_validator.CheckGroupRequest(Broker, "g", "c1", new[] { new MessageQueue("a:b", Broker, 0) }),
            ResponseCode.MessageIllegal, "illegal character ':'");
        AssertFailure(_validator.CheckGroupRequest(Broker, "g", "c1", new[] { new MessageQueue("Orders", Broker, -2) }),
            ResponseCode.MessageIllegal, "queue id -2 of Orders@broker-a:-2 is negative");
    }

    [Fact]
    public void A_send_entry_with_an_empty_or_oversized_body_is_illegal()
    {
        AssertFailure(_validator.CheckSendEntry(Broker, Entry("Orders", body: Array.Empty<byte>()), _topics, out _),
            ResponseCode.MessageIllegal, "message body is empty");
        AssertFailure(_validator.CheckSendEntry(Broker, Entry("Orders", body: new byte[1025]), _topics, out _),
            ResponseCode.MessageIllegal, "1025 bytes, over the maximum message size of 1024 bytes");
    }

    [Fact]
    public void A_good_send_entry_is_stored_now()
    {
        Assert.Null(_validator.CheckSendEntry(Broker, Entry("Orders", 3), _topics, out var deliverAt));
        Assert.Equal(0, deliverAt);
    }

    private RequestFailure? DeliverTime(out long deliverAt, params (string Key, string Value)[] props) =>
        _validator.DeliverTime(new Message("Orders", "x"u8.ToArray(), null, null, props.ToDictionary(p => p.Key, p => p.Value)), Now, out deliverAt);

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("19")]
    public void A_delay_level_outside_the_levels_is_illegal(string level) =>
        AssertFailure(DeliverTime(out _, (MessageConst.DelayTimeLevel, level)), ResponseCode.MessageIllegal,
            $"delay level '{level}' is not 0..18 (messageDelayLevel has 18 levels)");

    [Fact]
    public void A_delay_level_is_delivered_after_its_delay()
    {
        Assert.Null(DeliverTime(out var at, (MessageConst.DelayTimeLevel, "3")));
        Assert.Equal(Now + 10_000, at);
        Assert.Null(DeliverTime(out var now, (MessageConst.DelayTimeLevel, "0")));
        Assert.Equal(0, now);
    }

    [Fact]
    public void A_message_cannot_have_both_a_delay_level_and_a_timer() =>
        AssertFailure(DeliverTime(out _, (MessageConst.DelayTimeLevel, "1"), (MessageConst.TimerDeliverMs, (Now + 5000).ToString())),
            ResponseCode.MessageIllegal, "cannot have both DELAY and TIMER_DELIVER_MS");

    [Theory]
    [InlineData("soon")]
    [InlineData("-5")]
    public void A_timer_that_is_not_a_unix_time_is_illegal(string at) =>
        AssertFailure(DeliverTime(out _, (MessageConst.TimerDeliverMs, at)), ResponseCode.MessageIllegal,
            $"TIMER_DELIVER_MS '{at}' is not a Unix time in milliseconds");

    [Fact]
    public void A_timer_beyond_the_max_delay_is_illegal()
    {
        var at = Now + (long)TimeSpan.FromDays(3).TotalMilliseconds + 1;
        AssertFailure(DeliverTime(out _, (MessageConst.TimerDeliverMs, at.ToString())), ResponseCode.MessageIllegal,
            $"TIMER_DELIVER_MS {at} is more than timerMaxDelay");
    }

    [Fact]
    public void A_timer_in_the_past_is_stored_now_and_one_ahead_is_scheduled()
    {
        Assert.Null(DeliverTime(out var past, (MessageConst.TimerDeliverMs, (Now - 1).ToString())));
        Assert.Equal(0, past);
        Assert.Null(DeliverTime(out var ahead, (MessageConst.TimerDeliverMs, (Now + 60_000).ToString())));
        Assert.Equal(Now + 60_000, ahead);
    }
}
