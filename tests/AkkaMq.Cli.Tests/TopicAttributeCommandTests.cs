using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AkkaMq.Cli.Tests;

/// <summary>
/// `updateTopic -a` against a node process: attributes set, shown by topicRoute, topicStatus and the HTTP API (tables
/// and JSON), kept by an update without -a, removed, refused with nothing changed, and still there after a SIGKILL.
/// </summary>
public sealed class TopicAttributeCommandTests : IClassFixture<NodeFixture>
{
    private const string Topic = "AttrCliTopic";
    private readonly NodeFixture _node;
    private readonly ITestOutputHelper _output;

    public TopicAttributeCommandTests(NodeFixture node, ITestOutputHelper output)
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

    /// <summary>The topic's write queue count and attributes ("name=value,..." in name order) as topicRoute --json gives them.</summary>
    private async Task<(int WriteQueueNums, string Attributes)> Route()
    {
        var q = (await Ok("topicRoute", "-t", Topic, "--json")).Json.GetProperty("queueDatas")[0];
        return (q.GetProperty("writeQueueNums").GetInt32(), Text(Attributes(q)));
    }

    private static Dictionary<string, string> Attributes(JsonElement e) =>
        e.GetProperty("attributes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    private static string Text(Dictionary<string, string> attributes) =>
        string.Join(",", attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    [Fact]
    public async Task Attributes_are_set_shown_kept_removed_refused_and_survive_a_restart()
    {
        var created = await Ok("updateTopic", "-t", Topic, "-c", "DefaultCluster", "-a", "+retention.time=10m", "-a", "+retention.bytes=1GiB");
        Assert.Contains("attributes=+retention.time=10m,+retention.bytes=1GiB", created.Out);

        var route = await Ok("topicRoute", "-t", Topic);
        CliAssert.Row(route.Out, "broker-a", 4, 4, "RW-", "retention.bytes=1GiB,retention.time=10m");
        Assert.Equal((4, "retention.bytes=1GiB,retention.time=10m"), await Route());

        var status = await Ok("topicStatus", "-t", Topic);
        CliAssert.Row(status.Out, "broker-a", 3, 0, 0, "-");
        Assert.Contains("Attributes (broker-a): retention.bytes=1GiB,retention.time=10m", status.Out);
        var statusRows = (await Ok("topicStatus", "-t", Topic, "--json")).Json;
        Assert.Equal(4, statusRows.GetArrayLength());
        Assert.Equal("1GiB", Attributes(statusRows[2])["retention.bytes"]);

        using var http = new HttpClient { BaseAddress = new Uri(_node.HttpUrl), Timeout = TimeSpan.FromSeconds(30) };
        var httpRoute = JsonDocument.Parse(await http.GetStringAsync($"/api/topics/{Topic}/route")).RootElement;
        Assert.Equal("10m", Attributes(httpRoute.GetProperty("queueDatas")[0])["retention.time"]);
        var httpStatus = JsonDocument.Parse(await http.GetStringAsync($"/api/topics/{Topic}/status")).RootElement;
        Assert.Equal("10m", Attributes(httpStatus[0])["retention.time"]);

        // An update without -a changes the queues and keeps the attributes.
        await Ok("updateTopic", "-t", Topic, "-r", "2", "-w", "2");
        Assert.Equal((2, "retention.bytes=1GiB,retention.time=10m"), await Route());

        // -name removes; RocketMQ's comma form works too.
        await Ok("updateTopic", "-t", Topic, "-r", "2", "-w", "2", "-a", "-retention.bytes");
        Assert.Equal((2, "retention.time=10m"), await Route());
        await Ok("updateTopic", "-t", Topic, "-r", "2", "-w", "2", "-a", "+retention.time=72h,+message.type=fifo");
        Assert.Equal((2, "message.type=FIFO,retention.time=72h"), await Route());

        // The HTTP API takes the same changes.
        var posted = await http.PostAsJsonAsync("/api/topics", new { topic = Topic, readQueueNums = 2, writeQueueNums = 2, attributes = new[] { "-message.type" } });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var expected = (2, "retention.time=72h");
        Assert.Equal(expected, await Route());

        // Refused with an error naming the attribute; neither the queues nor the attributes change.
        CliAssert.OneLineError(await Run("updateTopic", "-t", Topic, "-r", "7", "-w", "7", "-a", "+colour=blue"),
            "MESSAGE_ILLEGAL", "unknown topic attribute 'colour'", "retention.time");
        CliAssert.OneLineError(await Run("updateTopic", "-t", Topic, "-r", "7", "-w", "7", "-a", "+retention.time=soon"),
            "MESSAGE_ILLEGAL", "attribute 'retention.time': 'soon' is not a duration");
        CliAssert.OneLineError(await Run("updateTopic", "-t", Topic, "-r", "7", "-w", "7", "-a", "retention.time=1h"),
            "MESSAGE_ILLEGAL", "must be +name=value");
        var refused = await http.PostAsJsonAsync("/api/topics", new { topic = Topic, readQueueNums = 7, writeQueueNums = 7, attributes = new[] { "+retention.bytes=lots" } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("MESSAGE_ILLEGAL", error.GetProperty("code").GetString());
        Assert.Contains("attribute 'retention.bytes': 'lots' is not a size", error.GetProperty("error").GetString());
        Assert.Equal(expected, await Route());

        await _node.KillAndRestartAsync();
        _output.WriteLine("node SIGKILLed and restarted");
        CliRun? after = null;
        await CliAssert.Eventually(async () => (after = await _node.Cli("topicRoute", "-t", Topic)).ExitCode == 0,
            TimeSpan.FromSeconds(30), () => after?.ToString() ?? "");
        CliAssert.Row(after!.Out, "broker-a", 2, 2, "RW-", "retention.time=72h");
        Assert.Equal(expected, await Route());
    }
}
