using AkkaMq.Protocol.Consumer;
using AkkaMq.Proxy.Producer;
using Apache.Rocketmq.V2;
using Google.Protobuf;

namespace AkkaMq.Proxy.Tests;

[Collection(GrpcNodeCollection.Name)]
public sealed class SendMessageTests(GrpcNodeFixture fx)
{
    private async Task<SendMessageResponse> SendAsync(params Message[] messages)
    {
        var request = new SendMessageRequest();
        request.Messages.AddRange(messages);
        return await fx.Client.SendMessageAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
    }

    [Fact]
    public async Task A_message_sent_over_grpc_is_read_by_the_native_pull_consumer_with_every_field_intact()
    {
        await fx.CreateTopicAsync("GrpcInterop");
        var body = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(); // every byte value: binary, not UTF-8
        var sent = GrpcNodeFixture.NewMessage("GrpcInterop", body, tag: "TagA", keys: new[] { "order-1", "user-7" },
            properties: new Dictionary<string, string> { ["region"] = "eu-west", ["ünïcode"] = "välue" });
        var r = await SendAsync(sent);
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
        Assert.Equal(sent.SystemProperties.MessageId, r.Entries[0].MessageId);
        Assert.True(r.Entries[0].Offset >= 0);

        var m = Assert.Single(await fx.ReadAllAsync("GrpcInterop", 1));
        Assert.Equal("GrpcInterop", m.Topic);
        Assert.Equal("TagA", m.Tags);
        Assert.Equal("order-1 user-7", m.Keys);
        Assert.Equal(body, m.Body);
        Assert.Equal("eu-west", m.Properties["region"]);
        Assert.Equal("välue", m.Properties["ünïcode"]);
        Assert.Equal(sent.SystemProperties.MessageId, m.Properties[MessageProperties.UniqKey]);
        Assert.Equal(r.Entries[0].Offset, m.QueueOffset);

        // queryMsgById finds it by the client's id too (UNIQ_KEY is in the queue's key index), and by the broker's.
        await using var admin = new AkkaMq.Client.Admin.AkkaMqAdmin(new AkkaMq.Client.ClientContext(fx.NativeClient,
            AkkaMq.Client.ClientSettings.Create(fx.NativeClient.Settings.Config)));
        var byClientId = await admin.QueryMsgByIdAsync(sent.SystemProperties.MessageId);
        Assert.Equal((m.QueueId, m.QueueOffset), (byClientId.QueueId, byClientId.QueueOffset));
        Assert.Equal(m.QueueOffset, (await admin.QueryMsgByIdAsync(m.MsgId)).QueueOffset);
        var unknown = await Assert.ThrowsAsync<AkkaMq.Protocol.AkkaMqException>(() => admin.QueryMsgByIdAsync("01ABCDEF0123456789"));
        Assert.Contains("UNIQ_KEY", unknown.Message);
    }

    [Fact]
    public async Task FIFO_messages_of_one_group_go_to_one_queue_in_send_order()
    {
        await fx.CreateTopicAsync("GrpcFifo", messageType: "FIFO");
        var groups = new[] { "group-a", "group-b", "group-c", "group-d" };
        for (var i = 0; i < 5; i++)
            foreach (var g in groups)
            {
                var r = await SendAsync(GrpcNodeFixture.NewMessage("GrpcFifo", System.Text.Encoding.UTF8.GetBytes($"{g}:{i}"), group: g));
                Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
            }
        var all = await fx.ReadAllAsync("GrpcFifo", 20);
        foreach (var g in groups)
        {
            var mine = all.Where(m => m.Properties[MessageProperties.MessageGroup] == g).ToList();
            Assert.Single(mine.Select(m => m.QueueId).Distinct());
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{g}:{i}"), mine.OrderBy(m => m.QueueOffset).Select(m => System.Text.Encoding.UTF8.GetString(m.Body)));
        }
    }

