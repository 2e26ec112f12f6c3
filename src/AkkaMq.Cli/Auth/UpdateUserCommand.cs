using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq updateUser -u NAME [-p SECRET] [-t Super|Normal] [-s enable|disable]`: fields left out stay.</summary>
public sealed class UpdateUserCommand : AuthCommandBase
{
    private readonly Option<string> _user = Required("--username", "-u", "Username (the access key)");
    private readonly Option<string?> _password = new("--password", "-p") { Description = "New secret key" };
    private readonly Option<string?> _type = new("--userType", "-t") { Description = "Super or Normal" };
    private readonly Option<string?> _status = new("--userStatus", "-s") { Description = "enable or disable" };

    public UpdateUserCommand() : base("updateUser", "Change a user's secret key, type or status")
    {
        AddOptions(_user, _password, _type, _status);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var u = await admin.UpdateUserAsync(r.GetValue(_user)!, r.GetValue(_password), r.GetValue(_type), r.GetValue(_status), ct);
        return (u, c => c.WriteLine($"update user {u.Username} success ({u.UserType}, {u.UserStatus})"));
    }
}
