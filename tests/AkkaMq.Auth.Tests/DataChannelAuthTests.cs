using System.Net;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;
using AkkaMq.Protocol.Security;
using static AkkaMq.Auth.Tests.TestUsers;

namespace AkkaMq.Auth.Tests;

/// <summary>The data channel's per-connection decisions (<see cref="DataChannelAuth"/>) and the client's plan (<see cref="DataChannelPlan"/>), without a node.</summary>
public class DataChannelAuthTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly BrokerIdentity Broker = new("c", "broker-a", 0, "127.0.0.1:1");
    private readonly TestUsers _users = new TestUsers()
        .With(Normal("alice", "alice-secret"), Rule("Topic:orders-*", "Pub,Sub"), Rule("Group:billing", "Sub"));
    private readonly DataChannelAuth _auth;

    public DataChannelAuthTests()
    {
        var authenticator = new Authenticator(_users, TimeSpan.FromMinutes(5), () => Now);
        var settings = new AuthSettings(true, "admin", "x", TimeSpan.FromMinutes(5), false, "", TimeSpan.FromSeconds(5));
        var guard = new RequestGuard(settings, authenticator, _users, "c", _ => false);
        _auth = new DataChannelAuth(authenticator, _users, guard.Authorize,
            (request, code, error) => request is IBrokerRequest b ? b.FailureReply(Broker, code, error) : new AccessRefused(code, error), TimeSpan.FromSeconds(10));
    }

    private static DataChannelAuthResponse Answer(DataChannelAuthChallenge c, string user = "alice", string secret = "alice-secret") =>
        new DataChannelClientSecurity(TlsClientSettings.Off, user, secret).Answer(c, Now);

    private static SendMessages Send(string topic) =>
        new("broker-a", new[] { new SendEntry(3, 0, false, 0, new Message(topic, new byte[] { 1 })) });

    [Fact]
    public void A_proving_answer_binds_the_session_and_its_nonce_cannot_be_used_again()
    {
        var session = _auth.Begin(IPAddress.Loopback);
        var answer = Answer(session.Challenge());
        Assert.Null(session.Verify(answer));
        Assert.Equal("alice", ((DataChannelAuth.DataChannelSessionAuth)session).Username);
        var other = _auth.Begin(IPAddress.Loopback);
        other.Challenge();
        Assert.Contains("replay", other.Verify(answer));
    }

    [Fact]
    public void Before_the_handshake_every_request_is_refused_as_unauthorized()
    {
        var session = _auth.Begin(null);
        Assert.True(session.Refuses(Send("orders-eu"), out var refusal));
        Assert.Equal(ResponseCode.Unauthorized, Assert.Single(Assert.IsType<SendAcks>(refusal).Acks).Code);
    }

    [Fact]
    public void Requests_are_checked_against_the_live_ACLs_and_users()
    {
        var session = _auth.Begin(IPAddress.Loopback);
        Assert.Null(session.Verify(Answer(session.Challenge())));
        Assert.False(session.Refuses(Send("orders-eu"), out _));
        Assert.True(session.Refuses(new PullMessage("broker-a", "shipping", "orders-eu", 0, 0, 1, "*", 0), out var pull));
        Assert.Contains("Group:shipping", Assert.IsType<PullResult>(pull).Error);

        _users.Acls.Remove("alice");
        Assert.True(session.Refuses(Send("orders-eu"), out var forbidden));
        var ack = Assert.Single(Assert.IsType<SendAcks>(forbidden).Acks);
        Assert.Equal((ResponseCode.Forbidden, 3L), (ack.Code, ack.CorrelationId));

        _users.Users["alice"] = _users.Users["alice"] with { Status = UserStatus.Disabled };
        Assert.True(session.Refuses(Send("orders-eu"), out var disabled));
        Assert.Contains("disabled", Assert.Single(Assert.IsType<SendAcks>(disabled).Acks).Error);
    }

    [Fact]
    public void A_one_way_send_refused_has_no_reply()
    {
        var session = _auth.Begin(null);
        Assert.Null(session.Verify(Answer(session.Challenge())));
        var oneway = new SendMessages("broker-a", new[] { new SendEntry(1, 0, true, 0, new Message("payroll", new byte[] { 1 })) });
        Assert.True(session.Refuses(oneway, out var refusal));
        Assert.Null(refusal);
    }

    [Theory]
    [InlineData(0, false, "disabled", false, "", false, null)]
    [InlineData(1, true, "disabled", false, "", false, "credentials")]
    [InlineData(1, true, "disabled", false, "ak", true, null)]
    [InlineData(1, false, "enforcing", false, "", false, "TLS only")]
    [InlineData(1, false, "permissive", false, "", true, null)]
    [InlineData(1, false, "disabled", true, "", false, "serves no TLS")]
    [InlineData(1, true, "enforcing", true, "ak", true, null)]
    public void The_client_plan_never_drops_TLS_and_needs_credentials_for_a_handshake(int port, bool handshake, string mode, bool clientTls,
        string accessKey, bool use, string? reason)
    {
        var endpoint = new DataChannelEndpoint("broker-a", "127.0.0.1", port, handshake, Enum.Parse<TlsServerMode>(mode, ignoreCase: true));
        var plan = DataChannelPlan.Choose(endpoint, new DataChannelClientSecurity(new TlsClientSettings(clientTls, "", true), accessKey, "sk"));
        Assert.Equal(use, plan.Use);
        if (reason != null) Assert.Contains(reason, plan.Reason);
        if (use) Assert.Equal((clientTls, handshake), (plan.Tls, plan.Handshake));
    }
}
