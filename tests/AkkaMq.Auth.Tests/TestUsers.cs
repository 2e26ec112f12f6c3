using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth.Tests;

/// <summary>A user directory for the plain-class tests: users and ACLs in dictionaries.</summary>
internal sealed class TestUsers : IUserDirectory
{
    public Dictionary<string, User> Users { get; } = new();
    public Dictionary<string, UserAcl> Acls { get; } = new();

    public User? FindUser(string username) => Users.GetValueOrDefault(username);
    public UserAcl? FindAcl(string username) => Acls.GetValueOrDefault(username);

    public TestUsers With(User u, params AclRule[] rules)
    {
        Users[u.Username] = u;
        if (rules.Length > 0) Acls[u.Username] = new UserAcl(u.Username, rules);
        return this;
    }

    public static User Normal(string name, string secret = "secret-1") => new(name, secret, UserType.Normal, UserStatus.Enabled);
    public static User Super(string name, string secret = "secret-1") => new(name, secret, UserType.Super, UserStatus.Enabled);

    public static AclRule Rule(string resource, string actions, Decision decision = Decision.Allow, params string[] ips) =>
        new(AclResource.TryParse(resource, out var e) ?? throw new ArgumentException(e), AuthNames.ParseActions(actions, out _), ips, decision);
}
