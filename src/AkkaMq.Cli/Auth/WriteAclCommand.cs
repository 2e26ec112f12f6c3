using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>
/// `akkamq createAcl -s User:NAME -r Topic:t,Group:g* -a Pub,Sub -d Allow [-i 10.0.0.0/8]`: an entry per resource (replacing that resource's entry).
/// `akkamq updateAcl` takes the same options: each resource must have an entry already.
/// </summary>
public sealed class WriteAclCommand : AuthCommandBase
{
    public enum Mode { Create, Update }

    private readonly Mode _mode;
    private readonly Option<string> _subject = Required("--subject", "-s", "User:NAME (or NAME)");
    private readonly Option<string> _resources = Required("--resources", "-r", "Topic:name, Group:prefix*, Cluster:*, * (comma separated)");
    private readonly Option<string> _actions = Required("--actions", "-a", "Pub, Sub, Create, Update, Delete, Get, List or All (comma separated)");
    private readonly Option<string> _decision = Required("--decision", "-d", "Allow or Deny");
    private readonly Option<string?> _ips = new("--sourceIp", "-i") { Description = "Source addresses or CIDR ranges (comma separated); none means any" };

    public WriteAclCommand(Mode mode) : base(
        mode == Mode.Create ? "createAcl" : "updateAcl",
        mode == Mode.Create ? "Add ACL entries for a user: resources, actions, source IPs and decision" : "Replace a user's ACL entries for resources it already has")
    {
        _mode = mode;
        AddOptions(_subject, _resources, _actions, _decision, _ips);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var (subject, resources, actions, ips, decision) = (r.GetValue(_subject)!, r.GetValue(_resources)!, r.GetValue(_actions)!, r.GetValue(_ips), r.GetValue(_decision)!);
        var acl = _mode == Mode.Create
            ? await admin.CreateAclAsync(subject, resources, actions, ips, decision, ct)
            : await admin.UpdateAclAsync(subject, resources, actions, ips, decision, ct);
        var verb = _mode == Mode.Create ? "create" : "update";
        return (acl, c => { c.WriteLine($"{verb} acl for {acl.Subject} success"); c.Write(Acls(new[] { acl })); });
    }
}
