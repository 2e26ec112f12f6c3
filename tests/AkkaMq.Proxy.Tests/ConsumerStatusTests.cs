using Akka.Actor;
using AkkaMq.Broker.Storage;
using AkkaMq.Protocol.Admin;
using Apache.Rocketmq.V2;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// The consumer RPCs' v2 status codes over the generated stubs, each with a message naming the problem and nothing
/// stored or changed; the receipt-handle rules, answered per entry; TOO_MANY_REQUESTS while the broker's disk is full.
/// </summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class ConsumerStatusTests(GrpcNodeFixture fx)
{
    private async Task<IReadOnlyList<string>> GroupNamesAsync()
    {
        var groups = await fx.Node.System.ActorSelection(BrokerAccess.GatewayPath)
            .Ask<SubscriptionGroups>(new GetSubscriptionGroups(fx.Node.Settings.Broker!.BrokerName), TimeSpan.FromSeconds(10));
        return groups.Configs.Select(c => c.GroupName).ToList();
    }

    [Fact]
    public async Task Bad_receives_acks_and_invisible_time_changes_get_the_code_naming_the_problem_and_change_nothing()
    {
        await fx.CreateTopicAsync("GrpcStatus", 1, 1);
        var consumer = new V2Consumer(fx.Client, "grpc-status", "GrpcStatus");
        await consumer.SendAsync(GrpcNodeFixture.NewMessage("GrpcStatus", "in flight"));
        var m = Assert.Single(await consumer.ReceiveAtLeastAsync(1, TimeSpan.FromSeconds(30)));
        var handle = m.SystemProperties.ReceiptHandle;

        var cases = new List<(Code Code, string Mentions, Func<Task<Status>> Call)>
        {
            (Code.IllegalConsumerGroup, "'bad group!'", async () => (await new V2Consumer(fx.Client, "bad group!", "GrpcStatus").ReceiveAsync()).Status),
            (Code.IllegalConsumerGroup, "consumer group name is empty", async () => (await new V2Consumer(fx.Client, "", "GrpcStatus").AckAsync(m)).Status),
            (Code.IllegalTopic, "'bad topic!'", async () => (await new V2Consumer(fx.Client, "grpc-status-new", "bad topic!").ReceiveAsync()).Status),
            (Code.IllegalTopic, "'bad topic!'", async () => (await new V2Consumer(fx.Client, "grpc-status", "bad topic!").AckAsync(m)).Status),
            (Code.TopicNotFound, "'NoSuchGrpcStatusTopic'", async () => (await new V2Consumer(fx.Client, "grpc-status-new", "NoSuchGrpcStatusTopic").ReceiveAsync()).Status),
            (Code.IllegalPollingTime, "long_polling_timeout", async () => (await consumer.ReceiveAsync(consumer.ReceiveRequest(pollSeconds: -1))).Status),
            // A time under 10 s is raised to 10 s (a PushConsumer's nack backoff), so only a negative one is refused.
            (Code.IllegalInvisibleTime, "invisible time -1000 ms", async () => (await consumer.ChangeInvisibleDurationAsync(m, handle, TimeSpan.FromSeconds(-1))).Status),
            (Code.IllegalInvisibleTime, "invisible time 43200001 ms",
                async () => (await consumer.ChangeInvisibleDurationAsync(m, handle, TimeSpan.FromHours(12) + TimeSpan.FromMilliseconds(1))).Status),
            (Code.BadRequest, "no entry", async () => (await consumer.AckAsync(Array.Empty<Message>())).Status),
        };
        foreach (var (code, mentions, call) in cases)
        {
            var status = await call();
            Assert.True(status.Code == code, $"expected {code} ({mentions}), got {status.Code}: {status.Message}");
            Assert.Contains(mentions, status.Message);
        }

        // Nothing changed: no group was created for the refused receives, no topic for the unknown one, and the
        // message is still in flight on its first handle (an ack or a change would have made that handle done or stale).
        Assert.DoesNotContain("grpc-status-new", await GroupNamesAsync());
        Assert.Equal(Code.TopicNotFound, (await fx.Client.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = "NoSuchGrpcStatusTopic" } })).Status.Code);
        var change = await consumer.ChangeInvisibleDurationAsync(m, handle, TimeSpan.FromSeconds(30));
        Assert.True(change.Status.Code == Code.Ok, change.Status.Message);
        Assert.Equal(Code.Ok, (await consumer.AckAsync((m.SystemProperties.MessageId, change.ReceiptHandle))).Status.Code);
    }

    [Fact]
    public async Task Each_ack_entry_is_answered_on_its_own_acking_twice_is_OK_and_stale_or_foreign_handles_are_INVALID_RECEIPT_HANDLE()
    {
        await fx.CreateTopicAsync("GrpcHandles", 1, 1);
        var consumer = new V2Consumer(fx.Client, "grpc-handles", "GrpcHandles");
        var other = new V2Consumer(fx.Client, "grpc-handles-other", "GrpcHandles");
        await consumer.SendAsync(GrpcNodeFixture.NewMessage("GrpcHandles", "one"), GrpcNodeFixture.NewMessage("GrpcHandles", "two"));
        var received = (await consumer.ReceiveAtLeastAsync(2, TimeSpan.FromSeconds(30))).OrderBy(x => x.SystemProperties.QueueOffset).ToList();
        Assert.Equal(2, received.Count);
        var (one, two) = (received[0], received[1]);
        var foreign = Assert.Single(await other.ReceiveAtLeastAsync(2, TimeSpan.FromSeconds(30)), x => x.SystemProperties.MessageId == one.SystemProperties.MessageId);

        var change = await consumer.ChangeInvisibleDurationAsync(two, two.SystemProperties.ReceiptHandle, TimeSpan.FromSeconds(60));
        Assert.True(change.Status.Code == Code.Ok, change.Status.Message);

        var ack = await consumer.AckAsync(
            (one.SystemProperties.MessageId, one.SystemProperties.ReceiptHandle),
            (two.SystemProperties.MessageId, two.SystemProperties.ReceiptHandle),
            (one.SystemProperties.MessageId, foreign.SystemProperties.ReceiptHandle),
            (one.SystemProperties.MessageId, "not-a-receipt-handle"));
        Assert.Equal(new[] { Code.Ok, Code.InvalidReceiptHandle, Code.InvalidReceiptHandle, Code.InvalidReceiptHandle }, ack.Entries.Select(e => e.Status.Code));
        Assert.Equal(new[] { one.SystemProperties.ReceiptHandle, two.SystemProperties.ReceiptHandle, foreign.SystemProperties.ReceiptHandle, "not-a-receipt-handle" },
            ack.Entries.Select(e => e.ReceiptHandle));
        Assert.Contains("replaced by a later delivery or invisible-time change", ack.Entries[1].Status.Message);
        Assert.Contains("belongs to consumer group 'grpc-handles-other'", ack.Entries[2].Status.Message);
        Assert.Contains("receipt handle 'not-a-receipt-handle'", ack.Entries[3].Status.Message);
        Assert.Equal(ack.Entries[1].Status, ack.Status); // the first failure

        // The stale handle changes nothing either; acking twice is OK; the new handle acks.
        Assert.Equal(Code.InvalidReceiptHandle, (await consumer.ChangeInvisibleDurationAsync(two, two.SystemProperties.ReceiptHandle, TimeSpan.FromSeconds(30))).Status.Code);
        Assert.Equal(Code.Ok, (await consumer.AckAsync(one)).Status.Code);
        var ackNew = await consumer.AckAsync((two.SystemProperties.MessageId, change.ReceiptHandle));
        Assert.True(ackNew.Status.Code == Code.Ok, ackNew.Status.Message);
        Assert.Equal(Code.MessageNotFound, (await consumer.ReceiveAsync()).Status.Code);
        // The other group's delivery was untouched by the first group's acks.
        Assert.Equal(Code.Ok, (await other.AckAsync(foreign)).Status.Code);
    }

    [Fact]
    public async Task While_the_disk_is_full_sends_are_TOO_MANY_REQUESTS_naming_it_nothing_is_stored_and_receives_still_answer()
    {
        await fx.CreateTopicAsync("GrpcDiskFull", 1, 1);
        var consumer = new V2Consumer(fx.Client, "grpc-disk-full", "GrpcDiskFull");
        var disk = DiskSpace.For(fx.Node.System);
        disk.Probe = new FullDisk();
        try
        {
            await Eventually.TrueAsync(() => disk.RefusesWrites, () => "the simulated full disk was never read", TimeSpan.FromSeconds(10));
            var request = new SendMessageRequest();
            request.Messages.Add(GrpcNodeFixture.NewMessage("GrpcDiskFull", "refused"));
            var send = await fx.Client.SendMessageAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
            Assert.Equal(Code.TooManyRequests, send.Status.Code);
            Assert.Contains("disk full", send.Status.Message);
            Assert.Equal(Code.TooManyRequests, send.Entries[0].Status.Code);
            Assert.Equal(Code.MessageNotFound, (await consumer.ReceiveAsync()).Status.Code);
        }
        finally
        {
            disk.Probe = FileSystemProbe.Instance;
        }
        await Eventually.TrueAsync(() => !disk.RefusesWrites, () => "the real disk was never read again", TimeSpan.FromSeconds(10));
        Assert.Equal(0, await fx.CountAsync("GrpcDiskFull"));
        await consumer.SendAsync(GrpcNodeFixture.NewMessage("GrpcDiskFull", "after"));
        Assert.Equal("after", Assert.Single(await consumer.ReceiveAtLeastAsync(1, TimeSpan.FromSeconds(30))).Body.ToStringUtf8());
    }

    private sealed class FullDisk : IDiskSpaceProbe
    {
        public DiskUsage Read(string path) => new(95, 5);
    }
}
