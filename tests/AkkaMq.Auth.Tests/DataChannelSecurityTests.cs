using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Remoting;
using AkkaMq.Protocol.Security;
using AkkaMq.Tests;

namespace AkkaMq.Auth.Tests;

/// <summary>
/// The data channel of a node with auth on: every session opens with a challenge, anything but a proving answer is refused
/// with the problem named and the connection closed; after it every send and pull is authorized for the session's user
/// against the live ACLs, and a refused one stores nothing. Allowed paths go through the real client API.
/// </summary>
public sealed class DataChannelSecurityTests : IClassFixture<SecureNodeFixture>
{
    private readonly SecureNodeFixture _fx;

    public DataChannelSecurityTests(SecureNodeFixture fx) => _fx = fx;

    internal static async Task<DataChannelEndpoint> EndpointAsync(ActorSystem node) =>
        Assert.IsType<DataChannelEndpoint>(await node.ActorSelection("/user/broker").Ask<object>(new GetDataChannel("broker-a"), TimeSpan.FromSeconds(10)));

    internal static Task<DataChannelServer.CurrentConnections> ConnectionsAsync(ActorSystem node) =>
        node.ActorSelection("/user/" + AkkaMq.Broker.BrokerBootstrap.DataChannelName)
            .Ask<DataChannelServer.CurrentConnections>(DataChannelServer.GetConnections.Instance, TimeSpan.FromSeconds(10));

    private async Task<RawDataChannel> OpenAsync() => await RawDataChannel.OpenAsync(_fx.Node.System, (await EndpointAsync(_fx.Node.System)).Port);

    private static async Task Refused(RawDataChannel raw, DataChannelAuthResult result, string fragment)
    {
        Assert.Equal(ResponseCode.Unauthorized, result.Code);
        Assert.Contains(fragment, result.Error);
        await raw.ClosedAsync();
    }

    [Fact]
    public async Task The_gateway_names_a_channel_that_needs_the_handshake()
    {
        var endpoint = await EndpointAsync(_fx.Node.System);
        Assert.True(endpoint.Port > 0);
        Assert.True(endpoint.Handshake);
        Assert.Equal(TlsServerMode.Disabled, endpoint.Tls);
    }

    [Fact]
    public async Task A_send_before_the_handshake_is_refused_the_connection_closed_and_nothing_stored()
    {
        var before = await _fx.StoredAsync("orders-eu");
        using var raw = await OpenAsync();
        await raw.NextAsync<DataChannelAuthChallenge>();
        raw.Connection.Send(RawDataChannel.Send("orders-eu"));
        await Refused(raw, await raw.NextAsync<DataChannelAuthResult>(), "SendMessages before the session handshake");
        Assert.Equal(before, await _fx.StoredAsync("orders-eu"));
    }

    [Theory]
    [InlineData("", "none", "no credentials")]
    [InlineData("alice", "wrong-secret", "wrong secret")]
    [InlineData("mallory", "whatever-1", "not a known user")]
    [InlineData("carol", "carol-secret-1", "disabled")]
    public async Task A_handshake_with_bad_credentials_is_refused_naming_the_problem(string user, string secret, string fragment)
    {
        using var raw = await OpenAsync();
        await Refused(raw, await raw.HandshakeAsync(user, secret), fragment);
    }

    [Fact]
    public async Task A_stale_timestamp_is_refused()
    {
        using var raw = await OpenAsync();
        await Refused(raw, await raw.HandshakeAsync("alice", SecureNodeFixture.AliceSecret, DateTimeOffset.UtcNow.AddHours(-1)), "stale");
    }

    [Fact]
    public async Task A_recorded_handshake_answer_replayed_on_another_connection_is_refused()
    {
        using var first = await OpenAsync();
        var challenge = await first.NextAsync<DataChannelAuthChallenge>();
        var answer = new DataChannelClientSecurity(TlsClientSettings.Off, "alice", SecureNodeFixture.AliceSecret).Answer(challenge, DateTimeOffset.UtcNow);
        first.Connection.Send(answer);
        Assert.Equal(ResponseCode.Success, (await first.NextAsync<DataChannelAuthResult>()).Code);

        using var second = await OpenAsync();
        await second.NextAsync<DataChannelAuthChallenge>();
        second.Connection.Send(answer);
        await Refused(second, await second.NextAsync<DataChannelAuthResult>(), "replay");
    }

