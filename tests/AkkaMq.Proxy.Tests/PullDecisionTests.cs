using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Proxy.Consumer;
using AkkaMq.Proxy.Route;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using MessageQueue = Apache.Rocketmq.V2.MessageQueue;
using PullMessageRequest = Apache.Rocketmq.V2.PullMessageRequest;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// The plain decisions behind QueryAssignment and the pull consumer RPCs: the assignment list, a PullMessageRequest as a
/// broker pull and its answer as frames, QueryOffset's policies, the offset answers and commit checks, and the raised nack time.
/// </summary>
public sealed class PullDecisionTests
{
    private static readonly TopicRouteData Route = new(
        new[] { new QueueData("a", 3, 4, Perm.ReadWrite), new QueueData("b", 2, 2, Perm.ReadWrite), new QueueData("c", 2, 2, Perm.Write), new QueueData("d", 2, 2, Perm.Read) },
        new[]
        {
            Broker("a", "10.0.0.1:8081"), new BrokerData("C", "b", new Dictionary<long, string> { [0] = "y:1" }), Broker("c", "10.0.0.3:8081"),
            Broker("d", "10.0.0.4:8081"),
        });

    private static BrokerData Broker(string name, string grpc) =>
        new("C", name, new Dictionary<long, string> { [0] = "x:1" }) { GrpcEndpoints = new Dictionary<long, string> { [0] = grpc } };

