using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth;

/// <summary>One change to the replicated user and ACL maps.</summary>
public abstract record AuthChange
{
    public sealed record PutUser(User User) : AuthChange;
    public sealed record RemoveUser(string Username) : AuthChange;
    public sealed record PutAcl(UserAcl Acl) : AuthChange;
    public sealed record RemoveAcl(string Username) : AuthChange;
}

/// <summary>The answer to an admin request and the changes to make first (none for reads and refusals).</summary>
public sealed record AdminDecision(AuthAdminReply Reply, IReadOnlyList<AuthChange> Changes)
{
    public static AdminDecision Read(AuthAdminReply reply) => new(reply, Array.Empty<AuthChange>());
    public static AdminDecision Refuse(ResponseCode code, string error) => Read(AuthAdminReply.Failed(code, error));
    public static AdminDecision Change(AuthAdminReply reply, params AuthChange[] changes) => new(reply, changes);
}

/// <summary>
/// mqadmin 5.x's user and ACL commands decided on the current maps: bad input (illegal names,
/// unknown user, bad resource, action or IP range) is refused with a message naming it and nothing
/// changes. The last enabled Super user cannot be deleted, disabled or demoted, so the cluster
/// always keeps an administrator. Secrets never leave in a reply.
/// </summary>
public static class AuthAdmin
{
    public static AdminDecision Decide(IAuthAdminRequest request, IReadOnlyDictionary<string, User> users, IReadOnlyDictionary<string, UserAcl> acls) =>
        request switch
        {
            CreateUser m => Create(m.User, users),
            UpdateUser m => Update(m, users),
            DeleteUser m => Delete(m.Username, users),
            GetUser m => Known(m.Username, users, out var u) is { } e ? e : AdminDecision.Read(AuthAdminReply.Ok(new[] { u!.Redacted() })),
            ListUsers m => AdminDecision.Read(AuthAdminReply.Ok(users.Values.Where(u => u.Username.Contains(m.Filter ?? "", StringComparison.Ordinal))
                .OrderBy(u => u.Username, StringComparer.Ordinal).Select(u => u.Redacted()).ToList())),
            CreateAcl m => PutRules(m.Username, m.Rules, users, acls, mustExist: false),
            UpdateAcl m => PutRules(m.Username, m.Rules, users, acls, mustExist: true),
            DeleteAcl m => DeleteRules(m, acls),
            GetAcl m => acls.TryGetValue(m.Username, out var acl)
                ? AdminDecision.Read(AuthAdminReply.Ok(acls: new[] { acl }))
                : AdminDecision.Refuse(ResponseCode.QueryNotFound, $"user '{m.Username}' has no ACL"),
            ListAcls m => AdminDecision.Read(AuthAdminReply.Ok(acls: acls.Values.Where(a => a.Username.Contains(m.Filter ?? "", StringComparison.Ordinal))
                .OrderBy(a => a.Username, StringComparer.Ordinal).ToList())),
            _ => AdminDecision.Refuse(ResponseCode.RequestCodeNotSupported, $"{request.GetType().Name} is not an admin request"),
        };

    private static AdminDecision? Known(string username, IReadOnlyDictionary<string, User> users, out User? user)
    {
        user = null;
        if (AuthNames.CheckUsername(username) is { } bad) return AdminDecision.Refuse(ResponseCode.MessageIllegal, bad);
        return users.TryGetValue(username, out user) ? null : AdminDecision.Refuse(ResponseCode.QueryNotFound, $"user '{username}' does not exist");
    }

    private static AdminDecision Create(User user, IReadOnlyDictionary<string, User> users)
    {
        if (AuthNames.CheckUsername(user.Username) is { } bad) return AdminDecision.Refuse(ResponseCode.MessageIllegal, bad);
        if (AuthNames.CheckPassword(user.Password) is { } weak) return AdminDecision.Refuse(ResponseCode.MessageIllegal, weak);
        if (!Enum.IsDefined(user.Type) || !Enum.IsDefined(user.Status))
            return AdminDecision.Refuse(ResponseCode.MessageIllegal, "user type must be Super or Normal and status enabled or disabled");
        if (users.ContainsKey(user.Username)) return AdminDecision.Refuse(ResponseCode.MessageIllegal, $"user '{user.Username}' already exists; use updateUser");
        return AdminDecision.Change(AuthAdminReply.Ok(new[] { user.Redacted() }), new AuthChange.PutUser(user));
    }