    [Fact]
    public async Task A_send_to_a_topic_the_user_may_not_publish_is_forbidden_and_stores_nothing()
    {
        var before = await _fx.StoredAsync("orders-eu");
        using var raw = await OpenAsync();
        Assert.Equal(ResponseCode.Success, (await raw.HandshakeAsync("bob", "bob-secret-1")).Code);
        raw.Connection.Send(RawDataChannel.Send("orders-eu", correlationId: 7));
        var ack = Assert.Single((await raw.NextAsync<SendAcks>()).Acks);
        Assert.Equal(7, ack.CorrelationId);
        Assert.Equal(ResponseCode.Forbidden, ack.Code);
        Assert.Contains("user 'bob' has no rule allowing Pub on Topic:orders-eu", ack.Error);
        // A deny beats alice's prefixed allow on the same session type.
        using var alice = await OpenAsync();
        Assert.Equal(ResponseCode.Success, (await alice.HandshakeAsync("alice", SecureNodeFixture.AliceSecret)).Code);
        alice.Connection.Send(RawDataChannel.Send("orders-frozen"));
        Assert.Contains("denied Pub on Topic:orders-frozen", Assert.Single((await alice.NextAsync<SendAcks>()).Acks).Error);
        Assert.Equal(before, await _fx.StoredAsync("orders-eu"));
    }

    [Fact]
    public async Task A_pull_under_a_group_the_user_may_not_use_is_forbidden_under_its_request_id()
    {
        using var raw = await OpenAsync();
        Assert.Equal(ResponseCode.Success, (await raw.HandshakeAsync("alice", SecureNodeFixture.AliceSecret)).Code);
        raw.Connection.Send(RawDataChannel.Pull("orders-eu", "shipping"), 42);
        var (reply, id) = await raw.NextAsync();
        Assert.Equal(42, id);
        var result = Assert.IsType<PullResult>(reply);
        Assert.Equal(ResponseCode.Forbidden, result.Code);
        Assert.Contains("Group:shipping", result.Error);
    }

    [Fact]
    public async Task An_ACL_change_applies_to_a_session_already_open()
    {
        await _fx.Root.CreateUserAsync("dave", "dave-secret-1", "Normal");
        await _fx.Root.CreateAclAsync("User:dave", "Topic:orders-eu", "Pub", null, "Allow");
        using var raw = await OpenAsync();
        Assert.Equal(ResponseCode.Success, (await raw.HandshakeAsync("dave", "dave-secret-1")).Code);
        raw.Connection.Send(RawDataChannel.Send("orders-eu", correlationId: 1));
        Assert.Equal(ResponseCode.Success, Assert.Single((await raw.NextAsync<SendAcks>()).Acks).Code);

        await _fx.Root.DeleteAclAsync("User:dave", null);
        await Eventually.ReturnsAsync(async () =>
        {
            raw.Connection.Send(RawDataChannel.Send("orders-eu", correlationId: 2));
            var ack = Assert.Single((await raw.NextAsync<SendAcks>()).Acks);
            Assert.Equal(ResponseCode.Forbidden, ack.Code);
            return ack;
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        var before = await _fx.StoredAsync("orders-eu");
        raw.Connection.Send(RawDataChannel.Send("orders-eu", correlationId: 3));
        Assert.Contains("user 'dave' has no rule allowing Pub", Assert.Single((await raw.NextAsync<SendAcks>()).Acks).Error);
        Assert.Equal(before, await _fx.StoredAsync("orders-eu"));
    }

    [Fact]
    public async Task The_client_API_sends_and_pulls_over_the_data_channel_with_auth_on()
    {
        var mq = new MessageQueue("orders-eu", "broker-a", 1);
        var producerSystem = _fx.Client("alice", SecureNodeFixture.AliceSecret, "channel-producer");
        var producer = AkkaMqProducer.Create(producerSystem);
        var sent = await producer.SendAsync(new Message("orders-eu", "over the channel"u8.ToArray()), mq);
        Assert.Equal(SendStatus.SendOk, sent.SendStatus);
        var consumerSystem = _fx.Client("alice", SecureNodeFixture.AliceSecret, "channel-consumer");
        var consumer = AkkaMqPullConsumer.Create(consumerSystem, "billing");
        var pulled = await consumer.PullAsync(mq, "*", sent.QueueOffset, 1);
        Assert.Equal("over the channel", System.Text.Encoding.UTF8.GetString(pulled.Messages.Single().Body));
        // Both went over authenticated sessions: neither fell back to the gateway, and the channel holds their connections.
        Assert.False(DataChannelFallback.For(producerSystem).GatewayOnly(_fx.Node.Address));
        Assert.False(DataChannelFallback.For(consumerSystem).GatewayOnly(_fx.Node.Address));
        Assert.True((await ConnectionsAsync(_fx.Node.System)).Open >= 2);
        var e = await Assert.ThrowsAnyAsync<AkkaMqException>(() => consumer.PullAsync(new MessageQueue("payroll", "broker-a", 0), "*", 0, 1));
        Assert.Equal(ResponseCode.Forbidden, e.Code);
    }
}
