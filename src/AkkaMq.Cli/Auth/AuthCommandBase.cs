using AkkaMq.Cli.Admin;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>The user and ACL commands (mqadmin 5.x's): tables of users and ACL entries, never a secret.</summary>
public abstract class AuthCommandBase : AdminCommandBase
{
    protected AuthCommandBase(string name, string description) : base(name, description) { }

    protected static Table Users(IEnumerable<UserView> users)
    {
        var t = NewTable("USERNAME", "USER TYPE", "USER STATUS");
        foreach (var u in users) AddRow(t, u.Username, u.UserType, u.UserStatus);
        return t;
    }

    protected static Table Acls(IEnumerable<AclView> acls)
    {
        var t = NewTable("SUBJECT", "RESOURCE", "ACTIONS", "SOURCE IPS", "DECISION");
        foreach (var a in acls)
            foreach (var p in a.Policies)
                AddRow(t, a.Subject, p.Resource, p.Actions, p.SourceIps.Count == 0 ? "*" : string.Join(",", p.SourceIps), p.Decision);
        return t;
    }
}
