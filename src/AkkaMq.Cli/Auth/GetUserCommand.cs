using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq getUser -u NAME`: type and status.</summary>
public sealed class GetUserCommand : AuthCommandBase
{
    private readonly Option<string> _user = Required("--username", "-u", "Username");

    public GetUserCommand() : base("getUser", "Show a user (never its secret)")
    {
        AddOptions(_user);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var u = await admin.GetUserAsync(r.GetValue(_user)!, ct);
        return (u, c => c.Write(Users(new[] { u })));
    }
}
