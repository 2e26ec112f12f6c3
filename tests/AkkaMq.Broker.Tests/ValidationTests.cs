using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests;

/// <summary>Every bad input is refused with an error naming the problem, and nothing is stored.</summary>
public sealed class ValidationTests : BrokerTestBase
{
    public ValidationTests(ITestOutputHelper output)
        : base(output, StartNode("""
            akkamq.broker.maxMessageSize = 1024
            akkamq.broker.maxPropertyCount = 4
            akkamq.broker.maxPropertiesSize = 200
            akkamq.broker.autoCreateTopicEnable = false
            """)) { }

    private SendAck SendOne(Message m, int queueId = 0) => Send(Entry(m, queueId)).Single();

    [Fact]
    public void Bad_messages_are_refused_and_nothing_is_stored()
    {
        CreateTopic("Valid", 2);
        var cases = new (Message Message, int QueueId, ResponseCode Code, string Text)[]
        {
            (new Message("Valid", Array.Empty<byte>()), 0, ResponseCode.MessageIllegal, "body is empty"),
            (new Message("Valid", new byte[1025]), 0, ResponseCode.MessageIllegal, "1025 bytes"),
            (new Message("Valid", new byte[1], properties: Enumerable.Range(0, 5).ToDictionary(i => $"p{i}", i => "v")), 0, ResponseCode.MessageIllegal, "5 properties"),
            (new Message("Valid", new byte[1], properties: new Dictionary<string, string> { ["big"] = new string('x', 300) }), 0, ResponseCode.MessageIllegal, "maximum is 200"),
            (new Message("Valid", new byte[1], tags: "A||B"), 0, ResponseCode.MessageIllegal, "||"),
            (new Message("Valid", new byte[1]), 2, ResponseCode.MessageIllegal, "queue id 2"),
            (new Message("Valid", new byte[1]), -1, ResponseCode.MessageIllegal, "queue id -1"),
            (new Message("Bad Topic", new byte[1]), 0, ResponseCode.MessageIllegal, "' '"),
            (new Message(new string('t', 128), new byte[1]), 0, ResponseCode.MessageIllegal, "128 characters"),
            (new Message("Missing", new byte[1]), 0, ResponseCode.TopicNotExist, "'Missing' does not exist"),
        };
        foreach (var (message, queueId, code, text) in cases)
        {
            var ack = SendOne(message, queueId);
            Assert.Equal(code, ack.Code);
            Assert.Contains(text, ack.Error);
        }
        // The maximum itself is fine.
        Assert.Equal(ResponseCode.Success, SendOne(new Message("Valid", new byte[1024])).Code);
        Assert.Equal(1, MaxOffset("Valid", 0));
        Assert.Equal(0, MaxOffset("Valid", 1));
    }

    [Fact]
    public void A_bad_entry_does_not_hold_back_good_ones_in_the_same_batch()
    {
        CreateTopic("Mixed");
        var acks = Send(Entry(Text("Mixed", "ok1")), Entry(new Message("Mixed", Array.Empty<byte>())), Entry(Text("Mixed", "ok2")));
        Assert.Equal(2, acks.Count(a => a.Code == ResponseCode.Success));
        Assert.Single(acks, a => a.Code == ResponseCode.MessageIllegal);
        Assert.Equal(2, MaxOffset("Mixed", 0));
    }

    [Fact]
    public void Read_only_topic_refuses_writes()
    {
        CreateTopic("ReadOnly", 1, Perm.Read);
        var ack = SendOne(Text("ReadOnly", "x"));
        Assert.Equal(ResponseCode.NoPermission, ack.Code);
        Assert.Contains("not writable", ack.Error);
    }

    [Fact]
    public void Offsets_commit_and_query_with_clear_errors()
    {
        CreateTopic("Offsets");
        Gateway.Tell(new QueryConsumerOffset(BrokerName, "new-group", "Offsets", 0), TestActor);
        var none = ExpectMsg<ConsumerOffsetReply>();
        Assert.Equal(ResponseCode.QueryNotFound, none.Code);
        Assert.Equal(-1, none.Offset);
        Assert.Contains("new-group", none.Error);

        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "new-group", "Offsets", new Dictionary<int, long> { [0] = 5, [1] = 7 }), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<CommitConsumerOffsetsReply>().Code);
        Gateway.Tell(new QueryConsumerOffset(BrokerName, "new-group", "Offsets", 1), TestActor);
        Assert.Equal(7, ExpectMsg<ConsumerOffsetReply>().Offset);

        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "new-group", "Offsets", new Dictionary<int, long> { [0] = -3 }), TestActor);
        var negative = ExpectMsg<CommitConsumerOffsetsReply>();
        Assert.Equal(ResponseCode.OffsetIllegal, negative.Code);
        Gateway.Tell(new QueryConsumerOffset(BrokerName, "new-group", "Offsets", 0), TestActor);
        Assert.Equal(5, ExpectMsg<ConsumerOffsetReply>().Offset);

        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "bad/group", "Offsets", new Dictionary<int, long> { [0] = 1 }), TestActor);
        Assert.Equal(ResponseCode.ConsumerGroupIllegal, ExpectMsg<CommitConsumerOffsetsReply>().Code);

        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "g", "Offsets", new Dictionary<int, long> { [99] = 1 }), TestActor);
        Assert.Contains("queue id 99", ExpectMsg<CommitConsumerOffsetsReply>().Error);
    }
}