    [Fact]
    public async Task A_delay_message_is_held_by_the_schedule_until_its_delivery_timestamp()
    {
        await fx.CreateTopicAsync("GrpcDelay", messageType: "DELAY");
        var deliverAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var r = await SendAsync(GrpcNodeFixture.NewMessage("GrpcDelay", System.Text.Encoding.UTF8.GetBytes("later"), deliverAt: deliverAt));
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
        Assert.Equal(0, await fx.CountAsync("GrpcDelay"));
        var m = Assert.Single(await fx.ReadAllAsync("GrpcDelay", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(deliverAt.ToUnixTimeMilliseconds().ToString(), m.Properties[MessageConst.TimerDeliverMs]);
        Assert.True(m.StoreTimestamp >= deliverAt.ToUnixTimeMilliseconds() - 50, $"stored at {m.StoreTimestamp}, due {deliverAt.ToUnixTimeMilliseconds()}");
    }

    [Fact]
    public async Task Each_bad_message_gets_its_own_code_naming_the_problem_and_nothing_is_stored()
    {
        await fx.CreateTopicAsync("GrpcBad");
        await fx.CreateTopicAsync("GrpcBadFifo", messageType: "FIFO");
        byte[] B(int n = 1) => new byte[n];
        Message M(Action<Message> change, string topic = "GrpcBad")
        {
            var m = GrpcNodeFixture.NewMessage(topic, B());
            change(m);
            return m;
        }
        var cases = new (Code Code, string Mentions, Message Message)[]
        {
            (Code.IllegalTopic, "topic", M(m => m.Topic.Name = "bad topic!")),
            (Code.TopicNotFound, "NoSuchGrpcTopic", M(m => m.Topic.Name = "NoSuchGrpcTopic")),
            (Code.MessageBodyTooLarge, "maxMessageSize", M(m => m.Body = ByteString.CopyFrom(B(GrpcNodeFixture.MaxMessageSize + 1)))),
            (Code.MessageBodyEmpty, "empty body", M(m => m.Body = ByteString.Empty)),
            (Code.IllegalMessageId, "message_id", M(m => m.SystemProperties.MessageId = "")),
            (Code.IllegalMessageGroup, "message group", M(m => { m.SystemProperties.MessageType = MessageType.Fifo; m.SystemProperties.MessageGroup = new string('g', 65); })),
            (Code.MessagePropertyConflictWithType, "needs a message_group", M(m => m.SystemProperties.MessageType = MessageType.Fifo)),
            (Code.MessagePropertyConflictWithType, "cannot carry a message_group", M(m => m.SystemProperties.MessageGroup = "g")),
            (Code.MessagePropertyConflictWithType, "needs a delivery_timestamp", M(m => m.SystemProperties.MessageType = MessageType.Delay)),
            (Code.MessagePropertyConflictWithType, "accepts FIFO messages", M(_ => { }, "GrpcBadFifo")),
            (Code.MessagePropertyConflictWithType, "a TRANSACTION message cannot carry a message_group", M(m => { m.SystemProperties.MessageType = MessageType.Transaction; m.SystemProperties.MessageGroup = "g"; })),
            (Code.IllegalMessagePropertyKey, "PGROUP", M(m => m.UserProperties["PGROUP"] = "someone-else")),
            (Code.IllegalMessageTag, "tag", M(m => m.SystemProperties.Tag = "a||b")),
            (Code.IllegalMessageKey, "key", M(m => m.SystemProperties.Keys.Add("two words"))),
            (Code.IllegalMessagePropertyKey, "UNIQ_KEY", M(m => m.UserProperties["UNIQ_KEY"] = "x")),
            (Code.IllegalDeliveryTime, "timerMaxDelay", M(m =>
            {
                m.SystemProperties.MessageType = MessageType.Delay;
                m.SystemProperties.DeliveryTimestamp = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(5));
            })),
        };
        foreach (var (code, mentions, message) in cases)
        {
            var r = await SendAsync(message);
            Assert.True(r.Status.Code == code, $"expected {code} ({mentions}), got {r.Status.Code}: {r.Status.Message}");
            Assert.Contains(mentions, r.Status.Message);
            Assert.Equal(code, r.Entries[0].Status.Code);
        }
        var none = await fx.Client.SendMessageAsync(new SendMessageRequest());
        Assert.Equal(Code.BadRequest, none.Status.Code);

        Assert.Equal(0, await fx.CountAsync("GrpcBad"));
        Assert.Equal(0, await fx.CountAsync("GrpcBadFifo"));
        // The endpoint keeps serving.
        Assert.Equal(Code.Ok, (await SendAsync(GrpcNodeFixture.NewMessage("GrpcBad", "fine"))).Status.Code);
    }

    [Fact]
    public async Task In_a_batch_the_good_messages_are_stored_and_the_response_carries_the_first_failure()
    {
        await fx.CreateTopicAsync("GrpcBatch");
        var good = GrpcNodeFixture.NewMessage("GrpcBatch", "ok");
        var bad = GrpcNodeFixture.NewMessage("GrpcBatch", "bad");
        bad.SystemProperties.Tag = "x|y";
        var r = await SendAsync(good, bad);
        Assert.Equal(Code.IllegalMessageTag, r.Status.Code);
        Assert.Equal(new[] { Code.Ok, Code.IllegalMessageTag }, r.Entries.Select(e => e.Status.Code));
        Assert.Single(await fx.ReadAllAsync("GrpcBatch", 1));
    }
}