    private static PullMessageRequest Pull(long offset = 5, int queue = 1, string broker = "broker-a", double pollSeconds = 30) => new()
    {
        Group = new Resource { Name = "g" },
        MessageQueue = new MessageQueue { Topic = new Resource { Name = "T" }, Id = queue, Broker = new Apache.Rocketmq.V2.Broker { Name = broker } },
        Offset = offset,
        BatchSize = 16,
        FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "TagA" },
        LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(pollSeconds)),
    };

    private static MessageExt Stored(long offset) =>
        new("T", "broker-a", 1, offset, "TagA", "k1 k2", new Dictionary<string, string> { ["UNIQ_KEY"] = $"ID{offset}", ["color"] = "red" },
            new byte[] { 1, 2 }, 1000, 2000);

    [Fact]
    public void A_plain_group_gets_one_any_queue_assignment_per_readable_broker_group_with_an_endpoint()
    {
        var assignments = QueueAssignments.Build(new Resource { Name = "T" }, Route, fifo: false);
        Assert.Equal(new[] { ("a", -1), ("d", -1) }, assignments.Select(a => (a.MessageQueue.Broker.Name, a.MessageQueue.Id)));
        Assert.Equal(Permission.ReadWrite, assignments[0].MessageQueue.Permission);
        Assert.Equal(Permission.Read, assignments[1].MessageQueue.Permission);
        Assert.Equal("10.0.0.1", assignments[0].MessageQueue.Broker.Endpoints.Addresses[0].Host);
        Assert.Equal("T", assignments[0].MessageQueue.Topic.Name);
    }

    [Fact]
    public void A_fifo_group_gets_each_readable_queue_on_its_own()
    {
        var assignments = QueueAssignments.Build(new Resource { Name = "T" }, Route, fifo: true);
        Assert.Equal(new[] { ("a", 0), ("a", 1), ("a", 2), ("d", 0), ("d", 1) }, assignments.Select(a => (a.MessageQueue.Broker.Name, a.MessageQueue.Id)));
    }

    [Fact]
    public void A_pull_takes_queue_offset_batch_and_tag_filter_and_polls_at_most_20_s_before_the_deadline()
    {
        var pull = PullRequestPlan.Plan(Pull(), "broker-a", TimeSpan.FromSeconds(60)).Pull!;
        Assert.Equal(("broker-a", "g", "T", 1, 5L, 16, "TagA"), (pull.BrokerName, pull.ConsumerGroup, pull.Topic, pull.QueueId, pull.QueueOffset, pull.MaxMsgNums, pull.SubExpression));
        Assert.Equal(20_000, pull.SuspendTimeoutMillis);
        Assert.Equal(4_000, PullRequestPlan.Plan(Pull(), "broker-a", TimeSpan.FromSeconds(5)).Pull!.SuspendTimeoutMillis);
    }

    [Theory]
    [InlineData(-1, 1, "broker-a", Code.IllegalOffset, "offset -1")]
    [InlineData(0, -1, "broker-a", Code.BadRequest, "queue id -1")]
    [InlineData(0, 1, "broker-b", Code.BadRequest, "broker-b")]
    public void Bad_pulls_are_refused_naming_the_problem(long offset, int queue, string broker, Code code, string named)
    {
        var refusal = PullRequestPlan.Plan(Pull(offset, queue, broker), "broker-a", null).Refusal!;
        Assert.Equal(code, refusal.Code);
        Assert.Contains(named, refusal.Message);
    }

    [Fact]
    public void Bad_group_topic_filter_and_polling_are_refused_with_their_codes()
    {
        var group = Pull();
        group.Group.Name = "bad group";
        Assert.Equal(Code.IllegalConsumerGroup, PullRequestPlan.Plan(group, "broker-a", null).Refusal!.Code);
        var topic = Pull();
        topic.MessageQueue.Topic.Name = "bad topic";
        Assert.Equal(Code.IllegalTopic, PullRequestPlan.Plan(topic, "broker-a", null).Refusal!.Code);
        var sql = Pull();
        sql.FilterExpression = new FilterExpression { Type = FilterType.Sql, Expression = "a > 1" };
        Assert.Equal(Code.IllegalFilterExpression, PullRequestPlan.Plan(sql, "broker-a", null).Refusal!.Code);
        Assert.Equal(Code.IllegalPollingTime, PullRequestPlan.Plan(Pull(pollSeconds: -1), "broker-a", null).Refusal!.Code);
    }

    [Fact]
    public void Found_messages_come_as_OK_then_each_message_then_the_next_offset()
    {
        var pull = PullRequestPlan.Plan(Pull(), "broker-a", null).Pull!;
        var result = new PullResult(PullStatus.Found, 7, 0, 9, "T", "broker-a", 1, new[] { Stored(5), Stored(6) }, ResponseCode.Success, null);
        var frames = PullRequestPlan.Frames(pull, result, "broker-a");
        Assert.Equal(Code.Ok, frames[0].Status.Code);
        Assert.Equal(new[] { "ID5", "ID6" }, frames.Skip(1).Take(2).Select(f => f.Message.SystemProperties.MessageId));
        Assert.Equal(new[] { "k1", "k2" }, frames[1].Message.SystemProperties.Keys);
        Assert.Equal(5, frames[1].Message.SystemProperties.QueueOffset);
        Assert.Equal("red", frames[1].Message.UserProperties["color"]);
        Assert.Equal(7, frames[3].NextOffset);
        Assert.Equal(4, frames.Count);
    }

    [Fact]
    public void Nothing_new_is_MESSAGE_NOT_FOUND_and_an_offset_outside_the_queue_is_ILLEGAL_OFFSET_each_with_the_next_offset()
    {
        var pull = PullRequestPlan.Plan(Pull(offset: 12), "broker-a", null).Pull!;
        var none = PullRequestPlan.Frames(pull, new PullResult(PullStatus.NoNewMsg, 12, 0, 12, "T", "broker-a", 1, Array.Empty<MessageExt>(), ResponseCode.Success, null), "b");
        Assert.Equal((Code.MessageNotFound, 12L), (none[0].Status.Code, none[1].NextOffset));
        var past = PullRequestPlan.Frames(pull, new PullResult(PullStatus.OffsetIllegal, 9, 0, 9, "T", "broker-a", 1, Array.Empty<MessageExt>(),
            ResponseCode.Success, "offset 12 is too big: queue T:1 holds offsets 0..8"), "b");
        Assert.Equal(Code.IllegalOffset, past[0].Status.Code);
        Assert.Contains("offset 12", past[0].Status.Message);
        Assert.Equal(9, past[1].NextOffset);
        var refused = PullRequestPlan.Frames(pull, PullResult.Failed(pull, ResponseCode.TopicNotExist, "topic 'T' does not exist"), "b");
        Assert.Equal(Code.TopicNotFound, Assert.Single(refused).Status.Code);
    }

    private static QueryOffsetRequest Query(QueryOffsetPolicy policy, Timestamp? at = null)
    {
        var r = new QueryOffsetRequest { MessageQueue = new MessageQueue { Topic = new Resource { Name = "T" }, Id = 2 }, QueryOffsetPolicy = policy };
        if (at != null) r.Timestamp = at;
        return r;
    }

    [Fact]
    public void QueryOffset_policies_map_to_min_max_and_search_by_time()
    {
        Assert.Equal(QueueOffsetKind.Min, OffsetRequestPlan.Query(Query(QueryOffsetPolicy.Beginning), "broker-a").Query!.Kind);
        Assert.Equal(QueueOffsetKind.Max, OffsetRequestPlan.Query(Query(QueryOffsetPolicy.End), "broker-a").Query!.Kind);
        var byTime = OffsetRequestPlan.Query(Query(QueryOffsetPolicy.Timestamp, new Timestamp { Seconds = 12, Nanos = 345_000_000 }), "broker-a").Query!;
        Assert.Equal((QueueOffsetKind.ByTimestamp, 12_345L, 2, "T"), (byTime.Kind, byTime.Timestamp, byTime.QueueId, byTime.Topic));
        var noTime = OffsetRequestPlan.Query(Query(QueryOffsetPolicy.Timestamp), "broker-a").Refusal!;
        Assert.Equal(Code.BadRequest, noTime.Code);
        Assert.Contains("timestamp", noTime.Message);
        Assert.Equal(Code.BadRequest, OffsetRequestPlan.Query(Query((QueryOffsetPolicy)7), "broker-a").Refusal!.Code);
    }

    [Fact]
    public void Offset_answers_and_commit_checks_name_the_problem()
    {
        Assert.Equal((42L, Code.Ok), Pair(OffsetRequestPlan.Answer(new ConsumerOffsetReply("g", "T", 1, 42, ResponseCode.Success, null))));
        var none = OffsetRequestPlan.Answer(new ConsumerOffsetReply("g", "T", 1, -1, ResponseCode.QueryNotFound, "consumer group 'g' has no committed offset on T:1"));
        Assert.Equal(Code.OffsetNotFound, none.Status.Code);
        Assert.Contains("'g'", none.Status.Message);
        Assert.Equal(Code.TopicNotFound, OffsetRequestPlan.Answer(new QueueOffsetReply("T", 1, -1, -1, -1, -1, ResponseCode.TopicNotExist, "no T")).Status.Code);
        Assert.Null(OffsetRequestPlan.CheckCommit(10, "T", 1, 10));
        Assert.Contains("past the max offset 10", OffsetRequestPlan.CheckCommit(11, "T", 1, 10)!.Message);
        Assert.Equal(Code.IllegalOffset, OffsetRequestPlan.CheckCommit(-1, "T", 1, 10)!.Code);
    }

    private static (long, Code) Pair((long Offset, Status Status) a) => (a.Offset, a.Status.Code);

    [Theory]
    [InlineData(1, 10_000)] // the Node.js client's backoff, in milliseconds
    [InlineData(2_000, 10_000)]
    [InlineData(0, 10_000)]
    [InlineData(60_000, 60_000)]
    [InlineData(-5, -5)]
    public void A_nack_shorter_than_the_brokers_minimum_invisible_time_is_raised_to_it(long requested, long expected) =>
        Assert.Equal(expected, ReceiveRequestPlan.ChangedInvisibleMillis(TimeSpan.FromMilliseconds(requested)));
}
