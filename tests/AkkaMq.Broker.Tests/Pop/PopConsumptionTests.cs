using AkkaMq.Broker.Pop;
using AkkaMq.Broker.Retention;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Pop;

/// <summary>
/// POP consumption through the broker gateway's actor protocol, on a node whose clock the test
/// moves: acked messages stay gone, unacked ones come back after their invisible time with the next
/// attempt, changed handles replace old ones, and past max attempts messages land in %DLQ%group.
/// </summary>
public sealed class PopConsumptionTests : BrokerTestBase
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly PopDriver _pop;

    public PopConsumptionTests(ITestOutputHelper output) : base(output, StartNode())
    {
        BrokerClock.For(Node.System).Use(_clock);
        _pop = new PopDriver(this);
    }

    private void Later(TimeSpan by) => _clock.Now += by;

    private void SendTexts(string topic, int queueId, params string[] bodies)
    {
        var acks = Send(bodies.Select(b => Entry(Text(topic, b), queueId)).ToArray());
        Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));
    }

    [Fact]
    public void Acked_messages_are_never_delivered_to_the_group_again()
    {
        CreateTopic("PopAck", 1);
        SendTexts("PopAck", 0, "a", "b", "c");
        var got = _pop.Got(_pop.Receive("PopAck"));
        Assert.Equal(new[] { "a", "b", "c" }, got.Select(PopDriver.Body));
        Assert.All(got, m => Assert.Equal(1, m.DeliveryAttempt));
        Assert.Equal(3, got.Select(m => m.ReceiptHandle).Distinct().Count());
        Assert.Equal(3, PopStats.For(Node.System).Total("pop-group", "PopAck"));
        foreach (var m in got) _pop.AckOk(m);
        Assert.Equal(0, PopStats.For(Node.System).Total("pop-group", "PopAck"));

        Later(TimeSpan.FromHours(1));
        Assert.Empty(_pop.Got(_pop.Receive("PopAck")));
        // Acking twice is fine and changes nothing.
        _pop.AckOk(got[1]);
    }

    [Fact]
    public void An_unacked_message_comes_back_after_its_invisible_time_with_the_next_attempt()
    {
        CreateTopic("PopRedeliver", 1);
        SendTexts("PopRedeliver", 0, "first", "second");
        var got = _pop.Got(_pop.Receive("PopRedeliver", invisibleMs: 30_000));
        _pop.AckOk(got[0]);
        Assert.Empty(_pop.Got(_pop.Receive("PopRedeliver")));

        Later(TimeSpan.FromSeconds(31));
        var again = Assert.Single(_pop.Got(_pop.Receive("PopRedeliver")));
        Assert.Equal(("second", 2, 1L), (PopDriver.Body(again), again.DeliveryAttempt, again.Message.QueueOffset));
        Assert.NotEqual(got[1].ReceiptHandle, again.ReceiptHandle);
        Assert.Equal(again.Message.MsgId, got[1].Message.MsgId);

        // The first delivery's handle was replaced by the redelivery.
        var stale = _pop.Ack(got[1]);
        Assert.Equal(ResponseCode.InvalidReceiptHandle, stale.Code);
        Assert.Contains("replaced", stale.Error);
        _pop.AckOk(again);
        Later(TimeSpan.FromHours(1));
        Assert.Empty(_pop.Got(_pop.Receive("PopRedeliver")));
    }

    [Fact]
    public void Change_invisible_time_gives_a_new_handle_and_the_old_one_stops_working()
    {
        CreateTopic("PopChange", 1);
        SendTexts("PopChange", 0, "slow");
        var m = Assert.Single(_pop.Got(_pop.Receive("PopChange", invisibleMs: 10_000)));
        var changed = _pop.Change("PopChange", m.ReceiptHandle, 60_000);
        Assert.True(changed.Code == ResponseCode.Success, changed.Error);
        Assert.NotNull(changed.NewReceiptHandle);
        Assert.NotEqual(m.ReceiptHandle, changed.NewReceiptHandle);

        // Still invisible after the first invisible time: the change holds.
        Later(TimeSpan.FromSeconds(30));
        Assert.Empty(_pop.Got(_pop.Receive("PopChange")));
        Assert.Equal(ResponseCode.InvalidReceiptHandle, _pop.Ack("PopChange", m.ReceiptHandle).Code);
        Assert.Equal(ResponseCode.InvalidReceiptHandle, _pop.Change("PopChange", m.ReceiptHandle, 60_000).Code);
        Assert.Equal(ResponseCode.Success, _pop.Ack("PopChange", changed.NewReceiptHandle!).Code);
        // After the ack, the handle cannot extend the message any more.
        Assert.Equal(ResponseCode.InvalidReceiptHandle, _pop.Change("PopChange", changed.NewReceiptHandle!, 60_000).Code);
        Later(TimeSpan.FromMinutes(5));
        Assert.Empty(_pop.Got(_pop.Receive("PopChange")));
    }

    private MessageExt AwaitDeadLetter(string group, long offset) =>
        AwaitMessage(MessageConst.GetDlqTopic(group), 0, offset, TimeSpan.FromSeconds(20));

    [Fact]
    public void Past_max_attempts_an_unacked_message_goes_to_the_groups_DLQ()
    {
        CreateTopic("PopDlq", 1);
        SendTexts("PopDlq", 0, "poison");
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var m = Assert.Single(_pop.Got(_pop.Receive("PopDlq", maxAttempts: 2)));
            Assert.Equal(attempt, m.DeliveryAttempt);
            Later(TimeSpan.FromSeconds(31));
        }
        // The third receive finds it past max attempts: it goes to the DLQ, not to the consumer.
        Assert.Empty(_pop.Got(_pop.Receive("PopDlq", maxAttempts: 2)));
        var dead = AwaitDeadLetter("pop-group", 0);
        Assert.Equal("poison", System.Text.Encoding.UTF8.GetString(dead.Body));
        Assert.Equal("PopDlq", dead.Properties[MessageConst.RetryTopic]);
        AwaitAssert(() => Assert.Equal(0, PopStats.For(Node.System).Total("pop-group", "PopDlq")), TimeSpan.FromSeconds(10));
        Later(TimeSpan.FromHours(1));
        Assert.Empty(_pop.Got(_pop.Receive("PopDlq", maxAttempts: 2)));
    }

    [Fact]
    public void Forward_to_DLQ_sends_the_message_there_at_once_and_it_is_done_for_the_group()
    {
        CreateTopic("PopForward", 1);
        SendTexts("PopForward", 0, "bad", "good");
        var got = _pop.Got(_pop.Receive("PopForward"));
        var forwarded = _pop.Forward("PopForward", got[0].ReceiptHandle);
        Assert.True(forwarded.Code == ResponseCode.Success, forwarded.Error);
        Assert.Equal("bad", System.Text.Encoding.UTF8.GetString(AwaitDeadLetter("pop-group", 0).Body));
        // Done for the group: acking it changes nothing, and it never comes back.
        _pop.AckOk(got[0]);
        Later(TimeSpan.FromSeconds(31));
        var back = Assert.Single(_pop.Got(_pop.Receive("PopForward")));
        Assert.Equal(("good", 2), (PopDriver.Body(back), back.DeliveryAttempt));
    }

    [Fact]
    public void Native_consumers_and_POP_groups_share_a_topic()
    {
        CreateTopic("PopShared", 1);
        SendTexts("PopShared", 0, "x", "y");
        foreach (var m in _pop.Got(_pop.Receive("PopShared"))) _pop.AckOk(m);
        // A native group of the same name still reads everything, from its own offset.
        Assert.Equal(2, Pull("PopShared", 0, 0, group: "pop-group").Messages.Count);
        Gateway.Tell(new Protocol.Broker.QueryConsumerOffset(BrokerName, "pop-group", "PopShared", 0), TestActor);
        Assert.Equal(ResponseCode.QueryNotFound, ExpectMsg<Protocol.Broker.ConsumerOffsetReply>().Code);
        // Another POP group starts on its own.
        var other = new PopDriver(this, "pop-other");
        Assert.Equal(2, other.Got(other.Receive("PopShared")).Count);
    }

    [Fact]
    public void A_tag_filter_hands_out_only_matching_messages_and_skips_the_rest_for_good()
    {
        CreateTopic("PopTags", 1);
        Send(Entry(Text("PopTags", "1", tags: "A")), Entry(Text("PopTags", "2", tags: "B")), Entry(Text("PopTags", "3", tags: "A")));
        var got = _pop.Got(_pop.Receive("PopTags", filter: "A"));
        Assert.Equal(new[] { "1", "3" }, got.Select(PopDriver.Body));
        foreach (var m in got) _pop.AckOk(m);
        Assert.Empty(_pop.Got(_pop.Receive("PopTags")));
    }

    [Fact]
    public void A_receive_of_any_queue_takes_from_every_queue_of_the_topic()
    {
        CreateTopic("PopAny", 4);
        for (var q = 0; q < 4; q++) SendTexts("PopAny", q, $"q{q}");
        var got = new List<PoppedMessage>();
        got.AddRange(_pop.Got(_pop.Receive("PopAny", queueId: PopLimits.AnyQueue, max: 3)));
        Assert.Equal(3, got.Count);
        got.AddRange(_pop.Got(_pop.Receive("PopAny", queueId: PopLimits.AnyQueue, max: 3)));
        Assert.Equal(new[] { "q0", "q1", "q2", "q3" }, got.Select(PopDriver.Body).Order());
        foreach (var m in got) _pop.AckOk(m);
        Assert.Empty(_pop.Got(_pop.Receive("PopAny", queueId: PopLimits.AnyQueue)));
    }
}
