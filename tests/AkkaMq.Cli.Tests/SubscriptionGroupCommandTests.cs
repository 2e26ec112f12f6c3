using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AkkaMq.Cli.Tests;

/// <summary>
/// updateSubGroup, groupList, deleteSubGroup and the HTTP API against a node process: created, shown (table and JSON),
/// replaced, refused with nothing changed, deleted, and still there after a SIGKILL.
/// </summary>
public sealed class SubscriptionGroupCommandTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;
    private readonly ITestOutputHelper _output;

    public SubscriptionGroupCommandTests(NodeFixture node, ITestOutputHelper output)
    {
        _node = node;
        _output = output;
    }

    private async Task<CliRun> Run(params string[] args)
    {
        var run = await _node.Cli(args);
        _output.WriteLine($"$ akkamq {string.Join(' ', args)}\n{run.Out}{run.Err}");
        return run;
    }

    private async Task<CliRun> Ok(params string[] args)
    {
        var run = await Run(args);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Err);
        return run;
    }

    /// <summary>groupList --json as "group:consumeEnable:retryMaxTimes" in group order, without the groups pulls created on their own.</summary>
    private async Task<string> Groups()
    {
        var rows = (await Ok("groupList", "-c", "DefaultCluster", "--json")).Json.EnumerateArray()
            .Where(r => r.GetProperty("groupName").GetString()!.StartsWith("cli-", StringComparison.Ordinal));
        return string.Join(",", rows.Select(r =>
            $"{r.GetProperty("groupName").GetString()}:{r.GetProperty("consumeEnable").GetBoolean()}:{r.GetProperty("retryMaxTimes").GetInt32()}"));
    }

    [Fact]
    public async Task Groups_are_created_listed_replaced_refused_deleted_and_survive_a_restart()
    {
        // The first command of a fresh client may wait longer than its request timeout on a busy machine.
        CliRun? ready = null;
        await CliAssert.Eventually(async () => (ready = await _node.Cli("groupList")).ExitCode == 0, TimeSpan.FromSeconds(60), () => ready?.ToString() ?? "");
        var created = await Ok("updateSubGroup", "-g", "cli-orders", "-c", "DefaultCluster", "-o", "true", "-r", "3", "--consumeEnable", "false");
        Assert.Contains("create subscription group to broker-a success: cli-orders consumeEnable=false consumeBroadcastEnable=true "
                        + "consumeMessageOrderly=true retryMaxTimes=3 retryQueueNums=1", created.Out);
        await Ok("updateSubGroup", "-g", "cli-audit", "-c", "DefaultCluster", "--broadcast", "false");

        var table = await Ok("groupList", "-c", "DefaultCluster");
        CliAssert.Row(table.Out, "broker-a", "cli-audit", "true", "false", "false", 16, 1);
        CliAssert.Row(table.Out, "broker-a", "cli-orders", "false", "true", "true", 3, 1);
        Assert.Equal("cli-audit:True:16,cli-orders:False:3", await Groups());

        using var http = new HttpClient { BaseAddress = new Uri(_node.HttpUrl), Timeout = TimeSpan.FromSeconds(30) };

        // The HTTP API: list, replace (fields left out take the defaults, as updateSubGroup's), refuse, delete.
        var listed = JsonDocument.Parse(await http.GetStringAsync("/api/subscription-groups?clusterName=DefaultCluster")).RootElement;
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("groupName").GetString() == "cli-orders" && r.GetProperty("consumeMessageOrderly").GetBoolean());
        var posted = await http.PostAsJsonAsync("/api/subscription-groups", new { groupName = "cli-orders", clusterName = "DefaultCluster", retryMaxTimes = 5 });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal("cli-audit:True:16,cli-orders:True:5", await Groups());

        // Bad input: a clear error naming the problem, nothing changes.
        CliAssert.OneLineError(await Run("updateSubGroup", "-g", "cli orders", "-c", "DefaultCluster"),
            "CONSUMER_GROUP_ILLEGAL", "consumer group name 'cli orders' contains the illegal character ' '");
        CliAssert.OneLineError(await Run("updateSubGroup", "-g", "cli-orders", "-c", "DefaultCluster", "-r", "-1"),
            "CONSUMER_GROUP_ILLEGAL", "retryMaxTimes -1 of group 'cli-orders' is not 0..16384");
        CliAssert.OneLineError(await Run("updateSubGroup", "-g", "cli-orders", "-c", "NoSuchCluster"),
            "SERVICE_NOT_AVAILABLE", "cluster 'NoSuchCluster' has no registered broker");
        CliAssert.OneLineError(await Run("deleteSubGroup", "-g", "cli-never", "-c", "DefaultCluster"),
            "SUBSCRIPTION_GROUP_NOT_EXIST", "subscription group 'cli-never' does not exist on 'broker-a'");
        var refused = await http.PostAsJsonAsync("/api/subscription-groups", new { groupName = "cli-orders", retryMaxTimes = 99999 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("CONSUMER_GROUP_ILLEGAL", error.GetProperty("code").GetString());
        Assert.Contains("retryMaxTimes 99999", error.GetProperty("error").GetString());
        var missing = await http.DeleteAsync("/api/subscription-groups/cli-never");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("cli-audit:True:16,cli-orders:True:5", await Groups());

        var deleted = await Ok("deleteSubGroup", "-g", "cli-audit", "-c", "DefaultCluster");
        Assert.Contains("delete subscription group cli-audit from broker-a success", deleted.Out);
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/api/subscription-groups/cli-orders?clusterName=DefaultCluster")).StatusCode);
        Assert.Equal("", await Groups());
        await Ok("updateSubGroup", "-g", "cli-kept", "-b", "broker-a", "-r", "7", "--consumeEnable", "false");

        await _node.KillAndRestartAsync();
        _output.WriteLine("node SIGKILLed and restarted");
        CliRun? after = null;
        await CliAssert.Eventually(async () => (after = await _node.Cli("groupList", "--json")).ExitCode == 0,
            TimeSpan.FromSeconds(30), () => after?.ToString() ?? "");
        Assert.Equal("cli-kept:False:7", await Groups());
    }
}
