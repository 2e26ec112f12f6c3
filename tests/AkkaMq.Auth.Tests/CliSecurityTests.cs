using System.Text.Json;
using AkkaMq.Cli;
using AkkaMq.Cli.Common;

namespace AkkaMq.Auth.Tests;

/// <summary>The CLI with auth on: credentials from options, environment or a file; refusals are one clear line and change nothing.</summary>
public sealed class CliSecurityTests : IClassFixture<SecureNodeFixture>, IDisposable
{
    private readonly SecureNodeFixture _fx;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "akkamq-cli-auth-" + Guid.NewGuid().ToString("N"));

    public CliSecurityTests(SecureNodeFixture fx)
    {
        _fx = fx;
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(o);
            Console.SetError(e);
            var code = await AkkaMqCli.RunAsync(args.Concat(new[] { "-n", _fx.Node.Address, "--credentials", Path.Combine(_dir, "none") }).ToArray());
            // The node runs in this process and logs to the same stdout: keep the CLI's JSON block when there is one.
            return (code, JsonBlock(o.ToString()), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private static string JsonBlock(string text)
    {
        var lines = text.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd() == "{");
        if (start < 0) return text.Contains("USERNAME") ? text : "";
        var end = Array.FindIndex(lines, start, l => l.TrimEnd() == "}");
        return string.Join("\n", lines[start..(end + 1)]);
    }

    private static string[] Admin => new[] { "--accessKey", "admin", "--secretKey", SecureNodeFixture.AdminSecret };

    private static void OneLineError((int Code, string Out, string Err) run, string fragment)
    {
        Assert.True(run.Code != 0, run.ToString());
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.Contains(fragment, run.Err);
    }

    [Fact]
    public async Task Without_credentials_the_cli_is_refused_and_creates_nothing()
    {
        File.WriteAllText(Path.Combine(_dir, "none"), "");
        OneLineError(await Cli("createUser", "-u", "cli-anon", "-p", "cli-secret-1"), "UNAUTHORIZED");
        Assert.False(await _fx.UserExistsAsync("cli-anon"));
    }

    [Fact]
    public async Task Options_environment_and_file_credentials_work()
    {
        File.WriteAllText(Path.Combine(_dir, "none"), "");
        var created = await Cli(new[] { "createUser", "-u", "cli-user", "-p", "cli-secret-1", "--json" }.Concat(Admin).ToArray());
        Assert.True(created.Code == 0, created.ToString());
        Assert.Equal("cli-user", JsonDocument.Parse(created.Out).RootElement.GetProperty("username").GetString());

        Environment.SetEnvironmentVariable(Credentials.AccessKeyEnv, "admin");
        Environment.SetEnvironmentVariable(Credentials.SecretKeyEnv, SecureNodeFixture.AdminSecret);
        try
        {
            var acl = await Cli("createAcl", "-s", "User:cli-user", "-r", "Topic:cli-*", "-a", "Pub", "-d", "Allow");
            Assert.True(acl.Code == 0, acl.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(Credentials.AccessKeyEnv, null);
            Environment.SetEnvironmentVariable(Credentials.SecretKeyEnv, null);
        }

        File.WriteAllText(Path.Combine(_dir, "none"), $"accessKey=admin\nsecretKey={SecureNodeFixture.AdminSecret}\n");
        var got = await Cli("getAcl", "-s", "User:cli-user", "--json");
        Assert.True(got.Code == 0, got.ToString());
        Assert.Equal("Topic:cli-*", JsonDocument.Parse(got.Out).RootElement.GetProperty("policies")[0].GetProperty("resource").GetString());
        Assert.Contains("cli-user", (await Cli("listUser")).Out);
    }

    [Fact]
    public async Task UpdateAcl_replaces_an_existing_entry_and_refuses_a_resource_without_one()
    {
        File.WriteAllText(Path.Combine(_dir, "none"), "");
        await _fx.Root.CreateUserAsync("cli-upd", "cli-secret-1", null);
        await _fx.Root.CreateAclAsync("User:cli-upd", "Topic:upd", "Pub", null, "Allow");
        var updated = await Cli(new[] { "updateAcl", "-s", "User:cli-upd", "-r", "Topic:upd", "-a", "Sub", "-d", "Deny", "--json" }.Concat(Admin).ToArray());
        Assert.True(updated.Code == 0, updated.ToString());
        Assert.Equal("Deny", JsonDocument.Parse(updated.Out).RootElement.GetProperty("policies")[0].GetProperty("decision").GetString());
        var missing = await Cli(new[] { "updateAcl", "-s", "User:cli-upd", "-r", "Topic:other", "-a", "Sub", "-d", "Deny" }.Concat(Admin).ToArray());
        Assert.True(missing.Code != 0, missing.ToString());
        Assert.Single((await _fx.Root.GetAclAsync("cli-upd")).Policies);
    }

    [Fact]
    public async Task A_normal_user_is_forbidden_and_bad_input_changes_nothing()
    {
        File.WriteAllText(Path.Combine(_dir, "none"), "");
        OneLineError(await Cli("createUser", "-u", "cli-eve", "-p", "cli-secret-1", "--accessKey", "alice", "--secretKey", SecureNodeFixture.AliceSecret),
            "FORBIDDEN");
        Assert.False(await _fx.UserExistsAsync("cli-eve"));
        OneLineError(await Cli(new[] { "createAcl", "-s", "User:alice", "-r", "Topic:x", "-a", "Publish", "-d", "Allow" }.Concat(Admin).ToArray()),
            "action 'Publish' is unknown");
        OneLineError(await Cli(new[] { "createUser", "-u", "bad name", "-p", "cli-secret-1" }.Concat(Admin).ToArray()), "illegal character");
        OneLineError(await Cli(new[] { "deleteUser", "-u", "nobody" }.Concat(Admin).ToArray()), "'nobody' does not exist");
        Assert.Equal(3, (await _fx.Root.GetAclAsync("alice")).Policies.Count);
        OneLineError(await Cli("getUser", "-u", "alice", "--accessKey", "alice"), "both an access key and a secret key");
    }
}
