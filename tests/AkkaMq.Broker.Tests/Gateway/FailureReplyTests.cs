using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests.Gateway;

/// <summary>
/// Every request a broker gateway accepts has one failure reply, of the type its sender waits for,
/// carrying the code and error. A new request type fails here until it is listed with its reply.
/// </summary>
public sealed class FailureReplyTests
{
    private static readonly BrokerIdentity Broker = new("DefaultCluster", "broker-a", 0, "127.0.0.1:2551");
    private static readonly MessageExt Msg = new("Orders", "broker-a", 0, 1, null, null, Message.EmptyProperties, "x"u8.ToArray(), 0, 0);
    private static readonly MessageQueue Queue = new("Orders", "broker-a", 0);

    /// <summary>A sample of each request type and the reply type of its failure (null: the sender expects no reply).</summary>
    private static readonly Dictionary<Type, (IBrokerRequest Sample, Type? Reply)> Requests = new[]
    {
        Case(new SendMessages("broker-a", new[] { new SendEntry(1, 0, false, 0, Message.FromText("Orders", "x")) }), typeof(SendAcks)),
        Case(new PullMessage("broker-a", "g", "Orders", 0, 5, 32, "*", 0), typeof(PullResult)),
        Case(new QueryQueueOffset("broker-a", "Orders", 0, QueueOffsetKind.Max, 0), typeof(QueueOffsetReply)),
        Case(new CommitConsumerOffsets("broker-a", "g", "Orders", new Dictionary<int, long> { [0] = 1 }), typeof(CommitConsumerOffsetsReply)),
        Case(new QueryConsumerOffset("broker-a", "g", "Orders", 0), typeof(ConsumerOffsetReply)),
        Case(new UpdateTopicConfig("broker-a", TopicConfig.Create("Orders")), typeof(UpdateTopicConfigReply)),
        Case(new GetDataChannel("broker-a"), typeof(DataChannelAddress)),
        Case(new ConsumerHeartbeat("broker-a", "g", "c1", MessageModel.Clustering, Array.Empty<SubscriptionData>()), typeof(ConsumerHeartbeatReply)),
        Case(new UnregisterConsumer("broker-a", "g", "c1"), null),
        Case(new GetConsumerList("broker-a", "g"), typeof(ConsumerList)),
        Case(new LockBatchMQ("broker-a", "g", "c1", new[] { Queue }), typeof(LockBatchMQReply)),
        Case(new UnlockBatchMQ("broker-a", "g", "c1", new[] { Queue }), null),
        Case(new ConsumerSendMsgBack("broker-a", "g", 9, Msg, 0, 16), typeof(SendAcks)),
        Case(new DeleteTopicInBroker("broker-a", "Orders"), typeof(DeleteTopicReply)),
        Case(new GetBrokerRuntimeInfo("broker-a"), typeof(BrokerRuntimeInfo)),
        Case(new GetConsumerOffsets("broker-a", "g", "Orders"), typeof(ConsumerOffsets)),
        Case(new QueryMessageKey("broker-a", "Orders", 0, "k", 10), typeof(MessageKeyOffsets)),
        Case(new GetConsumerConnection("broker-a", "g"), typeof(ConsumerConnectionInfo)),
        Case(new InvokeBrokerToResetOffset("broker-a", "g", "Orders", new Dictionary<int, long> { [0] = 0 }), typeof(ResetOffsetReply)),
        Case(new UpdateSubscriptionGroup("broker-a", new SubscriptionGroupConfig("g")), typeof(SubscriptionGroupReply)),
        Case(new DeleteSubscriptionGroup("broker-a", "g"), typeof(SubscriptionGroupReply)),
        Case(new GetSubscriptionGroup("broker-a", "g"), typeof(SubscriptionGroupReply)),
        Case(new GetSubscriptionGroups("broker-a"), typeof(SubscriptionGroups)),
        Case(new PopMessage("broker-a", "g", "Orders", -1, 32, "*", 30_000, 0, false, null, 17), typeof(PopResult)),
        Case(new AckMessage("broker-a", "g", "Orders", "h"), typeof(AckResult)),
        Case(new ChangeInvisibleTime("broker-a", "g", "Orders", "h", 30_000), typeof(ChangeInvisibleTimeResult)),
        Case(new ForwardToDeadLetterQueue("broker-a", "g", "Orders", "h"), typeof(ForwardToDeadLetterQueueResult)),
        Case(new PrepareHalfMessages("broker-a", new[] { new SendEntry(1, 0, false, 0, Message.FromText("Orders", "x")) }), typeof(SendAcks)),
        Case(new EndTransaction("broker-a", "pg", "Orders", "tx", TransactionResolution.Commit, false), typeof(EndTransactionReply)),
        Case(new QueryHalfMessages("broker-a", null, null, 10), typeof(HalfMessageList)),
        Case(new ProducerHeartbeat("broker-a", "g", "c1", new ClientChannel(null, "DOTNET", "1")), typeof(ProducerHeartbeatReply)),
        Case(new UnregisterProducer("broker-a", "g", "c1"), null),
        Case(new GetProducerConnection("broker-a", "g"), typeof(ProducerConnectionInfo)),
        Case(new PopConsumerHeartbeat("broker-a", "g", "c1", new ClientChannel("h:1", "JAVA", "5.0"), Array.Empty<SubscriptionData>()), typeof(ConsumerHeartbeatReply)),
    }.ToDictionary(c => c.Sample.GetType());

