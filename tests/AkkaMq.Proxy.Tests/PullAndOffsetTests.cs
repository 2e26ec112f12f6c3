using AkkaMq.Client;
using AkkaMq.Client.Admin;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NativeQueue = AkkaMq.Protocol.MessageQueue;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// RocketMQ 5's pull consumer RPCs over the generated stubs: PullMessage, QueryOffset, GetOffset and UpdateOffset, with
/// offsets shared with native consumer groups both ways, and bad input refused with the code naming the problem.
/// </summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class PullAndOffsetTests(GrpcNodeFixture fx)
{
    private string BrokerName => fx.Node.Settings.Broker!.BrokerName;

    private MessageQueue Queue(string topic, int id) =>
        new() { Topic = new Resource { Name = topic }, Id = id, Broker = new Apache.Rocketmq.V2.Broker { Name = BrokerName } };

    /// <summary>Sends to queue 0, in order.</summary>
    private async Task SendAsync(string topic, params string[] tags)
    {
        foreach (var tag in tags)
        {
            var m = GrpcNodeFixture.NewMessage(topic, $"body-{tag}", tag);
            m.SystemProperties.QueueId = 0;
            var request = new SendMessageRequest();
            request.Messages.Add(m);
            var r = await fx.Client.SendMessageAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
            Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
        }
    }

    private async Task<(Status Status, List<Message> Messages, long? Next)> PullAsync(string group, string topic, long offset, int queue = 0,
        string filter = "*", double pollSeconds = 0)
    {
        using var call = fx.Client.PullMessage(new PullMessageRequest
        {
            Group = new Resource { Name = group }, MessageQueue = Queue(topic, queue), Offset = offset, BatchSize = 32,
            FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = filter },
            LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(pollSeconds)),
        }, deadline: DateTime.UtcNow.AddSeconds(30));
        var frames = new List<PullMessageResponse>();
        while (await call.ResponseStream.MoveNext()) frames.Add(call.ResponseStream.Current);
        Assert.Equal(PullMessageResponse.ContentOneofCase.Status, frames[0].ContentCase);
        var messages = frames.Where(f => f.ContentCase == PullMessageResponse.ContentOneofCase.Message).Select(f => f.Message).ToList();
        long? next = frames[^1].ContentCase == PullMessageResponse.ContentOneofCase.NextOffset ? frames[^1].NextOffset : null;
        return (frames[0].Status, messages, next);
    }

    private async Task<(Status Status, long Offset)> QueryOffsetAsync(string topic, QueryOffsetPolicy policy, int queue = 0, DateTimeOffset? at = null)
    {
        var request = new QueryOffsetRequest { MessageQueue = Queue(topic, queue), QueryOffsetPolicy = policy };
        if (at is { } t) request.Timestamp = Timestamp.FromDateTimeOffset(t);
        var r = await fx.Client.QueryOffsetAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
        return (r.Status, r.Offset);
    }

    private async Task<Status> UpdateOffsetAsync(string group, string topic, long offset, int queue = 0) =>
        (await fx.Client.UpdateOffsetAsync(new UpdateOffsetRequest { Group = new Resource { Name = group }, MessageQueue = Queue(topic, queue), Offset = offset },
            deadline: DateTime.UtcNow.AddSeconds(30))).Status;

    private async Task<(Status Status, long Offset)> GetOffsetAsync(string group, string topic, int queue = 0)
    {
        var r = await fx.Client.GetOffsetAsync(new GetOffsetRequest { Group = new Resource { Name = group }, MessageQueue = Queue(topic, queue) },
            deadline: DateTime.UtcNow.AddSeconds(30));
        return (r.Status, r.Offset);
    }

    [Fact]
    public async Task A_pull_returns_the_queues_messages_matching_the_tag_with_the_next_offset_and_nothing_new_is_MESSAGE_NOT_FOUND()
    {
        await fx.CreateTopicAsync("GrpcPull", 2, 2);
        await SendAsync("GrpcPull", "TagA", "TagB", "TagA");
        await Eventually.TrueAsync(async () => (await QueryOffsetAsync("GrpcPull", QueryOffsetPolicy.End)).Offset == 3,
            () => "the three messages were not stored in queue 0", TimeSpan.FromSeconds(30));
        Assert.Equal((Code.Ok, 0L), ((await QueryOffsetAsync("GrpcPull", QueryOffsetPolicy.Beginning)) is var b ? (b.Status.Code, b.Offset) : default));

        var (status, messages, next) = await PullAsync("grpc-pull", "GrpcPull", 0, filter: "TagA");
        Assert.True(status.Code == Code.Ok, status.Message);
        Assert.Equal(new[] { 0L, 2L }, messages.Select(m => m.SystemProperties.QueueOffset));
        Assert.All(messages, m => Assert.Equal("TagA", m.SystemProperties.Tag));
        Assert.Equal("body-TagA", messages[0].Body.ToStringUtf8());
        Assert.Equal(3, next);

        var (empty, none, same) = await PullAsync("grpc-pull", "GrpcPull", 3);
        Assert.Equal(Code.MessageNotFound, empty.Code);
        Assert.Empty(none);
        Assert.Equal(3, same);
    }

    [Fact]
    public async Task A_long_polling_pull_answers_when_a_message_arrives()
    {
        await fx.CreateTopicAsync("GrpcPullPoll", 1, 1);
        var pull = PullAsync("grpc-pull-poll", "GrpcPullPoll", 0, pollSeconds: 20);
        await SendAsync("GrpcPullPoll", "TagA");
        var (status, messages, next) = await pull;
        Assert.True(status.Code == Code.Ok, status.Message);
        Assert.Single(messages);
        Assert.Equal(1, next);
    }

    [Fact]
    public async Task QueryOffset_by_timestamp_finds_the_first_message_stored_at_or_after_it()
    {
        await fx.CreateTopicAsync("GrpcPullTime", 1, 1);
        await SendAsync("GrpcPullTime", "TagA", "TagB");
        await Eventually.TrueAsync(async () => (await QueryOffsetAsync("GrpcPullTime", QueryOffsetPolicy.End)).Offset == 2,
            () => "the messages were not stored", TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await QueryOffsetAsync("GrpcPullTime", QueryOffsetPolicy.Timestamp, at: DateTimeOffset.UnixEpoch)).Offset);
        var future = await QueryOffsetAsync("GrpcPullTime", QueryOffsetPolicy.Timestamp, at: DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal((Code.Ok, 2L), (future.Status.Code, future.Offset));
    }

    [Fact]
    public async Task UpdateOffset_is_the_native_groups_committed_offset_and_a_native_commit_is_what_GetOffset_answers()
    {
        await fx.CreateTopicAsync("GrpcOffsets", 2, 2);
        await SendAsync("GrpcOffsets", "TagA", "TagA", "TagA");
        await Eventually.TrueAsync(async () => (await QueryOffsetAsync("GrpcOffsets", QueryOffsetPolicy.End)).Offset == 3,
            () => "the messages were not stored", TimeSpan.FromSeconds(30));
        var (notYet, _) = await GetOffsetAsync("grpc-offsets", "GrpcOffsets");
        Assert.Equal(Code.OffsetNotFound, notYet.Code);
        Assert.Contains("grpc-offsets", notYet.Message);

        var update = await UpdateOffsetAsync("grpc-offsets", "GrpcOffsets", 2);
        Assert.True(update.Code == Code.Ok, update.Message);
        var native = AkkaMqPullConsumer.Create(fx.NativeClient, "grpc-offsets");
        var mq = new NativeQueue("GrpcOffsets", BrokerName, 0);
        Assert.Equal(2, await native.FetchConsumeOffsetAsync(mq));
        await using (var admin = new AkkaMqAdmin(new ClientContext(fx.NativeClient, ClientSettings.Create(fx.NativeClient.Settings.Config))))
        {
            var row = Assert.Single((await admin.ConsumerProgressAsync("grpc-offsets", "GrpcOffsets")).Queues, q => q.QueueId == 0);
            Assert.Equal((2L, 1L), (row.ConsumerOffset, row.Diff));
        }

        await native.UpdateConsumeOffsetAsync(mq, 1);
        var (status, offset) = await GetOffsetAsync("grpc-offsets", "GrpcOffsets");
        Assert.Equal((Code.Ok, 1L), (status.Code, offset));
    }

    [Fact]
    public async Task Bad_pulls_and_offsets_are_refused_naming_the_problem_and_change_nothing()
    {
        await fx.CreateTopicAsync("GrpcPullBad", 2, 2);
        await SendAsync("GrpcPullBad", "TagA");
        await Eventually.TrueAsync(async () => (await QueryOffsetAsync("GrpcPullBad", QueryOffsetPolicy.End)).Offset == 1,
            () => "the message was not stored", TimeSpan.FromSeconds(30));

        var (past, _, next) = await PullAsync("grpc-pull-bad", "GrpcPullBad", 10);
        Assert.Equal(Code.IllegalOffset, past.Code);
        Assert.Contains("10", past.Message);
        Assert.Equal(1, next);
        var (negative, _, _) = await PullAsync("grpc-pull-bad", "GrpcPullBad", -1);
        Assert.Equal(Code.IllegalOffset, negative.Code);
        Assert.Contains("negative", negative.Message);
        var (queue, _, _) = await PullAsync("grpc-pull-bad", "GrpcPullBad", 0, queue: 9);
        Assert.Equal(Code.BadRequest, queue.Code);
        Assert.Contains("queue id 9", queue.Message);
        var (topic, _, _) = await PullAsync("grpc-pull-bad", "GrpcPullNoSuchTopic", 0);
        Assert.Equal(Code.TopicNotFound, topic.Code);
        Assert.Contains("GrpcPullNoSuchTopic", topic.Message);
        var (group, _, _) = await PullAsync("bad group!", "GrpcPullBad", 0);
        Assert.Equal(Code.IllegalConsumerGroup, group.Code);

        var pastMax = await UpdateOffsetAsync("grpc-pull-bad", "GrpcPullBad", 5);
        Assert.Equal(Code.IllegalOffset, pastMax.Code);
        Assert.Contains("past the max offset 1", pastMax.Message);
        Assert.Equal(Code.IllegalOffset, (await UpdateOffsetAsync("grpc-pull-bad", "GrpcPullBad", -3)).Code);
        Assert.Equal(Code.BadRequest, (await UpdateOffsetAsync("grpc-pull-bad", "GrpcPullBad", 0, queue: 9)).Code);
        Assert.Equal(Code.TopicNotFound, (await UpdateOffsetAsync("grpc-pull-bad", "GrpcPullNoSuchTopic", 0)).Code);
        Assert.Equal(Code.IllegalConsumerGroup, (await GetOffsetAsync("bad group!", "GrpcPullBad")).Status.Code);
        Assert.Equal(Code.BadRequest, (await QueryOffsetAsync("GrpcPullBad", QueryOffsetPolicy.Timestamp)).Status.Code);
        Assert.Equal(Code.TopicNotFound, (await QueryOffsetAsync("GrpcPullNoSuchTopic", QueryOffsetPolicy.End)).Status.Code);
        // Nothing was committed, and the node keeps serving.
        Assert.Equal(Code.OffsetNotFound, (await GetOffsetAsync("grpc-pull-bad", "GrpcPullBad")).Status.Code);
        var (ok, messages, _) = await PullAsync("grpc-pull-bad", "GrpcPullBad", 0);
        Assert.True(ok.Code == Code.Ok, ok.Message);
        Assert.Single(messages);
    }
}
