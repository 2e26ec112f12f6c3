using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq listUser [-f FILTER]`: every user whose name contains FILTER.</summary>
public sealed class ListUserCommand : AuthCommandBase
{
    private readonly Option<string?> _filter = new("--filter", "-f") { Description = "Only usernames containing this" };

    public ListUserCommand() : base("listUser", "List the users (never their secrets)")
    {
        AddOptions(_filter);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var users = await admin.ListUserAsync(r.GetValue(_filter), ct);
        return (users, c => c.Write(Users(users)));
    }
}
