using System.Security.Cryptography;
using Akka.Actor;
using AkkaMq.Protocol.Admin;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy.Tests;

/// <summary>ReceiveMessage, AckMessage and ChangeInvisibleDuration over the generated stubs, as a SimpleConsumer calls them.</summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class ReceiveMessageTests(GrpcNodeFixture fx)
{
    private async Task SendAsync(params Message[] messages)
    {
        var request = new SendMessageRequest();
        request.Messages.AddRange(messages);
        var r = await fx.Client.SendMessageAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
    }

    /// <summary>The frames of one receive: its first status, then the messages; checks the delivery_timestamp frame ends a found batch.</summary>
    private async Task<(Status Status, List<Message> Messages)> ReceiveAsync(string group, string topic, int batch = 16, int invisibleSeconds = 30,
        double pollSeconds = 0, TimeSpan? deadline = null)
    {
        var request = new ReceiveMessageRequest
        {
            Group = new Resource { Name = group },
            MessageQueue = new MessageQueue { Topic = new Resource { Name = topic }, Id = -1 },
            FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
            BatchSize = batch,
            InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(invisibleSeconds)),
            LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(pollSeconds)),
        };
        using var call = fx.Client.ReceiveMessage(request, deadline: DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30)));
        var frames = new List<ReceiveMessageResponse>();
        while (await call.ResponseStream.MoveNext()) frames.Add(call.ResponseStream.Current);
        Assert.Equal(ReceiveMessageResponse.ContentOneofCase.Status, frames[0].ContentCase);
        var messages = frames.Where(f => f.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message).Select(f => f.Message).ToList();
        if (messages.Count > 0) Assert.Equal(ReceiveMessageResponse.ContentOneofCase.DeliveryTimestamp, frames[^1].ContentCase);
        else Assert.Single(frames);
        return (frames[0].Status, messages);
    }

    private async Task<List<Message>> ReceiveAtLeastAsync(string group, string topic, int expected)
    {
        var all = new List<Message>();
        await Eventually.TrueAsync(async () =>
        {
            var (status, messages) = await ReceiveAsync(group, topic);
            Assert.True(status.Code is Code.Ok or Code.MessageNotFound, $"{status.Code} {status.Message}");
            all.AddRange(messages);
            return all.Count >= expected;
        }, () => $"{topic}: {all.Count} of {expected} messages received", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        return all;
    }

    private Task<AckMessageResponse> AckAsync(string group, string topic, IEnumerable<(string Id, string Handle)> entries)
    {
        var request = new AckMessageRequest { Group = new Resource { Name = group }, Topic = new Resource { Name = topic } };
        request.Entries.AddRange(entries.Select(e => new AckMessageEntry { MessageId = e.Id, ReceiptHandle = e.Handle }));
        return fx.Client.AckMessageAsync(request, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync;
    }

    [Fact]
    public async Task Received_messages_carry_the_clients_id_and_body_digest_and_once_acked_are_not_received_again()
    {
        await fx.CreateTopicAsync("GrpcRecv");
        var sent = Enumerable.Range(0, 3).Select(i => GrpcNodeFixture.NewMessage("GrpcRecv", System.Text.Encoding.UTF8.GetBytes($"m{i}"),
            tag: "TagA", keys: new[] { $"k{i}" }, properties: new Dictionary<string, string> { ["color"] = "blue" })).ToArray();
        await SendAsync(sent);

        var received = await ReceiveAtLeastAsync("grpc-recv", "GrpcRecv", 3);
        Assert.Equal(sent.Select(m => m.SystemProperties.MessageId).Order(), received.Select(m => m.SystemProperties.MessageId).Order());
        foreach (var m in received)
        {
            var sys = m.SystemProperties;
            Assert.Equal(DigestType.Md5, sys.BodyDigest.Type);
            Assert.Equal(Convert.ToHexString(MD5.HashData(m.Body.ToByteArray())), sys.BodyDigest.Checksum);
            Assert.Equal("TagA", sys.Tag);
            Assert.Equal("blue", m.UserProperties["color"]);
            Assert.DoesNotContain("UNIQ_KEY", m.UserProperties.Keys);
            Assert.Equal("GrpcRecv", m.Topic.Name);
            Assert.Equal(1, sys.DeliveryAttempt);
            Assert.False(string.IsNullOrEmpty(sys.ReceiptHandle));
            Assert.Equal("test-host", sys.BornHost);
            Assert.NotNull(sys.StoreTimestamp);
            Assert.True(sys.QueueOffset >= 0);
            Assert.Single(sys.Keys);
        }

        var ack = await AckAsync("grpc-recv", "GrpcRecv", received.Select(m => (m.SystemProperties.MessageId, m.SystemProperties.ReceiptHandle)));
        Assert.True(ack.Status.Code == Code.Ok, ack.Status.Message);
        Assert.All(ack.Entries, e => Assert.Equal(Code.Ok, e.Status.Code));
        var (status, again) = await ReceiveAsync("grpc-recv", "GrpcRecv");
        Assert.Equal(Code.MessageNotFound, status.Code);
        Assert.Empty(again);
    }

    [Fact]
    public async Task An_empty_receive_is_a_single_MESSAGE_NOT_FOUND_and_long_polling_ends_before_the_deadline()
    {
        await fx.CreateTopicAsync("GrpcRecvEmpty");
        var (status, _) = await ReceiveAsync("grpc-recv-empty", "GrpcRecvEmpty");
        Assert.Equal(Code.MessageNotFound, status.Code);
        // Polling asks for 20 s but the call has 3 s: the answer comes before the deadline, not as DEADLINE_EXCEEDED.
        var (polled, _) = await ReceiveAsync("grpc-recv-empty", "GrpcRecvEmpty", pollSeconds: 20, deadline: TimeSpan.FromSeconds(3));
        Assert.Equal(Code.MessageNotFound, polled.Code);
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_the_v2_code_naming_the_problem()
    {
        await fx.CreateTopicAsync("GrpcRecvBad");
        var (invisible, _) = await ReceiveAsync("grpc-recv-bad", "GrpcRecvBad", invisibleSeconds: 1);
        Assert.Equal(Code.IllegalInvisibleTime, invisible.Code);
        Assert.Contains("invisible", invisible.Message);

        var ack = await AckAsync("grpc-recv-bad", "GrpcRecvBad", new[] { ("01AB", "not-a-receipt-handle") });
        Assert.Equal(Code.InvalidReceiptHandle, ack.Status.Code);
        Assert.Equal(Code.InvalidReceiptHandle, ack.Entries[0].Status.Code);

        var change = await fx.Client.ChangeInvisibleDurationAsync(new ChangeInvisibleDurationRequest
        {
            Group = new Resource { Name = "grpc-recv-bad" }, Topic = new Resource { Name = "GrpcRecvBad" },
            ReceiptHandle = "garbage", InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)), MessageId = "01AB",
        }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(Code.InvalidReceiptHandle, change.Status.Code);
    }

    [Fact]
    public async Task ChangeInvisibleDuration_returns_a_new_handle_that_acks_while_the_old_one_no_longer_works()
    {
        await fx.CreateTopicAsync("GrpcRecvChange");
        await SendAsync(GrpcNodeFixture.NewMessage("GrpcRecvChange", "once"));
        var m = Assert.Single(await ReceiveAtLeastAsync("grpc-recv-change", "GrpcRecvChange", 1));
        var change = await fx.Client.ChangeInvisibleDurationAsync(new ChangeInvisibleDurationRequest
        {
            Group = new Resource { Name = "grpc-recv-change" }, Topic = new Resource { Name = "GrpcRecvChange" },
            ReceiptHandle = m.SystemProperties.ReceiptHandle, InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(60)),
            MessageId = m.SystemProperties.MessageId,
        }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.True(change.Status.Code == Code.Ok, change.Status.Message);
        Assert.NotEqual(m.SystemProperties.ReceiptHandle, change.ReceiptHandle);

        var old = await AckAsync("grpc-recv-change", "GrpcRecvChange", new[] { (m.SystemProperties.MessageId, m.SystemProperties.ReceiptHandle) });
        Assert.NotEqual(Code.Ok, old.Status.Code);
        var ack = await AckAsync("grpc-recv-change", "GrpcRecvChange", new[] { (m.SystemProperties.MessageId, change.ReceiptHandle) });
        Assert.True(ack.Status.Code == Code.Ok, ack.Status.Message);
    }

    [Fact]
    public async Task A_group_with_consumeEnable_false_is_refused_naming_it()
    {
        await fx.CreateTopicAsync("GrpcRecvOff");
        var update = await fx.Node.System.ActorSelection(BrokerAccess.GatewayPath).Ask<SubscriptionGroupReply>(new UpdateSubscriptionGroup(
            fx.Node.Settings.Broker!.BrokerName, new SubscriptionGroupConfig("grpc-recv-off", ConsumeEnable: false)), TimeSpan.FromSeconds(10));
        Assert.True(update.Code == AkkaMq.Protocol.ResponseCode.Success, update.Error);
        var (status, _) = await ReceiveAsync("grpc-recv-off", "GrpcRecvOff");
        Assert.Equal(Code.Forbidden, status.Code);
        Assert.Contains("grpc-recv-off", status.Message);
    }

    [Fact]
    public async Task ForwardMessageToDeadLetterQueue_moves_the_message_to_the_groups_DLQ_and_it_is_not_received_again()
    {
        await fx.CreateTopicAsync("GrpcRecvDlq");
        await SendAsync(GrpcNodeFixture.NewMessage("GrpcRecvDlq", "poison"));
        var m = Assert.Single(await ReceiveAtLeastAsync("grpc-recv-dlq", "GrpcRecvDlq", 1));
        var forward = await fx.Client.ForwardMessageToDeadLetterQueueAsync(new ForwardMessageToDeadLetterQueueRequest
        {
            Group = new Resource { Name = "grpc-recv-dlq" }, Topic = new Resource { Name = "GrpcRecvDlq" },
            ReceiptHandle = m.SystemProperties.ReceiptHandle, MessageId = m.SystemProperties.MessageId, DeliveryAttempt = 1, MaxDeliveryAttempts = 17,
        }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.True(forward.Status.Code == Code.Ok, forward.Status.Message);
        var dlq = Assert.Single(await fx.ReadAllAsync(AkkaMq.Protocol.Consumer.MessageConst.GetDlqTopic("grpc-recv-dlq"), 1));
        Assert.Equal("poison", System.Text.Encoding.UTF8.GetString(dlq.Body));

        var again = await fx.Client.ForwardMessageToDeadLetterQueueAsync(new ForwardMessageToDeadLetterQueueRequest
        {
            Group = new Resource { Name = "grpc-recv-dlq" }, Topic = new Resource { Name = "GrpcRecvDlq" }, ReceiptHandle = "garbage",
        }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(Code.InvalidReceiptHandle, again.Status.Code);
    }
}