    private static AdminDecision Update(UpdateUser m, IReadOnlyDictionary<string, User> users)
    {
        if (Known(m.Username, users, out var user) is { } e) return e;
        if (m.Password != null && AuthNames.CheckPassword(m.Password) is { } weak) return AdminDecision.Refuse(ResponseCode.MessageIllegal, weak);
        if (m.Type is { } t && !Enum.IsDefined(t) || m.Status is { } s && !Enum.IsDefined(s))
            return AdminDecision.Refuse(ResponseCode.MessageIllegal, "user type must be Super or Normal and status enabled or disabled");
        var updated = user! with { Password = m.Password ?? user.Password, Type = m.Type ?? user.Type, Status = m.Status ?? user.Status };
        if (IsLastSuper(user, users) && (updated.Type != UserType.Super || updated.Status != UserStatus.Enabled))
            return AdminDecision.Refuse(ResponseCode.MessageIllegal, $"user '{user.Username}' is the last enabled Super user; create another one first");
        return AdminDecision.Change(AuthAdminReply.Ok(new[] { updated.Redacted() }), new AuthChange.PutUser(updated));
    }

    private static AdminDecision Delete(string username, IReadOnlyDictionary<string, User> users)
    {
        if (Known(username, users, out var user) is { } e) return e;
        if (IsLastSuper(user!, users))
            return AdminDecision.Refuse(ResponseCode.MessageIllegal, $"user '{username}' is the last enabled Super user; create another one first");
        return AdminDecision.Change(AuthAdminReply.Ok(new[] { user!.Redacted() }), new AuthChange.RemoveUser(username));
    }

    private static bool IsLastSuper(User user, IReadOnlyDictionary<string, User> users) =>
        user is { Type: UserType.Super, Status: UserStatus.Enabled }
        && !users.Values.Any(u => u.Username != user.Username && u is { Type: UserType.Super, Status: UserStatus.Enabled });

    private static AdminDecision PutRules(string username, IReadOnlyList<AclRule> rules, IReadOnlyDictionary<string, User> users,
        IReadOnlyDictionary<string, UserAcl> acls, bool mustExist)
    {
        if (Known(username, users, out _) is { } e) return e;
        if (rules.Count == 0) return AdminDecision.Refuse(ResponseCode.MessageIllegal, "no ACL rule given: name at least one resource");
        foreach (var rule in rules)
            if (CheckRule(rule) is { } bad) return AdminDecision.Refuse(ResponseCode.MessageIllegal, bad);
        var current = acls.GetValueOrDefault(username)?.Rules ?? Array.Empty<AclRule>();
        if (mustExist)
            foreach (var rule in rules)
                if (!current.Any(r => r.Resource == rule.Resource))
                    return AdminDecision.Refuse(ResponseCode.QueryNotFound, $"user '{username}' has no ACL entry for {rule.Resource}; use createAcl");
        // One entry per resource: a new rule for a resource replaces the old one.
        var merged = current.Where(r => !rules.Any(n => n.Resource == r.Resource)).Concat(rules.DistinctBy(r => r.Resource)).ToList();
        var acl = new UserAcl(username, merged);
        return AdminDecision.Change(AuthAdminReply.Ok(acls: new[] { acl }), new AuthChange.PutAcl(acl));
    }

    private static AdminDecision DeleteRules(DeleteAcl m, IReadOnlyDictionary<string, UserAcl> acls)
    {
        if (AuthNames.CheckUsername(m.Username) is { } bad) return AdminDecision.Refuse(ResponseCode.MessageIllegal, bad);
        if (!acls.TryGetValue(m.Username, out var acl)) return AdminDecision.Refuse(ResponseCode.QueryNotFound, $"user '{m.Username}' has no ACL");
        if (m.Resources.Count == 0) return AdminDecision.Change(AuthAdminReply.Ok(acls: new[] { acl }), new AuthChange.RemoveAcl(m.Username));
        foreach (var res in m.Resources)
            if (!acl.Rules.Any(r => r.Resource == res))
                return AdminDecision.Refuse(ResponseCode.QueryNotFound, $"user '{m.Username}' has no ACL entry for {res}");
        var left = acl.Rules.Where(r => !m.Resources.Contains(r.Resource)).ToList();
        return left.Count == 0
            ? AdminDecision.Change(AuthAdminReply.Ok(acls: new[] { acl }), new AuthChange.RemoveAcl(m.Username))
            : AdminDecision.Change(AuthAdminReply.Ok(acls: new[] { acl with { Rules = left } }), new AuthChange.PutAcl(acl with { Rules = left }));
    }

    /// <summary>A rule that came over the wire is checked as if typed: its resource must parse back to itself.</summary>
    public static string? CheckRule(AclRule rule)
    {
        var parsed = AclResource.TryParse(rule.Resource.ToString(), out var error);
        if (parsed == null) return error;
        if (parsed != rule.Resource) return $"resource {rule.Resource} is not well formed";
        if (rule.Actions == AclAction.None || (rule.Actions & ~AclAction.All) != 0)
            return $"resource {rule.Resource}: actions must be some of Pub, Sub, Create, Update, Delete, Get, List or All";
        if (!Enum.IsDefined(rule.Decision)) return $"resource {rule.Resource}: decision must be Allow or Deny";
        foreach (var ip in rule.SourceIps)
            if (IpRanges.Check(ip) is { } badIp) return badIp;
        return null;
    }
}
