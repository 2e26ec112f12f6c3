using System.Net;
using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;
using AkkaMq.Proxy.Security;
using Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Tests;

/// <summary>The plain table of what each gRPC request needs, and the peer address parsing.</summary>
public sealed class GrpcPermissionsTests
{
    private static Resource R(string name) => new() { Name = name };

    [Fact]
    public void Sends_need_topic_pub_receives_need_topic_and_group_sub_routes_any_user()
    {
        var send = new SendMessageRequest { Messages = { GrpcNodeFixture.NewMessage("a", "x"), GrpcNodeFixture.NewMessage("a", "y"), GrpcNodeFixture.NewMessage("b", "z") } };
        Assert.Equal(new[] { RequestPermissions.Topic("a", AclAction.Pub), RequestPermissions.Topic("b", AclAction.Pub) }, GrpcPermissions.For(send));
        var receive = new ReceiveMessageRequest { Group = R("g"), MessageQueue = new MessageQueue { Topic = R("t") } };
        Assert.Equal(new[] { RequestPermissions.Topic("t", AclAction.Sub), RequestPermissions.Group("g", AclAction.Sub) }, GrpcPermissions.For(receive));
        Assert.Equal(new[] { RequestPermissions.Topic("t", AclAction.Pub) }, GrpcPermissions.For(new EndTransactionRequest { Topic = R("t") }));
        Assert.Equal(new[] { RequestPermissions.Group("g", AclAction.Sub) }, GrpcPermissions.For(new AckMessageRequest { Group = R("g"), Topic = R("%RETRY%g") }));
        Assert.Empty(GrpcPermissions.For(new QueryRouteRequest { Topic = R("t") })!);
        Assert.Empty(GrpcPermissions.For(new HeartbeatRequest())!);
        Assert.Null(GrpcPermissions.For(new RecallMessageRequest { Topic = R("t") }));
    }

    [Theory]
    [InlineData("ipv4:127.0.0.1:5000", "127.0.0.1")]
    [InlineData("ipv6:[::1]:5000", "::1")]
    [InlineData("unix:/tmp/x", null)]
    [InlineData("", null)]
    public void The_peer_address_is_parsed(string peer, string? expected) =>
        Assert.Equal(expected == null ? null : IPAddress.Parse(expected), GrpcAuthCheck.SourceOf(peer));
}
