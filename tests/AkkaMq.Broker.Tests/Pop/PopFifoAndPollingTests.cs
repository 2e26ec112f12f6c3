using System.Diagnostics;
using AkkaMq.Broker.Retention;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Pop;

/// <summary>FIFO groups (one batch of a queue in flight at a time, in-place redelivery, attempt ids), long polling and bad requests.</summary>
public sealed class PopFifoAndPollingTests : BrokerTestBase
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly PopDriver _pop;

    public PopFifoAndPollingTests(ITestOutputHelper output) : base(output, StartNode())
    {
        BrokerClock.For(Node.System).Use(_clock);
        _pop = new PopDriver(this);
    }

    private void SendTexts(string topic, int queueId, params string[] bodies) =>
        Assert.All(Send(bodies.Select(b => Entry(Text(topic, b), queueId)).ToArray()), a => Assert.Equal(ResponseCode.Success, a.Code));

    private PopResult Fifo(string topic, string attemptId, int max = 2) => _pop.Receive(topic, max: max, fifo: true, attemptId: attemptId);

    [Fact]
    public void A_FIFO_group_gets_the_next_messages_of_a_queue_only_after_the_batch_in_flight_is_done()
    {
        CreateTopic("FifoQ", 1);
        SendTexts("FifoQ", 0, "m0", "m1", "m2", "m3");
        var batch = _pop.Got(Fifo("FifoQ", "a1"));
        Assert.Equal(new[] { "m0", "m1" }, batch.Select(PopDriver.Body));
        Assert.Empty(_pop.Got(Fifo("FifoQ", "a2")));

        // The same attempt id gets the same batch, handles included.
        var retried = _pop.Got(Fifo("FifoQ", "a1"));
        Assert.Equal(batch.Select(m => m.ReceiptHandle), retried.Select(m => m.ReceiptHandle));

        // Half acked: still blocked; after the invisible time the rest comes again, in place.
        _pop.AckOk(batch[0]);
        Assert.Empty(_pop.Got(Fifo("FifoQ", "a3")));
        _clock.Now += TimeSpan.FromSeconds(31);
        var again = Assert.Single(_pop.Got(Fifo("FifoQ", "a4")));
        Assert.Equal(("m1", 2), (PopDriver.Body(again), again.DeliveryAttempt));
        _pop.AckOk(again);
        Assert.Equal(new[] { "m2", "m3" }, _pop.Got(Fifo("FifoQ", "a5")).Select(PopDriver.Body));
    }

    [Fact]
    public void A_waiting_receive_is_answered_when_a_message_arrives()
    {
        CreateTopic("PollQ", 1);
        var waiter = CreateTestProbe();
        Gateway.Tell(_pop.Request("PollQ", pollMs: 10_000), waiter);
        waiter.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var sent = Stopwatch.StartNew();
        SendTexts("PollQ", 0, "awaited");
        var r = waiter.ExpectMsg<PopResult>(TimeSpan.FromSeconds(8));
        Assert.Equal("awaited", PopDriver.Body(Assert.Single(r.Messages)));
        Output.WriteLine($"answered {sent.ElapsedMilliseconds} ms after the send");
    }

    [Fact]
    public void A_waiting_receive_of_any_queue_is_answered_when_a_message_arrives_on_one()
    {
        CreateTopic("PollAny", 4);
        var waiter = CreateTestProbe();
        Gateway.Tell(_pop.Request("PollAny", queueId: PopLimits.AnyQueue, pollMs: 10_000), waiter);
        waiter.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        SendTexts("PollAny", 2, "on queue 2");
        var r = waiter.ExpectMsg<PopResult>(TimeSpan.FromSeconds(8));
        Assert.Equal(2, Assert.Single(r.Messages).Message.QueueId);
    }

    [Fact]
    public void A_receive_that_finds_nothing_answers_empty_at_its_polling_deadline()
    {
        CreateTopic("PollEmpty", 2);
        foreach (var queueId in new[] { 0, PopLimits.AnyQueue })
        {
            var took = Stopwatch.StartNew();
            var r = _pop.Receive(_pop.Request("PollEmpty", queueId: queueId, pollMs: 1_500));
            Assert.Equal(ResponseCode.Success, r.Code);
            Assert.Empty(r.Messages);
            Assert.InRange(took.ElapsedMilliseconds, 1_300, 8_000);
        }
    }

    private static readonly (string Why, Func<PopDriver, PopMessage> Make, ResponseCode Code, string Names)[] BadReceives =
    {
        ("invisible too short", d => d.Request("Bad", invisibleMs: 9_999), ResponseCode.IllegalInvisibleTime, "invisible time 9999 ms"),
        ("invisible too long", d => d.Request("Bad", invisibleMs: 12 * 3600_000 + 1), ResponseCode.IllegalInvisibleTime, "10 s..12 h"),
        ("batch 0", d => d.Request("Bad", max: 0), ResponseCode.MessageIllegal, "batch size 0"),
        ("batch 33", d => d.Request("Bad", max: 33), ResponseCode.MessageIllegal, "batch size 33"),
        ("filter", d => d.Request("Bad", filter: "A ||"), ResponseCode.SubscriptionParseFailed, "empty tag"),
        ("poll negative", d => d.Request("Bad", pollMs: -1), ResponseCode.IllegalPollingTime, "polling time -1"),
        ("poll too long", d => d.Request("Bad", pollMs: 600_000), ResponseCode.IllegalPollingTime, "polling time 600000"),
        ("attempts", d => d.Request("Bad", maxAttempts: 0), ResponseCode.MessageIllegal, "max delivery attempts 0"),
        ("attempt id", d => d.Request("Bad", fifo: true, attemptId: ""), ResponseCode.MessageIllegal, "attempt id"),
        ("queue", d => d.Request("Bad", queueId: 7), ResponseCode.MessageIllegal, "queue id 7"),
        ("queue -2", d => d.Request("Bad", queueId: -2), ResponseCode.MessageIllegal, "queue id -2"),
        ("topic", d => d.Request("NoSuchTopic"), ResponseCode.TopicNotExist, "NoSuchTopic"),
        ("group", d => d.Request("Bad", asGroup: "bad group!"), ResponseCode.ConsumerGroupIllegal, "bad group!"),
    };

    [Fact]
    public void Bad_receives_are_refused_naming_the_problem_and_the_node_keeps_serving()
    {
        CreateTopic("Bad", 1);
        SendTexts("Bad", 0, "still here");
        foreach (var (why, make, code, names) in BadReceives)
        {
            var r = _pop.Receive(make(_pop));
            Assert.True(r.Code == code, $"{why}: {r.Code} {r.Error}");
            Assert.Contains(names, r.Error);
            Assert.Empty(r.Messages);
        }
        Assert.Equal("still here", PopDriver.Body(Assert.Single(_pop.Got(_pop.Receive("Bad")))));
    }

    [Fact]
    public void Bad_receipt_handles_are_refused_and_change_nothing()
    {
        CreateTopic("Handles", 1);
        SendTexts("Handles", 0, "h");
        var m = Assert.Single(_pop.Got(_pop.Receive("Handles")));
        var h = m.ReceiptHandle;
        var forged = new ReceiptHandle(BrokerName, "Handles", 0, 5, "pop-group", 1).Encode();
        foreach (var (bad, names) in new[]
                 {
                     ("", "empty"), ("garbage", "unknown format"), (h[..^2], "checksum"), (h[..10] + "x" + h[11..], "checksum"),
                     (forged, "never delivered"), (new ReceiptHandle(BrokerName, "Handles", 0, 0, "other-group", 1).Encode(), "other-group"),
                     (new ReceiptHandle("broker-z", "Handles", 0, 0, "pop-group", 1).Encode(), "broker-z"),
                 })
        {
            var r = _pop.Ack("Handles", bad);
            Assert.True(r.Code == ResponseCode.InvalidReceiptHandle, $"'{bad}': {r.Code} {r.Error}");
            Assert.Contains(names, r.Error);
        }
        Assert.Equal(ResponseCode.IllegalInvisibleTime, _pop.Change("Handles", h, 1_000).Code);
        Assert.Equal(ResponseCode.InvalidReceiptHandle, _pop.Forward("Handles", "garbage").Code);
        // Nothing changed: the real handle still works once.
        _pop.AckOk(m);
    }
}
