using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq deleteUser -u NAME`: the user and its ACL go; the last enabled Super user stays.</summary>
public sealed class DeleteUserCommand : AuthCommandBase
{
    private readonly Option<string> _user = Required("--username", "-u", "Username");

    public DeleteUserCommand() : base("deleteUser", "Delete a user and its ACL")
    {
        AddOptions(_user);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var u = await admin.DeleteUserAsync(r.GetValue(_user)!, ct);
        return (u, c => c.WriteLine($"delete user {u.Username} success"));
    }
}
