using System.Security.Cryptography;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Proxy.Consumer;
using AkkaMq.Proxy.Producer;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using MessageQueue = Apache.Rocketmq.V2.MessageQueue;

namespace AkkaMq.Proxy.Tests;

/// <summary>The receive side's plain decisions: a ReceiveMessageRequest as a POP request, a popped message as a v2 message.</summary>
public sealed class ReceiveDecisionTests
{
    private static ReceiveMessageRequest Request(double pollSeconds = 20, int? queue = 2) => new()
    {
        Group = new Resource { Name = "g" },
        MessageQueue = queue is { } q ? new MessageQueue { Topic = new Resource { Name = "T" }, Id = q } : null,
        FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "TagA || TagB" },
        BatchSize = 8,
        InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
        LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(pollSeconds)),
    };

    [Fact]
    public void The_pop_takes_queue_filter_batch_and_invisible_time_from_the_request_and_fifo_and_attempts_from_the_group()
    {
        var group = new SubscriptionGroupConfig("g", ConsumeMessageOrderly: true, RetryMaxTimes: 4);
        var pop = ReceiveRequestPlan.Plan(Request(), "broker-a", group, TimeSpan.FromSeconds(60)).Pop!;
        // Any queue, whatever queue the request names: the Node.js client always names queue 0.
        Assert.Equal(("broker-a", "g", "T", PopLimits.AnyQueue, 8, "TagA || TagB"), (pop.BrokerName, pop.ConsumerGroup, pop.Topic, pop.QueueId, pop.MaxMessages, pop.FilterExpression));
        Assert.Equal(30_000, pop.InvisibleMillis);
        Assert.True(pop.Fifo);
        Assert.Equal(5, pop.MaxDeliveryAttempts);
        Assert.Equal(20_000, pop.PollMillis);
    }

    [Fact]
    public void Polling_is_capped_at_20_s_and_ends_a_second_before_the_deadline()
    {
        var group = new SubscriptionGroupConfig("g");
        Assert.Equal(20_000, ReceiveRequestPlan.Plan(Request(pollSeconds: 60), "b", group, null).Pop!.PollMillis);
        Assert.Equal(4_000, ReceiveRequestPlan.Plan(Request(), "b", group, TimeSpan.FromSeconds(5)).Pop!.PollMillis);
        Assert.Equal(0, ReceiveRequestPlan.Plan(Request(), "b", group, TimeSpan.FromMilliseconds(300)).Pop!.PollMillis);
        Assert.Equal(PopLimits.AnyQueue, ReceiveRequestPlan.Plan(Request(queue: -1), "b", group, null).Pop!.QueueId);
    }

    [Fact]
    public void A_disabled_group_an_SQL_filter_and_a_bad_topic_are_refused_naming_the_problem()
    {
        var off = ReceiveRequestPlan.Plan(Request(), "b", new SubscriptionGroupConfig("g", ConsumeEnable: false), null);
        Assert.Equal(Code.Forbidden, off.Refusal!.Code);
        Assert.Contains("'g'", off.Refusal.Message);
        var sql = Request();
        sql.FilterExpression = new FilterExpression { Type = FilterType.Sql, Expression = "a > 1" };
        Assert.Equal(Code.IllegalFilterExpression, ReceiveRequestPlan.Plan(sql, "b", new SubscriptionGroupConfig("g"), null).Refusal!.Code);
        Assert.Equal(Code.IllegalTopic, ReceiveRequestPlan.Plan(Request(queue: null), "b", new SubscriptionGroupConfig("g"), null).Refusal!.Code);
    }

    [Fact]
    public void A_popped_message_maps_back_to_the_v2_message_the_client_sent()
    {
        var body = new byte[] { 0, 1, 2, 255 };
        var properties = new Dictionary<string, string>
        {
            [MessageProperties.UniqKey] = "01CLIENTID", [MessageProperties.MessageGroup] = "order-7", [MessageProperties.BornHost] = "10.0.0.9",
            ["color"] = "blue",
        };
        var ext = new MessageExt("T", "broker-a", 3, 42, "TagA", "k1 k2", properties, body, 1_700_000_000_000, 1_700_000_000_100);
        var v2 = ReceivedMessage.ToV2(new PoppedMessage(ext, "HANDLE", 2, 0), "broker-a", TimeSpan.FromSeconds(30));
        var sys = v2.SystemProperties;
        Assert.Equal("01CLIENTID", sys.MessageId);
        Assert.Equal(Convert.ToHexString(MD5.HashData(body)), sys.BodyDigest.Checksum);
        Assert.Equal(sys.BodyDigest.Checksum.ToUpperInvariant(), sys.BodyDigest.Checksum);
        Assert.Equal(DigestType.Md5, sys.BodyDigest.Type);
        Assert.Equal(("HANDLE", 2, 3, 42L), (sys.ReceiptHandle, sys.DeliveryAttempt, sys.QueueId, sys.QueueOffset));
        Assert.Equal(("order-7", MessageType.Fifo, "10.0.0.9", "TagA"), (sys.MessageGroup, sys.MessageType, sys.BornHost, sys.Tag));
        Assert.Equal(new[] { "k1", "k2" }, sys.Keys);
        Assert.Equal(1_700_000_000_000, sys.BornTimestamp.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(1_700_000_000_100, sys.StoreTimestamp.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(new Dictionary<string, string> { ["color"] = "blue" }, v2.UserProperties);
        Assert.Equal(body, v2.Body.ToByteArray());

        var delayed = ext with { Properties = new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = "1700000005000" } };
        var d = ReceivedMessage.ToV2(new PoppedMessage(delayed, "H", 1, 0), "b", TimeSpan.FromSeconds(30)).SystemProperties;
        Assert.Equal(MessageType.Delay, d.MessageType);
        Assert.Equal(1_700_000_005_000, d.DeliveryTimestamp.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(delayed.MsgId, d.MessageId); // no UNIQ_KEY (a native send): the broker's id
    }

    [Fact]
    public void A_consumers_settings_take_fifo_and_max_attempts_from_its_subscription_group()
    {
        var answer = new AkkaMq.Proxy.Telemetry.ClientSettingsAnswer(ProxySettings.Default, 4096);
        var client = new Settings { ClientType = ClientType.SimpleConsumer, Subscription = new Subscription { Group = new Resource { Name = "g" } } };
        var orderly = answer.Answer(client, new SubscriptionGroupConfig("g", ConsumeMessageOrderly: true, RetryMaxTimes: 3)).Settings;
        Assert.True(orderly.Subscription.Fifo);
        Assert.Equal(4, orderly.BackoffPolicy.MaxAttempts);
        var unknown = answer.Answer(client).Settings;
        Assert.False(unknown.Subscription.Fifo);
        Assert.Equal(ProxySettings.Default.ConsumerMaxAttempts, unknown.BackoffPolicy.MaxAttempts);
    }
}
