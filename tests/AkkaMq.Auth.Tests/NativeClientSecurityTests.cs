using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;

namespace AkkaMq.Auth.Tests;

/// <summary>
/// Native clients over Akka.Remote with auth on: sends (Topic Pub), pulls and offsets (Topic Sub and Group Sub)
/// and admin requests are refused with UNAUTHORIZED or FORBIDDEN, and a read as the Super user shows nothing stored.
/// </summary>
public sealed class NativeClientSecurityTests : IClassFixture<SecureNodeFixture>
{
    private readonly SecureNodeFixture _fx;

    public NativeClientSecurityTests(SecureNodeFixture fx) => _fx = fx;

    private AkkaMqProducer Producer(string? user, string? secret) => AkkaMqProducer.Create(_fx.Client(user, secret, "producer"));

    private static async Task<AkkaMqException> Refused(Func<Task> attempt, ResponseCode code, string fragment)
    {
        var e = await Assert.ThrowsAnyAsync<AkkaMqException>(attempt);
        Assert.True(e.Code == code, e.ToString());
        Assert.Contains(fragment, e.Message);
        return e;
    }

    [Theory]
    [InlineData(null, null, ResponseCode.Unauthorized, "not signed")]
    [InlineData("alice", "wrong-secret", ResponseCode.Unauthorized, "wrong secret")]
    [InlineData("mallory", "whatever-1", ResponseCode.Unauthorized, "not a known user")]
    [InlineData("carol", "carol-secret-1", ResponseCode.Unauthorized, "disabled")]
    [InlineData("bob", "bob-secret-1", ResponseCode.Forbidden, "no rule allowing Pub on Topic:orders-eu")]
    public async Task A_refused_send_stores_nothing(string? user, string? secret, ResponseCode code, string fragment)
    {
        var before = await _fx.StoredAsync("orders-eu");
        var producer = Producer(user, secret);
        await Refused(() => producer.SendAsync(new Message("orders-eu", new byte[] { 1 }), new MessageQueue("orders-eu", "broker-a", 0)), code, fragment);
        Assert.Equal(before, await _fx.StoredAsync("orders-eu"));
    }

    [Fact]
    public async Task A_deny_beats_the_prefixed_allow_for_sends()
    {
        var before = await _fx.StoredAsync("orders-frozen");
        await Refused(() => Producer("alice", SecureNodeFixture.AliceSecret).SendAsync(new Message("orders-frozen", new byte[] { 1 }),
            new MessageQueue("orders-frozen", "broker-a", 0)), ResponseCode.Forbidden, "denied Pub on Topic:orders-frozen");
        Assert.Equal(before, await _fx.StoredAsync("orders-frozen"));
    }

    [Fact]
    public async Task An_allowed_send_and_pull_work_and_the_wrong_group_is_refused()
    {
        var mq = new MessageQueue("orders-eu", "broker-a", 1);
        var producer = Producer("alice", SecureNodeFixture.AliceSecret);
        var sent = await producer.SendAsync(new Message("orders-eu", "hello"u8.ToArray()), mq);
        Assert.Equal(SendStatus.SendOk, sent.SendStatus);

        var client = _fx.Client("alice", SecureNodeFixture.AliceSecret, "consumer");
        var billing = AkkaMqPullConsumer.Create(client, "billing");
        var pulled = await billing.PullAsync(mq, "*", sent.QueueOffset, 1);
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(pulled.Messages.Single().Body));
        await billing.UpdateConsumeOffsetAsync(mq, sent.QueueOffset + 1);
        Assert.Equal(sent.QueueOffset + 1, await billing.FetchConsumeOffsetAsync(mq));

