using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Client.Admin;

/// <summary>A user as admin reads show it (no secret).</summary>
public sealed record UserView(string Username, string UserType, string UserStatus)
{
    public static UserView Of(User u) => new(u.Username, u.Type.ToString(), u.Status == Protocol.Auth.UserStatus.Enabled ? "enable" : "disable");
}

/// <summary>One ACL entry in RocketMQ's text forms: resource "Topic:orders*", actions "Pub,Sub", decision "Allow".</summary>
public sealed record AclEntryView(string Resource, string Actions, IReadOnlyList<string> SourceIps, string Decision);

public sealed record AclView(string Subject, IReadOnlyList<AclEntryView> Policies)
{
    public static AclView Of(UserAcl a) => new("User:" + a.Username,
        a.Rules.Select(r => new AclEntryView(r.Resource.ToString(), r.Actions.ToString().Replace(" ", ""), r.SourceIps, r.Decision.ToString())).ToList());
}

// User and ACL administration (mqadmin 5.x's createUser ... listAcl), answered by the users' store through a NameServer node.
public sealed partial class AkkaMqAdmin
{
    public async Task<UserView> CreateUserAsync(string username, string password, string? userType, CancellationToken ct = default)
    {
        var type = AuthNames.ParseUserType(userType, out var error) ?? throw Illegal(error!);
        return UserView.Of((await AuthAsync(new CreateUser(new User(username, password, type, UserStatus.Enabled)), ct)).Users.Single());
    }

    /// <summary>Null leaves a field as it is.</summary>
    public async Task<UserView> UpdateUserAsync(string username, string? password, string? userType, string? userStatus, CancellationToken ct = default)
    {
        UserType? type = userType == null ? null : AuthNames.ParseUserType(userType, out var e1) ?? throw Illegal(e1!);
        UserStatus? status = userStatus == null ? null : AuthNames.ParseUserStatus(userStatus, out var e2) ?? throw Illegal(e2!);
        if (password == null && type == null && status == null) throw Illegal("nothing to update: give a password, user type or user status");
        return UserView.Of((await AuthAsync(new UpdateUser(username, password, type, status), ct)).Users.Single());
    }

    public async Task<UserView> DeleteUserAsync(string username, CancellationToken ct = default) =>
        UserView.Of((await AuthAsync(new DeleteUser(username), ct)).Users.Single());

    public async Task<UserView> GetUserAsync(string username, CancellationToken ct = default) =>
        UserView.Of((await AuthAsync(new GetUser(username), ct)).Users.Single());

    public async Task<IReadOnlyList<UserView>> ListUserAsync(string? filter, CancellationToken ct = default) =>
        (await AuthAsync(new ListUsers(filter ?? ""), ct)).Users.Select(UserView.Of).ToList();

    /// <param name="resources">RocketMQ's forms, comma separated: "Topic:orders,Group:g*".</param>
    /// <param name="actions">"Pub,Sub" or "All".</param>
    /// <param name="sourceIps">CIDR ranges or addresses, comma separated; null or empty means any source.</param>
    public async Task<AclView> CreateAclAsync(string subject, string resources, string actions, string? sourceIps, string decision,
        CancellationToken ct = default) =>
        AclView.Of((await AuthAsync(new CreateAcl(Subject(subject), Rules(resources, actions, sourceIps, decision)), ct)).Acls.Single());

    public async Task<AclView> UpdateAclAsync(string subject, string resources, string actions, string? sourceIps, string decision,
        CancellationToken ct = default) =>
        AclView.Of((await AuthAsync(new UpdateAcl(Subject(subject), Rules(resources, actions, sourceIps, decision)), ct)).Acls.Single());

    /// <summary>Removes the entries of these resources, or the subject's whole ACL when resources is null or empty.</summary>
    public async Task<AclView> DeleteAclAsync(string subject, string? resources, CancellationToken ct = default) =>
        AclView.Of((await AuthAsync(new DeleteAcl(Subject(subject), Resources(resources ?? "", required: false)), ct)).Acls.Single());

    public async Task<AclView> GetAclAsync(string subject, CancellationToken ct = default) =>
        AclView.Of((await AuthAsync(new GetAcl(Subject(subject)), ct)).Acls.Single());

    public async Task<IReadOnlyList<AclView>> ListAclAsync(string? subjectFilter, CancellationToken ct = default) =>
        (await AuthAsync(new ListAcls(subjectFilter == null ? "" : Subject(subjectFilter, allowEmpty: true)), ct)).Acls.Select(AclView.Of).ToList();

    private async Task<AuthAdminReply> AuthAsync(IAuthAdminRequest request, CancellationToken ct)
    {
        var reply = await Context.AskNameServerAsync<AuthAdminReply>(request, ct);
        if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "refused");
        return reply;
    }

    private static AkkaMqException Illegal(string error) => new(ResponseCode.MessageIllegal, error);

    /// <summary>"User:alice" or "alice".</summary>
    private static string Subject(string subject, bool allowEmpty = false)
    {
        var name = subject.StartsWith("User:", StringComparison.OrdinalIgnoreCase) ? subject[5..] : subject;
        if (allowEmpty && name.Length == 0) return name;
        if (AuthNames.CheckUsername(name) is { } error) throw Illegal($"subject '{subject}': {error}");
        return name;
    }

    private static List<AclResource> Resources(string text, bool required)
    {
        var list = new List<AclResource>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            list.Add(AclResource.TryParse(part, out var error) ?? throw Illegal(error!));
        if (required && list.Count == 0) throw Illegal("no resource given: name at least one (Topic:name, Group:prefix*, Cluster:*, *)");
        return list;
    }

    private static List<AclRule> Rules(string resources, string actions, string? sourceIps, string decision)
    {
        var parsedActions = AuthNames.ParseActions(actions, out var actionError);
        if (actionError != null) throw Illegal(actionError);
        var parsedDecision = AuthNames.ParseDecision(decision, out var decisionError) ?? throw Illegal(decisionError!);
        var ips = (sourceIps ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var ip in ips)
            if (IpRanges.Check(ip) is { } ipError) throw Illegal(ipError);
        return Resources(resources, required: true).Select(r => new AclRule(r, parsedActions, ips, parsedDecision)).ToList();
    }
}
