using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq deleteAcl -s User:NAME [-r RESOURCES]`: without -r the whole ACL.</summary>
public sealed class DeleteAclCommand : AuthCommandBase
{
    private readonly Option<string> _subject = Required("--subject", "-s", "User:NAME (or NAME)");
    private readonly Option<string?> _resources = new("--resources", "-r") { Description = "Only these resources' entries (comma separated)" };

    public DeleteAclCommand() : base("deleteAcl", "Delete a user's ACL entries for some resources, or its whole ACL")
    {
        AddOptions(_subject, _resources);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var acl = await admin.DeleteAclAsync(r.GetValue(_subject)!, r.GetValue(_resources), ct);
        return (acl, c => c.WriteLine($"delete acl for {acl.Subject} success"));
    }
}
