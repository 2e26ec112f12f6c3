namespace AkkaMq.Protocol.Auth;

/// <summary>
/// A native client request with its credentials: the access key and the signature of a date-time
/// (<see cref="RequestSignature"/>). Gateways verify and authorize it, then handle Request as if it
/// came alone, keeping the sender so the reply goes straight back.
/// </summary>
public sealed record SignedRequest(string AccessKey, string DateTime, string Signature, object Request) : IAkkaMqMessage;

/// <summary>User and ACL administration (mqadmin 5.x's createUser ... listAcl); answered with <see cref="AuthAdminReply"/>.</summary>
public interface IAuthAdminRequest : IAkkaMqMessage;

public sealed record CreateUser(User User) : IAuthAdminRequest;

/// <summary>Null fields keep the user's current value.</summary>
public sealed record UpdateUser(string Username, string? Password, UserType? Type, UserStatus? Status) : IAuthAdminRequest;

public sealed record DeleteUser(string Username) : IAuthAdminRequest;

public sealed record GetUser(string Username) : IAuthAdminRequest;

/// <summary>Filter: a username substring; empty lists every user.</summary>
public sealed record ListUsers(string Filter) : IAuthAdminRequest;

/// <summary>Adds rules to a user's ACL; a rule for a resource the ACL already has replaces that resource's rule.</summary>
public sealed record CreateAcl(string Username, IReadOnlyList<AclRule> Rules) : IAuthAdminRequest;

/// <summary>Replaces the rules of the resources named; the user must already have an ACL entry for each of them.</summary>
public sealed record UpdateAcl(string Username, IReadOnlyList<AclRule> Rules) : IAuthAdminRequest;

/// <summary>Removes the rules for these resources, or the user's whole ACL when none is named.</summary>
public sealed record DeleteAcl(string Username, IReadOnlyList<AclResource> Resources) : IAuthAdminRequest;

public sealed record GetAcl(string Username) : IAuthAdminRequest;

/// <summary>Filter: a username substring; empty lists every ACL.</summary>
public sealed record ListAcls(string Filter) : IAuthAdminRequest;

/// <summary>Users carry no secret (<see cref="User.Redacted"/>). Code is Success or the refusal with Error naming why.</summary>
public sealed record AuthAdminReply(ResponseCode Code, string? Error, IReadOnlyList<User> Users, IReadOnlyList<UserAcl> Acls) : IAkkaMqMessage
{
    public static AuthAdminReply Ok(IReadOnlyList<User>? users = null, IReadOnlyList<UserAcl>? acls = null) =>
        new(ResponseCode.Success, null, users ?? Array.Empty<User>(), acls ?? Array.Empty<UserAcl>());

    public static AuthAdminReply Failed(ResponseCode code, string error) => new(code, error, Array.Empty<User>(), Array.Empty<UserAcl>());
}

// The data channel's session handshake (its server owns the connection; these are only the messages):
// server → client challenge, client → server response, server → client result.

/// <summary>A fresh server nonce; the client answers with <see cref="DataChannelAuthResponse"/> before any other frame.</summary>
public sealed record DataChannelAuthChallenge(byte[] Nonce, string DateTime) : IAkkaMqMessage;

/// <summary>Signature = HMAC-SHA1(secret, <see cref="RequestSignature.ChallengeData"/>(nonce, DateTime)); DateTime is the client's.</summary>
public sealed record DataChannelAuthResponse(string AccessKey, byte[] Nonce, string DateTime, string Signature) : IAkkaMqMessage;

public sealed record DataChannelAuthResult(ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>
/// The gateway's answer to GetDataChannel when its data channel challenges (auth on) or serves TLS; otherwise it
/// answers <see cref="Broker.DataChannelAddress"/> as before. Port 0: no data channel.
/// </summary>
public sealed record DataChannelEndpoint(string BrokerName, string Host, int Port, bool Handshake, Security.TlsServerMode Tls) : IAkkaMqMessage;

/// <summary>
/// A request refused for its credentials (UNAUTHORIZED 40100) or its ACL (FORBIDDEN 40300), for requests
/// whose reply has no code of its own; the client's ask helpers turn it into an AkkaMqException.
/// </summary>
public sealed record AccessRefused(ResponseCode Code, string Error) : IAkkaMqMessage;

/// <summary>The requests a client sends to a gateway; a client system with credentials signs exactly these.</summary>
public static class ClientRequests
{
    public static bool Is(object message) =>
        message is Broker.IBrokerRequest or IAuthAdminRequest or NameServer.GetRouteInfo or NameServer.CreateTopic
            or Admin.DeleteTopicInNameServer or Admin.GetAllTopicList or NameServer.GetBrokerClusterInfo;
}
