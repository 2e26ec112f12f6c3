using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq updateAcl -s User:NAME -r RESOURCES -a ACTIONS -d Allow|Deny [-i IPS]`: each resource must have an entry already.</summary>
public sealed class UpdateAclCommand : AuthCommandBase
{
    private readonly Option<string> _subject = Required("--subject", "-s", "User:NAME (or NAME)");
    private readonly Option<string> _resources = Required("--resources", "-r", "Topic:name, Group:prefix*, Cluster:*, * (comma separated)");
    private readonly Option<string> _actions = Required("--actions", "-a", "Pub, Sub, Create, Update, Delete, Get, List or All (comma separated)");
    private readonly Option<string> _decision = Required("--decision", "-d", "Allow or Deny");
    private readonly Option<string?> _ips = new("--sourceIp", "-i") { Description = "Source addresses or CIDR ranges (comma separated); none means any" };

    public UpdateAclCommand() : base("updateAcl", "Replace a user's ACL entries for resources it already has")
    {
        AddOptions(_subject, _resources, _actions, _decision, _ips);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var acl = await admin.UpdateAclAsync(r.GetValue(_subject)!, r.GetValue(_resources)!, r.GetValue(_actions)!, r.GetValue(_ips), r.GetValue(_decision)!, ct);
        return (acl, c => { c.WriteLine($"update acl for {acl.Subject} success"); c.Write(Acls(new[] { acl })); });
    }
}
