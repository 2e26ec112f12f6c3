using System.Globalization;
using System.Text.RegularExpressions;

namespace AkkaMq.Cli.Tests;

/// <summary>
/// `akkamq bench` against the node process: one RESULT line in the peer harness's format, with
/// what it sent and stored, and a warm-up that lasts at least --warmup-seconds.
/// </summary>
public sealed class BenchCommandTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;
    private readonly ITestOutputHelper _output;

    public BenchCommandTests(NodeFixture node, ITestOutputHelper output)
    {
        _node = node;
        _output = output;
    }

    private async Task<Dictionary<string, string>> Result(params string[] args)
    {
        var run = await _node.Cli(args);
        _output.WriteLine($"$ akkamq {string.Join(' ', args)}\n{run.Out}{run.Err}");
        Assert.True(run.ExitCode == 0, run.ToString());
        var line = Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("RESULT peer=akkamq ", line);
        var fields = Regex.Matches(line, @"(\w+)=(\S+)").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var warmup = Regex.Match(run.Err, @"warmup (\d+) sends .* in ([\d.]+) s");
        Assert.True(warmup.Success, run.Err);
        fields["warmup_sends"] = warmup.Groups[1].Value;
        fields["warmup_secs"] = warmup.Groups[2].Value;
        var pulledBack = Regex.Match(run.Err, @"(\d+) pulled back in");
        if (pulledBack.Success) fields["warmup_pulled"] = pulledBack.Groups[1].Value;
        return fields;
    }

    private static double Number(Dictionary<string, string> f, string key) => double.Parse(f[key], CultureInfo.InvariantCulture);

    [Fact]
    public async Task Produce_reports_its_sends_and_warms_up_for_the_time_asked()
    {
        var r = await Result("bench", "produce", "--mode", "sync", "--inflight", "8", "--count", "300", "--warmup", "20",
            "--warmup-seconds", "1", "--topic", "BenchProduce");
        Assert.Equal("publish", r["scenario"]);
        Assert.Equal("8", r["window"]);
        Assert.Equal("300", r["count"]);
        Assert.Equal("0", r["errors"]);
        Assert.Equal(300, Number(r, "stored"));
        Assert.True(Number(r, "msgs_per_s") > 0 && Number(r, "p50_us") > 0 && Number(r, "p99_us") >= Number(r, "p50_us"));
        // 20 counted warm-up sends take far less than a second; the warm-up went on for the second.
        Assert.True(Number(r, "warmup_secs") >= 1.0, $"warm-up lasted {r["warmup_secs"]} s");
        Assert.True(Number(r, "warmup_sends") > 20);
    }

    [Fact]
    public async Task Consume_drains_exactly_what_it_filled_through_the_pull_and_the_push_consumer()
    {
        var r = await Result("bench", "consume", "--count", "300", "--batch", "50", "--warmup", "20", "--warmup-seconds", "1",
            "--inflight", "8", "--topic", "BenchConsume");
        Assert.Equal("consume", r["scenario"]);
        Assert.Equal("300", r["count"]);
        Assert.Equal("0", r["errors"]);
        Assert.True(Number(r, "msgs_per_s") > 0);
        // The same 300 again through a push consumer of a new group, started at the fill's offsets.
        Assert.Equal("300", r["push_count"]);
        Assert.True(Number(r, "push_msgs_per_s") > 0);
        // The warm-up sent for a second, then pulled all of it back, whole passes, for another second.
        var sends = Number(r, "warmup_sends");
        var pulled = Number(r, "warmup_pulled");
        Assert.True(sends > 20 && pulled >= sends && pulled % sends == 0, $"{sends} warm-up sends, {pulled} pulled back");
        Assert.True(Number(r, "warmup_secs") >= 2.0, $"warm-up lasted {r["warmup_secs"]} s");
    }

    /// <summary>A run whose timed sends were all refused by a 512-byte size limit, and that said so.</summary>
    private void AssertEverySendRefusedOver512Bytes(CliRun run, int count)
    {
        _output.WriteLine(run.ToString());
        Assert.Equal(0, run.ExitCode);
        var line = Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($" errors={count} ", line);
        Assert.Contains(" stored=0 ", line);
        Assert.Contains("512", run.Err); // the refusal names the configured limit
    }

    [Fact]
    public async Task Client_config_reaches_the_bench_client()
    {
        // A client limit below the message size: every send is refused before it leaves the client.
        var run = await _node.Cli("bench", "produce", "--count", "50", "--inflight", "4", "--warmup", "5", "--warmup-seconds", "0",
            "--size", "1024", "--topic", "BenchClientConfig", "--client-config", "akkamq.client.producer.maxMessageSize = 512");
        AssertEverySendRefusedOver512Bytes(run, 50);
    }

    [Fact]
    public void Started_nodes_get_the_runtime_settings_dotnet_run_gives_the_node()
    {
        var path = Path.Combine(AkkaMq.TestKit.NodeProcess.RepoRoot(), "src", "AkkaMq.Node", "Properties", "launchSettings.json");
        using var launch = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var env = launch.RootElement.GetProperty("profiles").GetProperty("AkkaMq.Node").GetProperty("environmentVariables")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        var started = AkkaMq.Cli.Bench.NodeProcess.NodeRuntimeEnvironment.ToDictionary(e => e.Name, e => (string?)e.Value);
        Assert.Contains("DOTNET_TC_CallCountingDelayMs", started.Keys);
        Assert.Equal(env.OrderBy(e => e.Key), started.OrderBy(e => e.Key));
    }

    [Fact]
    public async Task Node_config_reaches_the_started_node_and_needs_start_node()
    {
        var refused = await _node.Cli("bench", "produce", "--count", "10", "--node-config", "akkamq.broker.maxMessageSize = 512");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--node-config needs --start-node", refused.Err);

        // The started node's limit is below the message size (the client's is not): the broker refuses every send.
        var run = await _node.Cli("bench", "produce", "--start-node", "--count", "50", "--inflight", "4", "--warmup", "5",
            "--warmup-seconds", "0", "--size", "1024", "--node-config", "akkamq.broker.maxMessageSize = 512");
        AssertEverySendRefusedOver512Bytes(run, 50);
    }

    [Fact]
    public async Task Soak_samples_the_started_node_every_interval_while_retention_moves_the_min_offset()
    {
        var csv = Path.Combine(Path.GetTempPath(), "akkamq-soak-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            var run = await _node.Cli("bench", "soak", "--start-node", "--rate", "500", "--seconds", "6", "--sample-seconds", "1",
                "--retention", "2s", "--clean-interval", "1s", "--consume", "--size", "256", "--out", csv);
            _output.WriteLine(run.ToString());
            Assert.Equal(0, run.ExitCode);
            Assert.StartsWith("RESULT peer=akkamq scenario=soak ", run.Out.Trim());
            var lines = File.ReadAllLines(csv);
            Assert.Equal(AkkaMq.Cli.Bench.SoakCsv.Header, lines[0]);
            var rows = lines.Skip(1).Select(AkkaMq.Cli.Bench.SoakCsv.Parse).ToList();
            Assert.True(rows.Count >= 6, $"{rows.Count} samples in 6 s at one a second");
            Assert.All(rows.Skip(1), r => Assert.True(r.DataBytes > 0 && r.DbBytes > 0 && r.RssKib > 0 && r.Sent > 0, r.ToString()));
            var last = rows[^1];
            Assert.Equal(3000, last.Sent);
            Assert.Equal(3000, last.Acked);
            Assert.Equal(0, last.Errors);
            Assert.True(last.Received > 0, last.ToString());
            // Messages older than 2 s were deleted: the queues' min offsets moved and they hold less than was sent.
            Assert.True(last.MinOffsets > 0 && last.Retained < last.Sent, last.ToString());
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public async Task Soak_refuses_a_retention_that_is_not_a_duration()
    {
        var run = await _node.Cli("bench", "soak", "--start-node", "--seconds", "1", "--retention", "two minutes");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--retention must be a duration", run.Err);
    }
}
