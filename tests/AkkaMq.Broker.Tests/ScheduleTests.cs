using System.Text;
using Akka.Actor;
using AkkaMq.Broker.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests;

/// <summary>Delay levels, delivery timestamps and consumer send-back (retry and DLQ) on a node with short delay levels.</summary>
public sealed class ScheduleTests : BrokerTestBase
{
    // Level n waits n * 100 ms, so level 3 (a first retry) waits 300 ms.
    private const string Levels = "100ms 200ms 300ms 400ms 500ms 600ms 700ms 800ms 900ms 1s 1100ms 1200ms 1300ms 1400ms 1500ms 1600ms 1700ms 1800ms";

    public ScheduleTests(ITestOutputHelper output) : base(output, StartNode($"akkamq.broker.messageDelayLevel = \"{Levels}\"")) { }

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static Dictionary<string, string> P(params (string, string)[] kv) => kv.ToDictionary(x => x.Item1, x => x.Item2);

    [Fact]
    public void A_delay_level_or_a_delivery_time_holds_the_message_until_then_and_not_longer_than_a_second_past_it()
    {
        CreateTopic("Delayed", 2);
        var sentAt = NowMs;
        var acks = Send(Entry(Text("Delayed", "level-5", props: P((MessageConst.DelayTimeLevel, "5"))), 0),
            Entry(Text("Delayed", "at", props: P((MessageConst.TimerDeliverMs, (sentAt + 700).ToString()))), 1),
            Entry(Text("Delayed", "past", props: P((MessageConst.TimerDeliverMs, (sentAt - 10_000).ToString()))), 1));
        Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));

        // The past delivery time is stored at once; the others are not in their queues yet.
        var past = Pull("Delayed", 1, 0);
        Assert.Equal("past", Encoding.UTF8.GetString(past.Messages.Single().Body));
        Assert.Equal(PullStatus.NoNewMsg, Pull("Delayed", 0, 0).Status);

        var level5 = AwaitMessage("Delayed", 0, 0, TimeSpan.FromSeconds(10));
        Assert.Equal("level-5", Encoding.UTF8.GetString(level5.Body));
        Assert.InRange(level5.StoreTimestamp - sentAt, 500, 1500);
        var at = AwaitMessage("Delayed", 1, 1, TimeSpan.FromSeconds(10));
        Assert.Equal("at", Encoding.UTF8.GetString(at.Body));
        Assert.InRange(at.StoreTimestamp, sentAt + 700, sentAt + 1700);
    }

    [Fact]
    public void Bad_delays_are_refused_naming_the_problem()
    {
        CreateTopic("BadDelay", 1);
        var acks = Send(
            Entry(Text("BadDelay", "a", props: P((MessageConst.DelayTimeLevel, "19")))),
            Entry(Text("BadDelay", "b", props: P((MessageConst.DelayTimeLevel, "soon")))),
            Entry(Text("BadDelay", "c", props: P((MessageConst.TimerDeliverMs, (NowMs + TimeSpan.FromDays(4).TotalMilliseconds).ToString("F0"))))),
            Entry(Text("BadDelay", "d", props: P((MessageConst.TimerDeliverMs, "tomorrow")))),
            Entry(Text("BadDelay", "e", props: P((MessageConst.DelayTimeLevel, "2"), (MessageConst.TimerDeliverMs, (NowMs + 1000).ToString())))));
        Assert.All(acks, a => Assert.Equal(ResponseCode.MessageIllegal, a.Code));
        var errors = acks.Select(a => a.Error!).ToList();
        Assert.Contains(errors, e => e.Contains("'19'") && e.Contains("18 levels"));
        Assert.Contains(errors, e => e.Contains("'soon'"));
        Assert.Contains(errors, e => e.Contains("timerMaxDelay"));
        Assert.Contains(errors, e => e.Contains("'tomorrow'"));
        Assert.Contains(errors, e => e.Contains("both"));
        Assert.Equal(0, MaxOffset("BadDelay", 0));
    }

    [Fact]
    public void Send_back_goes_to_the_retry_topic_with_a_growing_delay_and_to_the_DLQ_after_maxReconsumeTimes()
    {
        CreateTopic("Orders", 1);
        Send(Entry(Text("Orders", "pay", "TagA", "order-1")));
        var original = Pull("Orders", 0, 0).Messages.Single();

        // First failure: %RETRY%billing, level 3 (300 ms here), reconsume count 1, original topic and id kept.
        var sentAt = NowMs;
        Gateway.Tell(new ConsumerSendMsgBack(BrokerName, "billing", 7, original, 0, 2), TestActor);
        var ack = ExpectMsg<SendAcks>().Acks.Single();
        Assert.Equal(ResponseCode.Success, ack.Code);
        Assert.Equal(7, ack.CorrelationId);
        var retry1 = AwaitMessage("%RETRY%billing", 0, 0, TimeSpan.FromSeconds(10));
        Assert.InRange(retry1.StoreTimestamp - sentAt, 300, 1300);
        Assert.Equal("pay", Encoding.UTF8.GetString(retry1.Body));
        Assert.Equal("TagA", retry1.Tags);
        Assert.Equal("order-1", retry1.Keys);
        Assert.Equal("1", retry1.Properties[MessageConst.ReconsumeTime]);
        Assert.Equal("Orders", retry1.Properties[MessageConst.RetryTopic]);
        Assert.Equal(original.MsgId, retry1.Properties[MessageConst.OriginMessageId]);
        Assert.Equal("3", retry1.Properties[MessageConst.DelayTimeLevel]);

        // Second failure (of the retry copy): level 4, count 2, still the first topic and id.
        Gateway.Tell(new ConsumerSendMsgBack(BrokerName, "billing", 8, retry1, 0, 2), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<SendAcks>().Acks.Single().Code);
        var retry2 = AwaitMessage("%RETRY%billing", 0, 1, TimeSpan.FromSeconds(10));
        Assert.Equal("2", retry2.Properties[MessageConst.ReconsumeTime]);
        Assert.Equal("4", retry2.Properties[MessageConst.DelayTimeLevel]);
        Assert.Equal("Orders", retry2.Properties[MessageConst.RetryTopic]);
        Assert.Equal(original.MsgId, retry2.Properties[MessageConst.OriginMessageId]);

        // Reconsumed maxReconsumeTimes (2) times: the third failure goes to %DLQ%billing at once.
        Gateway.Tell(new ConsumerSendMsgBack(BrokerName, "billing", 9, retry2, 0, 2), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<SendAcks>().Acks.Single().Code);
        var dead = Pull("%DLQ%billing", 0, 0).Messages.Single();
        Assert.Equal("3", dead.Properties[MessageConst.ReconsumeTime]);
        Assert.Equal("Orders", dead.Properties[MessageConst.RetryTopic]);
        Assert.Equal(original.MsgId, dead.Properties[MessageConst.OriginMessageId]);
        Assert.Equal(2, MaxOffset("%RETRY%billing", 0));

        // Bad send-backs are refused by name.
        Gateway.Tell(new ConsumerSendMsgBack(BrokerName, "bad group", 10, original, 0, 2), TestActor);
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, ExpectMsg<SendAcks>().Acks.Single().Code);
        Gateway.Tell(new ConsumerSendMsgBack(BrokerName, "billing", 11, original, 19, 2), TestActor);
        Assert.Contains("delay level 19", ExpectMsg<SendAcks>().Acks.Single().Error);
        var longGroup = new string('g', 200); // a legal group name, but %RETRY% + it is over the topic limit
        Gateway.Tell(new ConsumerSendMsgBack(BrokerName, longGroup, 12, original, 0, 2), TestActor);
        var tooLong = ExpectMsg<SendAcks>().Acks.Single();
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, tooLong.Code);
        Assert.Contains("retry or dead-letter topic", tooLong.Error);
    }

    [Fact]
    public void The_schedule_delivers_on_its_clock_only_and_survives_a_restart()
    {
        var now = 1_000_000L;
        var region = CreateTestProbe();
        var settings = ScheduleSettings.Default with { TickInterval = TimeSpan.FromMilliseconds(20), RedeliverAfter = TimeSpan.FromMilliseconds(500) };
        var broker = "sched-" + Guid.NewGuid().ToString("N")[..8];
        IActorRef Start() => Sys.ActorOf(ScheduleMessageLog.Props(broker, settings, "unused", region.Ref, () => Volatile.Read(ref now)));

        var schedule = Start();
        SendEntry E(long id, string body, int queue) => new(id, queue, false, 5, Text("Real", body));
        schedule.Tell(new ScheduleMessages(broker, new[]
        {
            new ScheduledEntry(now + 1_000, E(1, "first", 0)),
            new ScheduledEntry(now + 60_000, E(2, "later", 1)),
            new ScheduledEntry(now + 1_000, E(3, "oneway", 0) with { Oneway = true }),
        }), TestActor);
        var acks = ExpectMsg<SendAcks>().Acks;
        Assert.Equal(new[] { 1L, 2L }, acks.Select(a => a.CorrelationId));
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // ticks run; nothing is due on this clock

        Volatile.Write(ref now, now + 999);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Volatile.Write(ref now, now + 1);
        var due = region.ExpectMsg<AppendMessages>();
        var drain = region.LastSender;
        Assert.Equal(("Real", 0), (due.Topic, due.QueueId));
        Assert.Equal(new[] { "first", "oneway" }, due.Entries.Select(e => Encoding.UTF8.GetString(e.Message.Body)));
        // No ack yet: within redeliver-after it is not handed again.
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        drain.Tell(new SendAcks(broker, due.Entries.Select(e => new SendAck(e.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, 0, 0)).ToList()));
        // Delivered and forgotten: only the bucket of "later" is left.
        AwaitAssert(() => Assert.Equal(1, schedule.Ask<ScheduleMessageLog.TimerState>(ScheduleMessageLog.GetTimerState.Instance, TimeSpan.FromSeconds(3)).Result.PendingBuckets),
            TimeSpan.FromSeconds(10));

        // Restart before "later" is due: it is recovered from the journal and delivered once due; the acked ones are not again.
        Watch(schedule);
        schedule.Tell(PoisonPill.Instance);
        ExpectTerminated(schedule);
        Start();
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Volatile.Write(ref now, now + 58_999); // 1 ms before "later" is due
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Volatile.Write(ref now, now + 1);
        var later = region.ExpectMsg<AppendMessages>();
        Assert.Equal(("Real", 1), (later.Topic, later.QueueId));
        Assert.Equal("later", Encoding.UTF8.GetString(later.Entries.Single().Message.Body));

        // A failed store is retried after redeliver-after, not on every tick.
        region.Reply(new SendAcks(broker, new[] { new SendAck(later.Entries[0].CorrelationId, ResponseCode.SystemBusy, "busy", SendStatus.SendOk, 1, -1) }));
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Volatile.Write(ref now, now + 500);
        region.ExpectMsg<AppendMessages>(m => Assert.Equal("later", Encoding.UTF8.GetString(m.Entries.Single().Message.Body)));
    }
}
