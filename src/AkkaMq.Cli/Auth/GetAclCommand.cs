using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq getAcl -s User:NAME`: its entries.</summary>
public sealed class GetAclCommand : AuthCommandBase
{
    private readonly Option<string> _subject = Required("--subject", "-s", "User:NAME (or NAME)");

    public GetAclCommand() : base("getAcl", "Show a user's ACL")
    {
        AddOptions(_subject);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var acl = await admin.GetAclAsync(r.GetValue(_subject)!, ct);
        return (acl, c => c.Write(Acls(new[] { acl })));
    }
}
