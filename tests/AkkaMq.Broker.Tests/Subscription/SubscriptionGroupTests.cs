using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Subscription;

/// <summary>
/// Subscription groups through a broker node's gateway: stored, listed, looked up, deleted, refused with nothing
/// changed, applied to pulls and heartbeats, auto-created on first use, and recovered from the journal after a restart.
/// </summary>
public sealed class SubscriptionGroupTests(ITestOutputHelper output) : IDisposable
{
    private const string Topic = "SubGroupTopic";
    private readonly TempDirectory _dataDir = new("akkamq-subscription-groups-");

    public void Dispose() => _dataDir.Dispose();

    private static SubscriptionGroupReply Update(BrokerSession s, SubscriptionGroupConfig config)
    {
        s.Gateway.Tell(new UpdateSubscriptionGroup(s.BrokerName, config), s.TestActor);
        return s.Expect<SubscriptionGroupReply>();
    }

    private static SubscriptionGroupReply Delete(BrokerSession s, string group)
    {
        s.Gateway.Tell(new DeleteSubscriptionGroup(s.BrokerName, group), s.TestActor);
        return s.Expect<SubscriptionGroupReply>();
    }

    private static IReadOnlyList<SubscriptionGroupConfig> List(BrokerSession s)
    {
        s.Gateway.Tell(new GetSubscriptionGroups(s.BrokerName), s.TestActor);
        var reply = s.Expect<SubscriptionGroups>();
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
        return reply.Configs;
    }

    private static SubscriptionGroupReply Lookup(BrokerSession s, string group)
    {
        s.Gateway.Tell(new GetSubscriptionGroup(s.BrokerName, group), s.TestActor);
        return s.Expect<SubscriptionGroupReply>();
    }

    private static ConsumerHeartbeatReply Heartbeat(BrokerSession s, string group, MessageModel model)
    {
        // A consumer of its own: the group's ConsumerIdsChanged notices go to it, not to the test actor.
        var consumer = s.CreateTestProbe();
        s.Gateway.Tell(new ConsumerHeartbeat(s.BrokerName, group, "client-1", model, new[] { new SubscriptionData(Topic, "*") }), consumer);
        var reply = consumer.FishForMessage<ConsumerHeartbeatReply>(_ => true, TimeSpan.FromSeconds(10));
        s.Gateway.Tell(new UnregisterConsumer(s.BrokerName, group, "client-1"), consumer);
        return reply;
    }

    [Fact]
    public async Task Groups_are_stored_applied_refused_deleted_and_survive_a_restart()
    {
        var closed = new SubscriptionGroupConfig("closed", ConsumeEnable: false, ConsumeBroadcastEnable: false, RetryMaxTimes: 3);
        await using (var s = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path))
        {
            s.CreateTopic(Topic, 1);
            Assert.Equal(ResponseCode.Success, s.Send(s.Entry(Topic, "m0")).Single().Code);

            var stored = Update(s, closed);
            Assert.True(stored.Code == ResponseCode.Success, stored.Error);
            Assert.Equal(closed, stored.Config);

            // consumeEnable false: its pulls are refused; another group's are not.
            var refused = s.Pull(Topic, 0, 0, group: "closed");
            Assert.Equal(ResponseCode.NoPermission, refused.Code);
            Assert.Contains("subscription group no permission: consumeEnable of group 'closed' is false", refused.Error);
            Assert.Empty(refused.Messages);
            Assert.Single(s.Pull(Topic, 0, 0, group: "open").Messages);

            // consumeBroadcastEnable false: a broadcasting consumer's heartbeat is refused, a clustering one's is not.
            Assert.Equal(ResponseCode.NoPermission, Heartbeat(s, "closed", MessageModel.Broadcasting).Code);
            Assert.Equal(ResponseCode.Success, Heartbeat(s, "closed", MessageModel.Clustering).Code);

            // "open" was created with the defaults on its first pull.
            Assert.Equal(new[] { "closed", "open" }, List(s).Select(c => c.GroupName));
            Assert.Equal(new SubscriptionGroupConfig("open"), List(s)[1]);
            var lookup = Lookup(s, "closed");
            Assert.Equal((ResponseCode.Success, closed, true), (lookup.Code, lookup.Config, lookup.Stored));

            // Bad input: refused naming the problem, nothing changes.
            var negative = Update(s, closed with { RetryMaxTimes = -1, ConsumeEnable = true });
            Assert.Equal(ResponseCode.ConsumerGroupIllegal, negative.Code);
            Assert.Contains("retryMaxTimes -1 of group 'closed' is not 0..16384", negative.Error);
            var illegal = Update(s, new SubscriptionGroupConfig("no spaces"));
            Assert.Equal(ResponseCode.ConsumerGroupIllegal, illegal.Code);
            Assert.Contains("illegal character ' '", illegal.Error);
            var missing = Delete(s, "never-made");
            Assert.Equal(ResponseCode.SubscriptionGroupNotExist, missing.Code);
            Assert.Contains("subscription group 'never-made' does not exist on broker", missing.Error);
            Assert.Equal(new[] { closed, new SubscriptionGroupConfig("open") }, List(s));
            Assert.Equal(ResponseCode.NoPermission, s.Pull(Topic, 0, 0, group: "closed").Code);

            Assert.Equal(ResponseCode.Success, Delete(s, "open").Code);
            Assert.Equal(new[] { "closed" }, List(s).Select(c => c.GroupName));
        }

        await using (var s = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path))
        {
            Assert.Equal(new[] { closed }, List(s));
            Assert.Equal(ResponseCode.NoPermission, s.Pull(Topic, 0, 0, group: "closed").Code);

            // Re-enabled, the group pulls again.
            Assert.Equal(ResponseCode.Success, Update(s, closed with { ConsumeEnable = true }).Code);
            var pulled = s.Pull(Topic, 0, 0, group: "closed");
            Assert.True(pulled.Code == ResponseCode.Success, pulled.Error);
            Assert.Single(pulled.Messages);
        }
    }
}

/// <summary>autoCreateSubscriptionGroup off: an unknown group's pulls are refused until updateSubGroup creates it.</summary>
public sealed class SubscriptionGroupAutoCreateOffTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Unknown_groups_are_refused_until_created()
    {
        await using var s = await BrokerSession.StartAsync(output, "akkamq.broker.autoCreateSubscriptionGroup = off");
        s.CreateTopic("StrictTopic", 1);
        Assert.Equal(ResponseCode.Success, s.Send(s.Entry("StrictTopic", "m0")).Single().Code);

        var refused = s.Pull("StrictTopic", 0, 0, group: "stranger");
        Assert.Equal(ResponseCode.SubscriptionGroupNotExist, refused.Code);
        Assert.Contains("subscription group 'stranger' does not exist on broker", refused.Error);
        s.Gateway.Tell(new GetSubscriptionGroup(s.BrokerName, "stranger"), s.TestActor);
        Assert.Equal(ResponseCode.SubscriptionGroupNotExist, s.Expect<SubscriptionGroupReply>().Code);
        // The admin tools still read.
        Assert.Single(s.Pull("StrictTopic", 0, 0, group: AdminNames.ToolsConsumerGroup).Messages);

        s.Gateway.Tell(new UpdateSubscriptionGroup(s.BrokerName, new SubscriptionGroupConfig("stranger")), s.TestActor);
        Assert.Equal(ResponseCode.Success, s.Expect<SubscriptionGroupReply>().Code);
        Assert.Single(s.Pull("StrictTopic", 0, 0, group: "stranger").Messages);
    }
}
