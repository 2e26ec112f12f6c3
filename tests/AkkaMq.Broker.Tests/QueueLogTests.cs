using System.Text;
using Akka.Actor;
using Akka.Persistence;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests;

public sealed class QueueLogTests : BrokerTestBase
{
    // A small tail so that reads of older offsets go to the journal.
    public QueueLogTests(ITestOutputHelper output) : base(output, StartNode("akkamq.broker.queue.tail-messages = 16")) { }

    [Fact]
    public void Stored_message_keeps_every_field_and_gets_dense_offsets()
    {
        CreateTopic("Fields");
        var props = new Dictionary<string, string> { ["a"] = "1", ["ключ"] = "значение" };
        var binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var acks = Send(
            Entry(Text("Fields", "{\"json\":true}", "TagA", "k1 k2", props)),
            Entry(new Message("Fields", binary, "TagB")),
            Entry(Text("Fields", "plain")));
        Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));
        Assert.Equal(new long[] { 0, 1, 2 }, acks.Select(a => a.QueueOffset).OrderBy(o => o));

        var r = Pull("Fields", 0, 0);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(3, r.NextBeginOffset);
        Assert.Equal(3, r.MaxOffset);
        Assert.Equal(0, r.MinOffset);
        var m0 = r.Messages[0];
        Assert.Equal("{\"json\":true}", Encoding.UTF8.GetString(m0.Body));
        Assert.Equal("TagA", m0.Tags);
        Assert.Equal("k1 k2", m0.Keys);
        Assert.Equal(props, m0.Properties);
        Assert.Equal(1_700_000_000_000, m0.BornTimestamp);
        Assert.True(m0.StoreTimestamp > 1_700_000_000_000);
        Assert.Equal(binary, r.Messages[1].Body);
        Assert.Null(r.Messages[2].Tags);
        Assert.True(MessageId.TryParse(m0.MsgId, out var id));
        Assert.Equal(MessageId.Hash(BrokerName), id.BrokerHash);
        Assert.Equal(MessageId.Hash("Fields"), id.TopicHash);
        Assert.Equal(0, id.QueueOffset);
    }

    [Fact]
    public void Concurrent_sends_are_group_committed_into_few_journal_writes()
    {
        CreateTopic("Group");
        const int batches = 200, perBatch = 10;
        for (var b = 0; b < batches; b++)
            Gateway.Tell(new SendMessages(BrokerName, Enumerable.Range(0, perBatch).Select(i => Entry(Text("Group", $"{b}-{i}"), 1)).ToArray()), TestActor);
        var acks = new List<SendAck>();
        while (acks.Count < batches * perBatch) acks.AddRange(ExpectMsg<SendAcks>(TimeSpan.FromSeconds(20)).Acks);
        Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));
        Assert.Equal(Enumerable.Range(0, batches * perBatch).Select(i => (long)i), acks.Select(a => a.QueueOffset).OrderBy(o => o));

        // Count the queue log's journal events through the journal protocol.
        var journal = Persistence.Instance.Apply(Sys).JournalFor(null);
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "queue|broker-a|Group|1", TestActor));
        var events = 0;
        FishForMessage(m =>
        {
            if (m is ReplayedMessage) events++;
            return m is RecoverySuccess;
        }, TimeSpan.FromSeconds(10));
        Output.WriteLine($"{batches * perBatch} messages in {events} journal writes");
        Assert.True(events < batches, $"expected group commit to merge {batches} sends, got {events} journal writes");
    }

    [Fact]
    public void Old_offsets_are_read_from_the_journal_in_order()
    {
        CreateTopic("Backlog");
        const int count = 600;
        for (var i = 0; i < count; i += 50)
            Send(Enumerable.Range(i, 50).Select(n => Entry(Text("Backlog", $"m{n}", n % 3 == 0 ? "Three" : "Other"), 2)).ToArray());
        var offset = 0L;
        var seen = new List<string>();
        while (offset < count)
        {
            var r = Pull("Backlog", 2, offset, 64);
            Assert.Equal(PullStatus.Found, r.Status);
            seen.AddRange(r.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
            Assert.Equal(offset, r.Messages[0].QueueOffset);
            offset = r.NextBeginOffset;
        }
        Assert.Equal(Enumerable.Range(0, count).Select(n => $"m{n}"), seen);

        // A tag filter over the journal returns only matching messages and skips the rest.
        var filtered = Pull("Backlog", 2, 0, 1000, "Three");
        Assert.Equal(count / 3, filtered.Messages.Count);
        Assert.All(filtered.Messages, m => Assert.Equal("Three", m.Tags));
        Assert.Equal(count, filtered.NextBeginOffset);
    }

    [Fact]
    public void Consumers_catching_up_through_the_read_ahead_get_every_message_once_in_order()
    {
        CreateTopic("Ahead");
        const int count = 900;
        for (var i = 0; i < count; i += 30)
            Send(Enumerable.Range(i, 30).Select(n => Entry(Text("Ahead", $"m{n}", n % 4 == 0 ? "Four" : "Other"), 3)).ToArray());

        // Two groups read at different places with uneven pull sizes; each pull's successor is sent
        // before its answer is read, so pulls also arrive while a read-ahead range is loading.
        var sizes = new[] { 37, 64, 5, 200, 1, 128 };
        var offsets = new Dictionary<string, long> { ["g1"] = 0, ["g2"] = 450 };
        var ends = new Dictionary<string, long> { ["g1"] = count, ["g2"] = count };
        var seen = new Dictionary<string, List<string>> { ["g1"] = new(), ["g2"] = new() };
        var step = 0;
        while (offsets["g1"] < ends["g1"] || offsets["g2"] < ends["g2"])
        {
            var asked = new List<string>();
            foreach (var g in new[] { "g1", "g2" })
            {
                if (offsets[g] >= ends[g]) continue;
                Gateway.Tell(new PullMessage(BrokerName, g, "Ahead", 3, offsets[g], sizes[step++ % sizes.Length], "*", 0), TestActor);
                asked.Add(g);
            }
            foreach (var g in asked)
            {
                var r = ExpectMsg<PullResult>(TimeSpan.FromSeconds(10));
                var group = r.Messages.Count > 0 && r.Messages[0].QueueOffset == offsets[g] ? g : asked.Single(x => x != g);
                Assert.Equal(PullStatus.Found, r.Status);
                Assert.Equal(offsets[group], r.Messages[0].QueueOffset);
                seen[group].AddRange(r.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
                offsets[group] = r.NextBeginOffset;
            }
        }
        Assert.Equal(Enumerable.Range(0, count).Select(n => $"m{n}"), seen["g1"]);
        Assert.Equal(Enumerable.Range(450, count - 450).Select(n => $"m{n}"), seen["g2"]);

        // A filtered pull inside a range already read ahead still filters.
        Pull("Ahead", 3, 100, 10);
        var filtered = Pull("Ahead", 3, 110, 50, "Four");
        Assert.Equal(Enumerable.Range(110, 200).Where(n => n % 4 == 0).Take(50).Select(n => $"m{n}"),
            filtered.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
    }

    [Fact]
    public void Pull_edge_cases_answer_with_RocketMQ_statuses()
    {
        CreateTopic("Edges");
        Send(Entry(Text("Edges", "a", "TagA")), Entry(Text("Edges", "b", "TagB")), Entry(Text("Edges", "c", "TagC")));

        var tooBig = Pull("Edges", 0, 10);
        Assert.Equal(PullStatus.OffsetIllegal, tooBig.Status);
        Assert.Equal(3, tooBig.NextBeginOffset);
        Assert.Contains("too big", tooBig.Error);

        var tooSmall = Pull("Edges", 0, -5);
        Assert.Equal(PullStatus.OffsetIllegal, tooSmall.Status);
        Assert.Equal(0, tooSmall.NextBeginOffset);

        var atEnd = Pull("Edges", 0, 3);
        Assert.Equal(PullStatus.NoNewMsg, atEnd.Status);
        Assert.Equal(3, atEnd.NextBeginOffset);

        var noMatch = Pull("Edges", 0, 0, filter: "TagX");
        Assert.Equal(PullStatus.NoMatchedMsg, noMatch.Status);
        Assert.Equal(3, noMatch.NextBeginOffset);

        var two = Pull("Edges", 0, 0, filter: "TagA || TagC");
        Assert.Equal(new[] { "a", "c" }, two.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));

        var limited = Pull("Edges", 0, 0, max: 2);
        Assert.Equal(2, limited.Messages.Count);
        Assert.Equal(2, limited.NextBeginOffset);

        var badMax = Pull("Edges", 0, 0, max: 0);
        Assert.Equal(ResponseCode.MessageIllegal, badMax.Code);
        Assert.Contains("maxMsgNums", badMax.Error);

        var badFilter = Pull("Edges", 0, 0, filter: "TagA ||");
        Assert.Equal(ResponseCode.SubscriptionParseFailed, badFilter.Code);

        var badQueue = Pull("Edges", 9, 0);
        Assert.Equal(ResponseCode.MessageIllegal, badQueue.Code);
        Assert.Contains("queue id 9", badQueue.Error);

        var unknownTopic = Pull("NoSuchTopic", 0, 0);
        Assert.Equal(ResponseCode.TopicNotExist, unknownTopic.Code);
        Assert.Contains("NoSuchTopic", unknownTopic.Error);

        var badGroup = Pull("Edges", 0, 0, group: "bad group!");
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, badGroup.Code);
    }

    [Fact]
    public void Long_polling_answers_on_arrival_and_on_timeout()
    {
        CreateTopic("Poll");
        // Held: nothing comes back until a message arrives.
        Gateway.Tell(new PullMessage(BrokerName, "g", "Poll", 3, 0, 32, "*", 10_000), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var sender = CreateTestProbe();
        Gateway.Tell(new SendMessages(BrokerName, new[] { Entry(Text("Poll", "wake up"), 3) }), sender);
        var woke = ExpectMsg<PullResult>(TimeSpan.FromSeconds(5));
        Assert.Equal(PullStatus.Found, woke.Status);
        Assert.Equal("wake up", Encoding.UTF8.GetString(woke.Messages[0].Body));
        sender.ExpectMsg<SendAcks>();

        // A held pull with a filter ignores non-matching arrivals and reports how far it got on timeout.
        Gateway.Tell(new PullMessage(BrokerName, "g", "Poll", 3, 1, 32, "Wanted", 700), TestActor);
        Gateway.Tell(new SendMessages(BrokerName, new[] { Entry(Text("Poll", "other", "Unwanted"), 3) }), sender);
        sender.ExpectMsg<SendAcks>();
        var expired = ExpectMsg<PullResult>(TimeSpan.FromSeconds(5));
        Assert.Equal(PullStatus.NoMatchedMsg, expired.Status);
        Assert.Equal(2, expired.NextBeginOffset);

        // Plain timeout with nothing new.
        Within(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5), () =>
        {
            Gateway.Tell(new PullMessage(BrokerName, "g", "Poll", 3, 2, 32, "*", 500), TestActor);
            Assert.Equal(PullStatus.NoNewMsg, ExpectMsg<PullResult>().Status);
        });
    }

    [Fact]
    public void Offsets_can_be_found_by_store_time()
    {
        CreateTopic("Times");
        Send(Entry(Text("Times", "early")));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1;
        AwaitCondition(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > before, TimeSpan.FromSeconds(1));
        Send(Entry(Text("Times", "late")));
        Gateway.Tell(new QueryQueueOffset(BrokerName, "Times", 0, QueueOffsetKind.ByTimestamp, before), TestActor);
        Assert.Equal(1, ExpectMsg<QueueOffsetReply>().Offset);
        Gateway.Tell(new QueryQueueOffset(BrokerName, "Times", 0, QueueOffsetKind.ByTimestamp, 0), TestActor);
        Assert.Equal(0, ExpectMsg<QueueOffsetReply>().Offset);
        Gateway.Tell(new QueryQueueOffset(BrokerName, "Times", 0, QueueOffsetKind.ByTimestamp, long.MaxValue), TestActor);
        Assert.Equal(2, ExpectMsg<QueueOffsetReply>().Offset);
    }
}
