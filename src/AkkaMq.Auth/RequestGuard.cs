using System.Net;
using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Auth;

/// <summary>What a gateway does with a message: handle Message (a signed request unwrapped), or refuse it with Code and Error.</summary>
public readonly record struct GuardResult(object Message, ResponseCode Code, string? Error, User? User)
{
    public bool Refused => Error != null;
}

/// <summary>
/// The check in front of a gateway (broker, NameServer) for native clients over Akka.Remote. With
/// auth on, a client request must come as a <see cref="SignedRequest"/> whose user the ACLs allow
/// (<see cref="RequestPermissions"/>); unsigned ones are accepted only from this node's own actors
/// (the HTTP API, gRPC endpoint and data channel check their callers themselves) and from cluster
/// members. A request the gateway passes to itself again (a wait for a topic, a failover hold) is
/// <see cref="Admit">admitted</see> with a token that never leaves the process, so it is not checked twice.
/// </summary>
public sealed class RequestGuard
{
    private readonly Authenticator _authenticator;
    private readonly IUserDirectory _users;
    private readonly Func<Address, bool> _isMember;
    private readonly object _token = new();

    public RequestGuard(AuthSettings settings, Authenticator authenticator, IUserDirectory users, string clusterName, Func<Address, bool> isMember)
    {
        Settings = settings;
        _authenticator = authenticator;
        _users = users;
        ClusterName = clusterName;
        _isMember = isMember;
    }

    public AuthSettings Settings { get; }
    public string ClusterName { get; }

    private sealed record Admitted(object Token, object Message) : INoSerializationVerificationNeeded;

    /// <summary>Wraps a message already checked, for the gateway to tell itself again.</summary>
    public object Admit(object message) => Settings.Enabled ? new Admitted(_token, message) : message;

    public GuardResult Check(object message, IActorRef sender)
    {
        if (message is Admitted a && ReferenceEquals(a.Token, _token)) return Pass(a.Message);
        if (message is SignedRequest signed) return Settings.Enabled ? CheckSigned(signed, sender) : Pass(signed.Request);
        if (!Settings.Enabled || message is not IAkkaMqMessage || !IsClientRequest(message)) return Pass(message);
        if (IsTrusted(sender)) return Pass(message);
        return new GuardResult(message, ResponseCode.Unauthorized,
            $"no credentials: {message.GetType().Name} from {sender.Path.Address} is not signed; set akkamq.client.access-key and secret-key", null);
    }

    /// <summary>Authenticates and authorizes a signed request from sender's address.</summary>
    public GuardResult CheckSigned(SignedRequest signed, IActorRef sender)
    {
        var inner = signed.Request;
        // The sender's system address is where a repeat must come from (replay book on); no sender, no origin.
        var origin = sender.IsNobody() ? null : sender.Path.Address.ToString();
        var authn = _authenticator.VerifySignature(signed.AccessKey, signed.DateTime, signed.Signature, origin);
        if (!authn.Ok) return new GuardResult(inner, ResponseCode.Unauthorized, authn.Error, null);
        var decision = Authorize(authn.User!, inner, SourceAddress(sender));
        return decision.Allowed ? new GuardResult(inner, ResponseCode.Success, null, authn.User) : new GuardResult(inner, ResponseCode.Forbidden, decision.Error, authn.User);
    }

    /// <summary>The ACL decision for an authenticated user's request (also for surfaces that authenticate their own way, as gRPC will).</summary>
    public AuthzDecision Authorize(User user, object request, IPAddress? source)
    {
        var permissions = RequestPermissions.For(request, ClusterName);
        if (permissions == null)
            return user.IsSuper ? AuthzDecision.Allow
                : new AuthzDecision(false, $"user '{user.Username}' may not send {request.GetType().Name}: only cluster members and Super users may");
        return Authorizer.CheckAll(user, _users.FindAcl(user.Username), permissions, source);
    }

    /// <summary>Requests a client sends: what the ACL table names, and every broker request and admin request.</summary>
    public static bool IsClientRequest(object message) => ClientRequests.Is(message);

    private bool IsTrusted(IActorRef sender)
    {
        // No sender: a remote client can send that too, so it proves nothing.
        if (sender.IsNobody()) return false;
        var address = sender.Path.Address;
        return !address.HasGlobalScope || _isMember(address);
    }

    public static IPAddress? SourceAddress(IActorRef sender) =>
        sender.Path.Address.Host is { } host && IPAddress.TryParse(host, out var ip) ? ip : null;

    private static GuardResult Pass(object message) => new(message, ResponseCode.Success, null, null);

    /// <summary>The refusal a sender understands: the request's own reply shape where it has a code, else <see cref="AccessRefused"/>.</summary>
    public static object RefusalFor(object request, ResponseCode code, string error) => request switch
    {
        GetRouteInfo m => new RouteInfoReply(m.Topic, code, error, null),
        CreateTopic m => new CreateTopicReply(m.Config.TopicName, code, error, Array.Empty<string>()),
        DeleteTopicInNameServer m => new DeleteTopicReply(m.Topic, code, error, Array.Empty<string>()),
        IAuthAdminRequest => AuthAdminReply.Failed(code, error),
        ProducerHeartbeat m => new ProducerHeartbeatReply(m.BrokerName, m.ProducerGroup, m.ClientId, code, error),
        _ => new AccessRefused(code, error),
    };
}
