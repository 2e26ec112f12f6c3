using System.Net;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth;

/// <summary>What a request needs: an action on one resource (a request may need several, see <see cref="RequestPermissions"/>).</summary>
public readonly record struct Permission(ResourceType Type, string Name, AclAction Action)
{
    public override string ToString() => $"{Action} on {Type}:{Name}";
}

/// <summary>The outcome of a check: allowed, or the refusal's message naming the user and resource.</summary>
public readonly record struct AuthzDecision(bool Allowed, string? Error)
{
    public static readonly AuthzDecision Allow = new(true, null);
}

/// <summary>
/// RocketMQ 5's ACL decision. A Super user may do everything. Otherwise, among the user's rules
/// that cover the resource, the action and the source address, any Deny wins; without a covering
/// Allow the request is denied too (no rule means denied).
/// </summary>
public static class Authorizer
{
    public static AuthzDecision Check(User user, UserAcl? acl, Permission permission, IPAddress? source)
    {
        if (user.IsSuper) return AuthzDecision.Allow;
        var allowed = false;
        if (acl != null)
            foreach (var rule in acl.Rules)
            {
                if (!rule.Covers(permission.Type, permission.Name, permission.Action, source)) continue;
                if (rule.Decision == Decision.Deny)
                    return new AuthzDecision(false, $"user '{user.Username}' is denied {permission} by rule {rule.Resource}");
                allowed = true;
            }
        return allowed ? AuthzDecision.Allow
            : new AuthzDecision(false, $"user '{user.Username}' has no rule allowing {permission}{(source != null ? $" from {source}" : "")}");
    }

    /// <summary>Every permission must be allowed; the first refusal is the answer.</summary>
    public static AuthzDecision CheckAll(User user, UserAcl? acl, IReadOnlyList<Permission> permissions, IPAddress? source)
    {
        foreach (var p in permissions)
        {
            var d = Check(user, acl, p, source);
            if (!d.Allowed) return d;
        }
        return AuthzDecision.Allow;
    }
}