    private static (IBrokerRequest Sample, Type? Reply) Case(IBrokerRequest sample, Type? reply) => (sample, reply);

    private static IEnumerable<Type> ProtocolTypes() => typeof(IAkkaMqMessage).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false });

    [Fact]
    public void Every_broker_request_in_the_protocol_is_listed_here_with_its_reply()
    {
        var declared = ProtocolTypes().Where(t => typeof(IBrokerRequest).IsAssignableFrom(t)).Select(t => t.Name).Order();
        Assert.Equal(Requests.Keys.Select(t => t.Name).Order(), declared);
    }

    [Fact]
    public void Every_shard_command_from_a_client_is_a_broker_request()
    {
        // The broker's own commands into the region (the gateway's; the transaction entity's check-backs): never refused to a client.
        var gatewayOwn = new[] { typeof(AppendMessages), typeof(ScheduleMessages), typeof(GetTopicConfigs), typeof(CheckTransactionState) };
        var missing = ProtocolTypes()
            .Where(t => typeof(IBrokerShardCommand).IsAssignableFrom(t) && !typeof(IBrokerRequest).IsAssignableFrom(t) && !gatewayOwn.Contains(t))
            .Select(t => t.Name);
        Assert.Empty(missing);
    }

    public static IEnumerable<object[]> RequestTypes() => Requests.Keys.Select(t => new object[] { t.Name });

    [Theory]
    [MemberData(nameof(RequestTypes))]
    public void A_failed_request_is_answered_with_its_reply_type_carrying_code_and_error(string requestType)
    {
        var (sample, replyType) = Requests.Single(r => r.Key.Name == requestType).Value;
        var reply = sample.FailureReply(Broker, ResponseCode.ServiceNotAvailable, "failing over");
        if (replyType == null)
        {
            Assert.Null(reply);
            return;
        }
        Assert.IsType(replyType, reply);
        if (reply is SendAcks acks)
        {
            Assert.Equal("broker-a", acks.BrokerName);
            var ack = Assert.Single(acks.Acks);
            Assert.Equal((ResponseCode.ServiceNotAvailable, "failing over"), (ack.Code, ack.Error));
            return;
        }
        if (reply is DataChannelAddress channel)
        {
            Assert.Equal(0, channel.Port); // no data channel: the client stays on Akka.Remote
            return;
        }
        Assert.Equal(ResponseCode.ServiceNotAvailable, replyType.GetProperty("Code")!.GetValue(reply));
        Assert.Equal("failing over", replyType.GetProperty("Error")!.GetValue(reply));
    }

    [Fact]
    public void A_failed_send_acks_every_entry_but_the_one_way_ones()
    {
        var send = new SendMessages("broker-b", new[]
        {
            new SendEntry(1, 2, false, 0, Message.FromText("Orders", "a")),
            new SendEntry(2, 3, true, 0, Message.FromText("Orders", "b")),
            new SendEntry(3, 1, false, 0, Message.FromText("Orders", "c")),
        });
        var acks = Assert.IsType<SendAcks>(send.FailureReply(Broker, ResponseCode.SystemError, "no"));
        Assert.Equal("broker-a", acks.BrokerName); // the refusing broker, as the producer matches failures to its attempt
        Assert.Equal(new[] { (1L, 2), (3L, 1) }, acks.Acks.Select(a => (a.CorrelationId, a.QueueId)));
        Assert.All(acks.Acks, a => Assert.Equal(-1, a.QueueOffset));
        Assert.Null(new SendMessages("broker-a", new[] { new SendEntry(1, 0, true, 0, Message.FromText("Orders", "a")) })
            .FailureReply(Broker, ResponseCode.SystemError, "no"));
    }

    [Fact]
    public void A_failed_pull_keeps_the_requested_offset()
    {
        var result = Assert.IsType<PullResult>(new PullMessage("broker-a", "g", "Orders", 3, 42, 32, "*", 0)
            .FailureReply(Broker, ResponseCode.TopicNotExist, "gone"));
        Assert.Equal((PullStatus.OffsetIllegal, 42L, 3, "Orders"), (result.Status, result.NextBeginOffset, result.QueueId, result.Topic));
    }
}
