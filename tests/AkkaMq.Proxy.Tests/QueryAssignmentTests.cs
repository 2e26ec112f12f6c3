using Akka.Actor;
using AkkaMq.Protocol.Admin;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace AkkaMq.Proxy.Tests;

/// <summary>QueryAssignment over the generated stubs, as a PushConsumer calls it every few seconds.</summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class QueryAssignmentTests(GrpcNodeFixture fx)
{
    private Task<QueryAssignmentResponse> QueryAsync(string group, string topic) =>
        fx.Client.QueryAssignmentAsync(new QueryAssignmentRequest
        {
            Group = new Resource { Name = group }, Topic = new Resource { Name = topic },
        }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync;

    private async Task UpdateGroupAsync(SubscriptionGroupConfig config)
    {
        var update = await fx.Node.System.ActorSelection(BrokerAccess.GatewayPath).Ask<SubscriptionGroupReply>(
            new UpdateSubscriptionGroup(fx.Node.Settings.Broker!.BrokerName, config), TimeSpan.FromSeconds(10));
        Assert.True(update.Code == AkkaMq.Protocol.ResponseCode.Success, update.Error);
    }

    [Fact]
    public async Task A_plain_group_is_assigned_any_queue_of_the_broker_group_at_its_endpoint_and_receives_from_it()
    {
        await fx.CreateTopicAsync("GrpcAssign");
        var r = await QueryAsync("grpc-assign", "GrpcAssign");
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
        var mq = Assert.Single(r.Assignments).MessageQueue;
        Assert.Equal((-1, fx.Node.Settings.Broker!.BrokerName, Permission.ReadWrite), (mq.Id, mq.Broker.Name, mq.Permission));
        Assert.Equal(fx.Proxy.Port, mq.Broker.Endpoints.Addresses[0].Port);

        var send = new SendMessageRequest();
        send.Messages.Add(GrpcNodeFixture.NewMessage("GrpcAssign", "assigned"));
        Assert.Equal(Code.Ok, (await fx.Client.SendMessageAsync(send, deadline: DateTime.UtcNow.AddSeconds(30))).Status.Code);
        using var call = fx.Client.ReceiveMessage(new ReceiveMessageRequest
        {
            Group = new Resource { Name = "grpc-assign" }, MessageQueue = mq, BatchSize = 4, AutoRenew = true,
            FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
            LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
        }, deadline: DateTime.UtcNow.AddSeconds(30));
        var frames = new List<ReceiveMessageResponse>();
        while (await call.ResponseStream.MoveNext()) frames.Add(call.ResponseStream.Current);
        Assert.True(frames[0].Status.Code == Code.Ok, frames[0].Status.Message);
        Assert.Equal("assigned", frames[1].Message.Body.ToStringUtf8());
    }

    [Fact]
    public async Task A_fifo_group_is_assigned_each_readable_queue()
    {
        await fx.CreateTopicAsync("GrpcAssignFifo", readQueues: 3, writeQueues: 3, messageType: "FIFO");
        await UpdateGroupAsync(new SubscriptionGroupConfig("grpc-assign-fifo", ConsumeMessageOrderly: true));
        var r = await QueryAsync("grpc-assign-fifo", "GrpcAssignFifo");
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
        Assert.Equal(new[] { 0, 1, 2 }, r.Assignments.Select(a => a.MessageQueue.Id));
    }

    [Fact]
    public async Task Bad_requests_are_refused_naming_the_topic_or_group()
    {
        await fx.CreateTopicAsync("GrpcAssignBad");
        var unknown = await QueryAsync("grpc-assign-bad", "GrpcAssignNoSuchTopic");
        Assert.Equal(Code.TopicNotFound, unknown.Status.Code);
        Assert.Contains("GrpcAssignNoSuchTopic", unknown.Status.Message);
        var group = await QueryAsync("bad group!", "GrpcAssignBad");
        Assert.Equal(Code.IllegalConsumerGroup, group.Status.Code);
        var topic = await QueryAsync("grpc-assign-bad", "bad topic!");
        Assert.Equal(Code.IllegalTopic, topic.Status.Code);
        await UpdateGroupAsync(new SubscriptionGroupConfig("grpc-assign-off", ConsumeEnable: false));
        var off = await QueryAsync("grpc-assign-off", "GrpcAssignBad");
        Assert.Equal(Code.Forbidden, off.Status.Code);
        Assert.Contains("grpc-assign-off", off.Status.Message);
        Assert.Empty(off.Assignments);
        // The node keeps serving.
        Assert.Equal(Code.Ok, (await QueryAsync("grpc-assign-bad", "GrpcAssignBad")).Status.Code);
    }
}