        var shipping = AkkaMqPullConsumer.Create(client, "shipping");
        await Refused(() => shipping.PullAsync(mq, "*", 0, 1), ResponseCode.Forbidden, "Group:shipping");
        await Refused(() => shipping.UpdateConsumeOffsetAsync(mq, 5), ResponseCode.Forbidden, "Group:shipping");
        Assert.Equal(-1, await AkkaMqPullConsumer.Create(_fx.Client("admin", SecureNodeFixture.AdminSecret, "root-consumer"), "shipping")
            .FetchConsumeOffsetAsync(mq));
    }

    [Fact]
    public async Task A_pull_of_a_topic_without_Sub_is_refused()
    {
        var bob = AkkaMqPullConsumer.Create(_fx.Client("bob", "bob-secret-1", "bob-consumer"), "billing");
        await Refused(() => bob.PullAsync(new MessageQueue("orders-eu", "broker-a", 0), "*", 0, 1), ResponseCode.Forbidden, "Topic:orders-eu");
        var anonymous = AkkaMqPullConsumer.Create(_fx.Client(null, null, "anonymous-consumer"), "billing");
        await Refused(() => anonymous.PullAsync(new MessageQueue("orders-eu", "broker-a", 0), "*", 0, 1), ResponseCode.Unauthorized, "");
    }

    [Fact]
    public async Task Admin_requests_of_a_normal_user_are_refused_and_change_nothing()
    {
        await using var alice = _fx.Admin("alice", SecureNodeFixture.AliceSecret);
        await Refused(() => alice.Context.CreateTopicAsync(TopicConfig.Create("native-by-alice")), ResponseCode.Forbidden, "Update on Topic:native-by-alice");
        Assert.False(await _fx.TopicExistsAsync("native-by-alice"));
        await Refused(() => alice.DeleteTopicAsync("payroll", null), ResponseCode.Forbidden, "Delete on Topic:payroll");
        Assert.True(await _fx.TopicExistsAsync("payroll"));
        await Refused(() => alice.CreateUserAsync("eve", "eve-secret-1", "Super"), ResponseCode.Forbidden, "Create on Cluster:");
        Assert.False(await _fx.UserExistsAsync("eve"));
        await Refused(() => alice.UpdateUserAsync("alice", null, "Super", null), ResponseCode.Forbidden, "Update on Cluster:");
        Assert.Equal("Normal", (await _fx.Root.GetUserAsync("alice")).UserType);
    }

    [Fact]
    public async Task The_super_user_administers_users_over_the_native_client()
    {
        await _fx.Root.CreateUserAsync("frank", "frank-secret-1", "Normal");
        await _fx.Root.CreateAclAsync("User:frank", "Topic:payroll", "Pub", "127.0.0.1", "Allow");
        var before = await _fx.StoredAsync("payroll");
        await Producer("frank", "frank-secret-1").SendAsync(new Message("payroll", new byte[] { 1 }), new MessageQueue("payroll", "broker-a", 0));
        Assert.Equal(before + 1, await _fx.StoredAsync("payroll"));
        await _fx.Root.UpdateAclAsync("User:frank", "Topic:payroll", "Pub", "10.9.9.9/32", "Allow");
        await Refused(() => Producer("frank", "frank-secret-1").SendAsync(new Message("payroll", new byte[] { 1 }),
            new MessageQueue("payroll", "broker-a", 0)), ResponseCode.Forbidden, "from 127.0.0.1");
        Assert.Equal(before + 1, await _fx.StoredAsync("payroll"));
        await _fx.Root.DeleteUserAsync("frank");
        Assert.False(await _fx.UserExistsAsync("frank"));
    }

    /// <summary>Collects what the broker sends a producer group member (heartbeat replies, check-backs).</summary>
    private sealed class Member : Akka.Actor.ReceiveActor
    {
        public Member(System.Threading.Channels.ChannelWriter<object> received) => ReceiveAny(m => received.TryWrite(m));
    }

    [Fact]
    public async Task A_producer_heartbeat_needs_Pub_on_its_group_and_a_refused_one_is_not_registered()
    {
        // Check-backs of a group carry its half messages' bodies: joining the group is joining those topics' publishers.
        await using var alice = _fx.Admin("alice", SecureNodeFixture.AliceSecret);
        var gateway = await alice.Context.GatewayAsync(_fx.Node.Address);
        var received = System.Threading.Channels.Channel.CreateUnbounded<object>();
        var member = alice.Context.System.ActorOf(Akka.Actor.Props.Create(() => new Member(received.Writer)));
        var channel = new AkkaMq.Protocol.Broker.ClientChannel(null, "DOTNET", "test");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        gateway.Tell(new AkkaMq.Protocol.Broker.ProducerHeartbeat("broker-a", "payroll", "alice-in-payroll", channel), member);
        var refused = Assert.IsType<AkkaMq.Protocol.Broker.ProducerHeartbeatReply>(await received.Reader.ReadAsync(timeout.Token));
        Assert.Equal(ResponseCode.Forbidden, refused.Code);
        Assert.Contains("alice", refused.Error);
        Assert.Contains("Pub on Group:payroll", refused.Error);

        await _fx.Root.CreateAclAsync("User:alice", "Group:orders-eu", "Pub", null, "Allow");
        gateway.Tell(new AkkaMq.Protocol.Broker.ProducerHeartbeat("broker-a", "orders-eu", "alice-in-orders", channel), member);
        var accepted = Assert.IsType<AkkaMq.Protocol.Broker.ProducerHeartbeatReply>(await received.Reader.ReadAsync(timeout.Token));
        Assert.True(accepted.Code == ResponseCode.Success, accepted.Error);

        Assert.Contains((await _fx.Root.ProducerConnectionAsync("orders-eu", "orders-eu")).Connections, c => c.ClientId == "alice-in-orders");
        var none = await Assert.ThrowsAsync<AkkaMqException>(() => _fx.Root.ProducerConnectionAsync("payroll", "payroll"));
        Assert.Equal(ResponseCode.QueryNotFound, none.Code);
    }
}
