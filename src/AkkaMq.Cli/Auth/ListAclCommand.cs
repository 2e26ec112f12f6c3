using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq listAcl [-s FILTER]`: the ACLs of users whose name contains FILTER.</summary>
public sealed class ListAclCommand : AuthCommandBase
{
    private readonly Option<string?> _subject = new("--subject", "-s") { Description = "Only users whose name contains this" };

    public ListAclCommand() : base("listAcl", "List the ACLs of every user")
    {
        AddOptions(_subject);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var acls = await admin.ListAclAsync(r.GetValue(_subject), ct);
        return (acls, c => c.Write(Acls(acls)));
    }
}
