using System.Net;
using AkkaMq.Auth;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using AkkaMq.Protocol.Auth;
using Permission = AkkaMq.Auth.Permission;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy.Security;

/// <summary>
/// The decision for one gRPC call: RocketMQ's authorization and x-mq-date-time headers authenticate the user
/// (UNAUTHORIZED otherwise), then the ACLs must allow what <see cref="GrpcPermissions"/> says the request needs
/// (FORBIDDEN otherwise). Null means the call goes on.
/// </summary>
public sealed class GrpcAuthCheck
{
    public const string AuthorizationHeader = "authorization";
    public const string DateTimeHeader = "x-mq-date-time";

    private readonly Authenticator _authenticator;
    private readonly IUserDirectory _users;

    public GrpcAuthCheck(Authenticator authenticator, IUserDirectory users)
    {
        _authenticator = authenticator;
        _users = users;
    }

    public Status? Refusal(string rpc, IMessage? request, string? authorization, string? dateTime, IPAddress? source) =>
        Refusal(rpc, request, authorization, dateTime, source, out _);

    /// <summary>As above; user is who the headers proved, when they did.</summary>
    public Status? Refusal(string rpc, IMessage? request, string? authorization, string? dateTime, IPAddress? source, out User? user)
    {
        // The peer's IP is where a repeat of the signature must come from (replay book on).
        var authn = _authenticator.VerifyAuthorizationHeader(authorization, dateTime, source?.ToString());
        user = authn.User;
        if (!authn.Ok) return ProxyStatus.Of(Code.Unauthorized, $"{rpc}: {authn.Error}");
        var permissions = GrpcPermissions.For(request);
        return Authorize(rpc, user!, permissions, source);
    }

    /// <summary>FORBIDDEN naming user and resource, or null; null permissions: Super users only.</summary>
    public Status? Authorize(string rpc, User user, IReadOnlyList<Permission>? permissions, IPAddress? source)
    {
        if (permissions == null)
            return user.IsSuper ? null : ProxyStatus.Of(Code.Forbidden, $"{rpc}: user '{user.Username}' may not call it: only Super users may");
        var decision = Authorizer.CheckAll(user, _users.FindAcl(user.Username), permissions, source);
        return decision.Allowed ? null : ProxyStatus.Of(Code.Forbidden, $"{rpc}: {decision.Error}");
    }

    /// <summary>The client address of a gRPC peer ("ipv4:1.2.3.4:5", "ipv6:[::1]:5"), or null.</summary>
    public static IPAddress? SourceOf(string? peer)
    {
        if (string.IsNullOrEmpty(peer)) return null;
        var colon = peer.IndexOf(':');
        var rest = colon >= 0 ? peer[(colon + 1)..] : peer;
        if (rest.StartsWith('[')) rest = rest[1..Math.Max(1, rest.IndexOf(']'))];
        else if (rest.LastIndexOf(':') is var last and > 0) rest = rest[..last];
        return IPAddress.TryParse(rest, out var ip) ? ip : null;
    }
}
