using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// Topic attributes through the NameServer and the broker group's topic config log: set, kept by an update without
/// changes, removed, refused with nothing changed, shown in the route, and recovered from the journal after a restart.
/// </summary>
public sealed class TopicAttributeTests(ITestOutputHelper output) : IDisposable
{
    private const string Topic = "AttrTopic";
    private readonly TempDirectory _dataDir = new("akkamq-topic-attributes-");

    public void Dispose() => _dataDir.Dispose();

    private static IReadOnlyDictionary<string, string> Changes(params string[] args) =>
        TopicAttributes.ParseChanges(args, out var error) ?? throw new ArgumentException(error);

    private static CreateTopicReply Create(BrokerSession s, int queues, IReadOnlyDictionary<string, string> changes)
    {
        s.NameServer.Tell(new CreateTopic(new TopicConfig(Topic, queues, queues, Perm.ReadWrite) { Attributes = changes }, null, null), s.TestActor);
        return s.Expect<CreateTopicReply>();
    }

    private static TopicConfig Stored(BrokerSession s) => s.TopicConfigs().Single(c => c.TopicName == Topic);

    private static QueueData RouteQueue(BrokerSession s)
    {
        s.NameServer.Tell(new GetRouteInfo(Topic, false), s.TestActor);
        var reply = s.Expect<RouteInfoReply>();
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
        return Assert.Single(reply.Route!.QueueDatas);
    }

    [Fact]
    public async Task Attributes_are_set_kept_removed_refused_and_survive_a_restart()
    {
        await using (var s = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path))
        {
            Assert.Equal(ResponseCode.Success, Create(s, 2, Changes("+retention.time=10m", "+retention.bytes=1GiB", "+message.type=fifo")).Code);
            var set = Stored(s);
            Assert.Equal(TimeSpan.FromMinutes(10), set.RetentionTime);
            Assert.Equal(1L << 30, set.RetentionBytes);
            Assert.Equal(TopicMessageType.Fifo, set.MessageType);
            Assert.Equal("message.type=FIFO,retention.bytes=1GiB,retention.time=10m", TopicAttributes.ToText(RouteQueue(s).Attributes));

            // An update without attribute changes keeps them.
            Assert.Equal(ResponseCode.Success, Create(s, 3, TopicAttributes.Empty).Code);
            Assert.Equal(3, Stored(s).WriteQueueNums);
            Assert.Equal(set.Attributes, Stored(s).Attributes);

            Assert.Equal(ResponseCode.Success, Create(s, 3, Changes("-retention.bytes", "+retention.time=72h")).Code);
            Assert.Equal("message.type=FIFO,retention.time=72h", TopicAttributes.ToText(Stored(s).Attributes));
            Assert.Equal("message.type=FIFO,retention.time=72h", TopicAttributes.ToText(RouteQueue(s).Attributes));

            // Refused at the NameServer: nothing reaches the broker.
            var bad = Create(s, 5, new Dictionary<string, string> { ["+retention.time"] = "forever" });
            Assert.Equal(ResponseCode.MessageIllegal, bad.Code);
            Assert.Contains("attribute 'retention.time': 'forever' is not a duration", bad.Error);
            Assert.Equal(3, Stored(s).WriteQueueNums);

            // Refused by the broker group itself, which trusts no sender.
            s.Gateway.Tell(new UpdateTopicConfig(s.BrokerName, new TopicConfig(Topic, 6, 6, Perm.ReadWrite)
            {
                Attributes = new Dictionary<string, string> { ["+retention.time"] = "1h", ["+colour"] = "blue" },
            }), s.TestActor);
            var refused = s.Expect<UpdateTopicConfigReply>();
            Assert.Equal(ResponseCode.MessageIllegal, refused.Code);
            Assert.Contains("unknown topic attribute 'colour'", refused.Error);
            Assert.Null(refused.Config);
            var unchanged = Stored(s);
            Assert.Equal(3, unchanged.WriteQueueNums);
            Assert.Equal("message.type=FIFO,retention.time=72h", TopicAttributes.ToText(unchanged.Attributes));

            // The group keeps serving the topic.
            var fifo = new Dictionary<string, string> { [TopicMessageTypes.ShardingKey] = "group-1" }; // the topic is FIFO
            Assert.Equal(ResponseCode.Success, s.Send(s.Entry(BrokerTestBase.Text(Topic, "still served", props: fifo))).Single().Code);
        }

        await using var again = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path);
        await again.AwaitAssertAsync(() =>
        {
            var recovered = Stored(again);
            Assert.Equal(3, recovered.WriteQueueNums);
            Assert.Equal(TimeSpan.FromHours(72), recovered.RetentionTime);
            Assert.Null(recovered.RetentionBytes);
            Assert.Equal(TopicMessageType.Fifo, recovered.MessageType);
        }, TimeSpan.FromSeconds(15));
        await again.AwaitAssertAsync(() => Assert.Equal("message.type=FIFO,retention.time=72h", TopicAttributes.ToText(RouteQueue(again).Attributes)),
            TimeSpan.FromSeconds(15));
    }
}
