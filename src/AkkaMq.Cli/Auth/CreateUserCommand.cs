using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Auth;

/// <summary>`akkamq createUser -u NAME -p SECRET [-t Super|Normal]`: a new user, enabled.</summary>
public sealed class CreateUserCommand : AuthCommandBase
{
    private readonly Option<string> _user = Required("--username", "-u", "Username (the access key)");
    private readonly Option<string> _password = Required("--password", "-p", "Password (the secret key), at least 6 characters");
    private readonly Option<string?> _type = new("--userType", "-t") { Description = "Super or Normal (default)" };

    public CreateUserCommand() : base("createUser", "Create a user (access key and secret key) of a cluster with auth on")
    {
        AddOptions(_user, _password, _type);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var u = await admin.CreateUserAsync(r.GetValue(_user)!, r.GetValue(_password)!, r.GetValue(_type), ct);
        return (u, c => c.WriteLine($"create user {u.Username} ({u.UserType}) success"));
    }
}
