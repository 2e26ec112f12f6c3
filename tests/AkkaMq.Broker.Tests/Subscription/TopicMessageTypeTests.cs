using AkkaMq.Broker.Processor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Subscription;

/// <summary>
/// message.type on the native send path: a topic with a type takes only messages of that type and refuses the others
/// with MESSAGE_PROPERTY_CONFLICT_WITH_TYPE naming the topic and both types; a topic without one takes every type.
/// </summary>
public sealed class TopicMessageTypeTests(ITestOutputHelper output)
{
    private static readonly Dictionary<TopicMessageType, Dictionary<string, string>> PropertiesOf = new()
    {
        [TopicMessageType.Normal] = new(),
        [TopicMessageType.Fifo] = new() { [TopicMessageTypes.ShardingKey] = "order-1" },
        [TopicMessageType.Delay] = new() { [MessageConst.DelayTimeLevel] = "2" },
        // A half message names its producer group (PGROUP), which the broker requires.
        [TopicMessageType.Transaction] = new() { [TopicMessageTypes.TransactionPrepared] = "true", ["PGROUP"] = "pg" },
    };

    [Fact]
    public void A_message_type_is_read_from_its_properties_as_RocketMQ_does()
    {
        foreach (var (type, props) in PropertiesOf) Assert.Equal(type, TopicMessageTypes.Of(props));
        Assert.Equal(TopicMessageType.Delay, TopicMessageTypes.Of(new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = "1" }));
        Assert.Equal(TopicMessageType.Normal, TopicMessageTypes.Of(new Dictionary<string, string> { [MessageConst.DelayTimeLevel] = "0" }));
        Assert.Equal(TopicMessageType.Normal, TopicMessageTypes.Of(new Dictionary<string, string> { [TopicMessageTypes.TransactionPrepared] = "false" }));
        // First match wins: a delayed message with a message group is a DELAY message, a transactional one a TRANSACTION message.
        Assert.Equal(TopicMessageType.Delay, TopicMessageTypes.Of(new Dictionary<string, string>
            { [TopicMessageTypes.ShardingKey] = "g", [MessageConst.DelayTimeLevel] = "1" }));
        Assert.Equal(TopicMessageType.Transaction, TopicMessageTypes.Of(new Dictionary<string, string>
            { [TopicMessageTypes.TransactionPrepared] = "true", [MessageConst.DelayTimeLevel] = "1" }));
    }

    [Fact]
    public void The_check_allocates_nothing_for_a_topic_without_a_type()
    {
        var config = new TopicConfig("Plain", 4, 4, Perm.ReadWrite) { Attributes = new Dictionary<string, string> { [TopicAttributes.RetentionTime] = "1h" } };
        var typed = new TopicConfig("Typed", 4, 4, Perm.ReadWrite) { Attributes = new Dictionary<string, string> { [TopicAttributes.MessageType] = "FIFO" } };
        var msg = Message.FromText("Plain", "x", properties: PropertiesOf[TopicMessageType.Fifo]);
        Assert.Null(RequestValidator.CheckMessageType(config, msg));
        Assert.Null(RequestValidator.CheckMessageType(typed, msg));
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            RequestValidator.CheckMessageType(config, msg);
            RequestValidator.CheckMessageType(typed, msg);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Each_typed_topic_takes_its_type_and_refuses_the_others_and_an_untyped_topic_takes_all()
    {
        await using var s = await BrokerSession.StartAsync(output);
        s.CreateTopic("Untyped", 1);
        foreach (var topicType in PropertiesOf.Keys)
        {
            var topic = $"Typed{topicType}";
            var name = TopicMessageTypes.Name(topicType);
            s.NameServer.Tell(new Protocol.NameServer.CreateTopic(new TopicConfig(topic, 1, 1, Perm.ReadWrite)
            {
                Attributes = new Dictionary<string, string> { ["+" + TopicAttributes.MessageType] = name },
            }, null, null), s.TestActor);
            Assert.Equal(ResponseCode.Success, s.Expect<Protocol.NameServer.CreateTopicReply>().Code);

            foreach (var (messageType, props) in PropertiesOf)
            {
                var ack = s.Send(s.Entry(BrokerTestBase.Text(topic, "m", props: props))).Single();
                if (messageType == topicType)
                {
                    Assert.True(ack.Code == ResponseCode.Success, $"{name} topic refused a {messageType} message: {ack.Error}");
                    continue;
                }
                Assert.Equal(ResponseCode.MessagePropertyConflictWithType, ack.Code);
                Assert.Equal($"topic '{topic}' takes only {name} messages (message.type={name}), not a {TopicMessageTypes.Name(messageType)} message",
                    ack.Error!.Split(';')[0]);
            }
        }
        foreach (var props in PropertiesOf.Values)
            Assert.Equal(ResponseCode.Success, s.Send(s.Entry(BrokerTestBase.Text("Untyped", "m", props: props))).Single().Code);
        // The FIFO refusal says how to send a FIFO message natively.
        var normal = s.Send(s.Entry(BrokerTestBase.Text("TypedFifo", "m"))).Single();
        Assert.Contains("carries its message group in property __SHARDINGKEY", normal.Error);
        // A refused entry does not hold up the rest of its batch.
        var acks = s.Send(s.Entry(BrokerTestBase.Text("TypedFifo", "bad")), s.Entry(BrokerTestBase.Text("TypedFifo", "ok", props: PropertiesOf[TopicMessageType.Fifo])));
        Assert.Equal(new[] { ResponseCode.MessagePropertyConflictWithType, ResponseCode.Success }, acks.OrderBy(a => a.CorrelationId).Select(a => a.Code));
    }
}
