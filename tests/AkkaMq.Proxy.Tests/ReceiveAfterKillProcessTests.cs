using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.TestKit;
using Apache.Rocketmq.V2;
using Grpc.Net.Client;
using Message = Apache.Rocketmq.V2.Message;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// A real node process with its gRPC endpoint, SIGKILLed with some received messages acked and some in flight, then
/// restarted on the same data directory: acked messages are never delivered again, in-flight ones come again once
/// their invisible time has run out, with a higher delivery attempt. The node runs with autoCreateSubscriptionGroup
/// off, so a receive of an unknown group is CONSUMER_GROUP_NOT_FOUND first.
/// </summary>
public sealed class ReceiveAfterKillProcessTests : IDisposable
{
    private const string Topic = "GrpcKill";
    private const string Group = "grpc-kill";
    private static readonly TimeSpan Invisible = TimeSpan.FromSeconds(10);

    private readonly ITestOutputHelper _output;
    private readonly int _grpcPort = NodeProcess.FreePort();
    private readonly StandaloneNodeProcess _process = new();

    public ReceiveAfterKillProcessTests(ITestOutputHelper output)
    {
        _output = output;
        _process.WriteConfig($"""
            akkamq.broker.autoCreateSubscriptionGroup = false
            akkamq.proxy.grpc.port = {_grpcPort}
            """);
    }

    public void Dispose() => _process.Dispose();

    /// <summary>A started node whose gRPC endpoint routes the topic (created on the first start).</summary>
    private async Task<(NodeProcess Node, GrpcChannel Channel, V2Consumer Consumer)> StartAsync(bool createTopicAndGroup)
    {
        var node = await _process.StartAsync();
        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_grpcPort}");
        var client = new MessagingService.MessagingServiceClient(channel);
        var consumer = new V2Consumer(client, Group, Topic);
        if (createTopicAndGroup)
        {
            var system = _process.Client("grpc-kill-admin");
            try
            {
                // The node prints its registration before its NameServer answers clients under load: retried.
                await Eventually.ReturnsAsync(() => TestNodes.CreateTopicAsync(system, TopicConfig.Create(Topic, 1)), TimeSpan.FromSeconds(60),
                    TimeSpan.FromMilliseconds(500), retryWhen: e => e is AkkaMqException);
                await Eventually.TrueAsync(async () => (await client.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = Topic } })).Status.Code == Code.Ok,
                    () => $"the route of {Topic} never named the gRPC endpoint", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

                // autoCreateSubscriptionGroup is off: an unknown group is refused and not created.
                var (unknown, _) = await consumer.ReceiveAsync();
                Assert.Equal(Code.ConsumerGroupNotFound, unknown.Code);
                Assert.Contains($"'{Group}'", unknown.Message);
                Assert.Contains("autoCreateSubscriptionGroup is off", unknown.Message);
                await using var admin = new AkkaMqAdmin(new ClientContext(system, ClientSettings.Create(system.Settings.Config)));
                Assert.DoesNotContain(Group, (await admin.SubscriptionGroupListAsync(null)).Select(r => r.GroupName));
                await admin.UpdateSubscriptionGroupAsync(new SubscriptionGroupConfig(Group), null, null);
            }
            finally
            {
                await system.Terminate();
            }
        }
        else
        {
            await Eventually.TrueAsync(async () => (await client.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = Topic } })).Status.Code == Code.Ok,
                () => $"the route of {Topic} never came back after the restart", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        }
        return (node, channel, consumer);
    }

    [Fact]
    public async Task After_SIGKILL_acked_messages_never_come_again_and_in_flight_ones_come_after_their_invisible_time_with_attempt_2()
    {
        List<string> acked, inFlight;
        DateTime receivedAt;
        var (node, channel, consumer) = await StartAsync(createTopicAndGroup: true);
        using (node)
        using (channel)
        {
            await consumer.SendAsync(Enumerable.Range(0, 6).Select(i => GrpcNodeFixture.NewMessage(Topic, $"m{i}")).ToArray());
            receivedAt = DateTime.UtcNow;
            var received = await consumer.ReceiveAtLeastAsync(6, TimeSpan.FromSeconds(30), Invisible.TotalSeconds);
            Assert.Equal(6, received.Count);
            Assert.All(received, m => Assert.Equal(1, m.SystemProperties.DeliveryAttempt));
            var ack = await consumer.AckAsync(received.Take(3).ToArray());
            Assert.True(ack.Status.Code == Code.Ok, ack.Status.Message);
            acked = received.Take(3).Select(m => m.SystemProperties.MessageId).ToList();
            inFlight = received.Skip(3).Select(m => m.SystemProperties.MessageId).ToList();
            node.Kill();
            _output.WriteLine($"SIGKILLed node pid {node.Pid} {(DateTime.UtcNow - receivedAt).TotalMilliseconds:F0} ms after the receive");
        }

        (node, channel, consumer) = await StartAsync(createTopicAndGroup: false);
        using (node)
        using (channel)
        {
            _output.WriteLine($"restarted, serving {(DateTime.UtcNow - receivedAt).TotalMilliseconds:F0} ms after the receive");
            var again = new List<(Message Message, DateTime At)>();
            await Eventually.TrueAsync(async () =>
            {
                var (status, messages) = await consumer.ReceiveAsync(consumer.ReceiveRequest(pollSeconds: 1));
                Assert.True(status.Code is Code.Ok or Code.MessageNotFound, $"{status.Code} {status.Message}");
                again.AddRange(messages.Select(m => (m, DateTime.UtcNow)));
                return again.Count >= inFlight.Count;
            }, () => $"{again.Count} of {inFlight.Count} in-flight messages came again", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

            Assert.Equal(inFlight.Order(), again.Select(a => a.Message.SystemProperties.MessageId).Order());
            Assert.DoesNotContain(again, a => acked.Contains(a.Message.SystemProperties.MessageId));
            Assert.All(again, a => Assert.Equal(2, a.Message.SystemProperties.DeliveryAttempt));
            Assert.All(again, a => Assert.True(a.At - receivedAt >= Invisible,
                $"{a.Message.SystemProperties.MessageId} came again {(a.At - receivedAt).TotalMilliseconds:F0} ms after its delivery, before its invisible time"));
            var ack = await consumer.AckAsync(again.Select(a => a.Message).ToArray());
            Assert.True(ack.Status.Code == Code.Ok, ack.Status.Message);
            // Acked before the kill or after it: none comes again.
            var (last, nothing) = await consumer.ReceiveAsync(consumer.ReceiveRequest(pollSeconds: 2));
            Assert.Equal(Code.MessageNotFound, last.Code);
            Assert.Empty(nothing);
            Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
