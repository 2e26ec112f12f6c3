using AkkaMq.TestKit;

namespace AkkaMq.Node.Tests;

/// <summary>A malformed or contradictory config stops the node at start with a message naming the key.</summary>
public sealed class NodeConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "akkamq-cfg-" + Guid.NewGuid().ToString("N"));

    public NodeConfigTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private async Task<(int Code, string Output)> Run(string config)
    {
        var file = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(file, config);
        using var node = NodeProcess.Start(file);
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, node.Output);
    }

    [Theory]
    [InlineData("akkamq.broker.flushDiskType = SOMETIMES", "akkamq.broker.flushDiskType")]
    [InlineData("akkamq.broker.brokerId = -1", "akkamq.broker.brokerId")]
    [InlineData("akkamq.broker.brokerName = \"bad name\"", "akkamq.broker.brokerName")]
    [InlineData("akkamq.node.roles = [nameserver, gateway]", "akkamq.node.roles")]
    [InlineData("akkamq.broker.listenPort = 70000", "akkamq.broker.listenPort")]
    [InlineData("akkamq.broker.fastListenPort = 70000", "akkamq.broker.fastListenPort 70000 is not a port number")]
    [InlineData("akkamq.broker.namesrvAddr = \"localhost\"", "akkamq.broker.namesrvAddr")]
    [InlineData("akkamq.broker { listenPort = 19999, namesrvAddr = \"127.0.0.1:19998\" }", "does not list this node")]
    [InlineData("akkamq.broker.maxMessageSize = 8388608", "max-batch-bytes")]
    [InlineData("akkamq.store.journal = mongodb", "akkamq.store.journal")]
    [InlineData("akkamq.broker.queue.read-ahead-keep = 0s", "akkamq.broker.queue.read-ahead-keep")]
    [InlineData("akkamq.broker.diskSpaceWarningLevelRatio = 80", "akkamq.broker.diskSpaceWarningLevelRatio (80) must not be below akkamq.broker.diskSpaceCleanForciblyRatio (85)")]
    [InlineData("akkamq.broker.queue.max-inflight-writes = 0", "akkamq.broker.queue.max-inflight-writes must be auto or at least 1, not '0'")]
    [InlineData("akkamq.store.checkpoint-interval = -1s", "akkamq.store.checkpoint-interval:")]
    [InlineData("akkamq.store.wal-autocheckpoint = 4 KiB", "akkamq.store.wal-autocheckpoint must be at least 1 MiB")]
    [InlineData("akkamq.store.wal-restart-size = 4 KiB", "akkamq.store.wal-restart-size must be at least 64 KiB")]
    [InlineData("akkamq.store { journal = postgresql, connection-string-env = AKKAMQ_TEST_SURELY_UNSET_VARIABLE }", "AKKAMQ_TEST_SURELY_UNSET_VARIABLE, which is not set")]
    [InlineData("akkamq.store { journal = postgresql, connection-string = \"Host=127.0.0.1\", connection-string-env = AKKAMQ_PG_CONNECTION }", "both set")]
    [InlineData("akkamq { broker { brokerName = ", "configuration error")]
    [InlineData("akkamq.broker { listenPort = 19997, namesrvAddr = \"127.0.0.1:19997\" }\nakkamq.node.http.port = 70000", "akkamq.node.http.port 70000")]
    public async Task Bad_configs_stop_the_node_naming_the_key(string config, string expected)
    {
        var (code, output) = await Run($"akkamq.store.data-dir = \"{_dir}/data\"\n" + config);
        Assert.Equal(2, code);
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task Settings_from_an_included_file_are_checked_like_the_node_file_own()
    {
        File.WriteAllText(Path.Combine(_dir, "base.conf"), "akkamq.broker.brokerId = -1");
        var (code, output) = await Run($"include \"base.conf\"\nakkamq.store.data-dir = \"{_dir}/data\"");
        Assert.Equal(2, code);
        Assert.Contains("akkamq.broker.brokerId", output);
    }

    [Fact]
    public async Task A_missing_include_stops_the_node_naming_the_file()
    {
        var (code, output) = await Run($"include \"absent.conf\"\nakkamq.store.data-dir = \"{_dir}/data\"");
        Assert.Equal(2, code);
        Assert.Contains("configuration error", output);
        Assert.Contains("absent.conf", output);
    }

    /// <summary>Starts a node whose config (given a port something else holds) must stop it with exit code 2 and the expected words.</summary>
    private async Task AssertAPortInUseStopsTheNode(Func<int, int, string> config, Func<int, string> expected)
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var takenPort = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var (code, output) = await Run(config(NodeProcess.FreePort(), takenPort));
            Assert.Equal(2, code);
            Assert.Contains(expected(takenPort), output);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public Task An_http_port_in_use_stops_the_node_naming_the_setting() => AssertAPortInUseStopsTheNode(
        (port, httpPort) => $"akkamq.broker {{ listenPort = {port}, namesrvAddr = \"127.0.0.1:{port}\" }}\n" +
                            $"akkamq.store.data-dir = \"{_dir}/http\"\nakkamq.node.http {{ enabled = on, port = {httpPort} }}",
        httpPort => $"the HTTP endpoint cannot bind 127.0.0.1:{httpPort} (akkamq.node.http)");

    [Fact]
    public Task A_data_channel_port_in_use_stops_the_node_naming_the_setting() => AssertAPortInUseStopsTheNode(
        (port, fastPort) => $"akkamq.broker {{ listenPort = {port}, fastListenPort = {fastPort}, namesrvAddr = \"127.0.0.1:{port}\" }}\n" +
                            $"akkamq.store.data-dir = \"{_dir}/fast\"",
        fastPort => $"the data channel cannot listen on 127.0.0.1:{fastPort} (akkamq.broker.fastListenPort)");

    [Fact]
    public void The_node_runtime_keeps_pull_responses_and_journal_rows_out_of_the_large_object_heap()
    {
        // akkamq-node.runtimeconfig.json, as shipped next to akkamq-node.dll.
        var path = Path.Combine(AppContext.BaseDirectory, "akkamq-node.runtimeconfig.json");
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var props = doc.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        // The largest pull response and journal row (max-pull-bytes, max-batch-bytes: 4 MiB) plus framing.
        Assert.True(props.GetProperty("System.GC.LOHThreshold").GetInt64() > 4 * 1024 * 1024 + 64 * 1024);
        Assert.True(props.GetProperty("System.GC.RetainVM").GetBoolean());
    }

    [Fact]
    public async Task A_node_serving_http_watches_no_files()
    {
        // A file watch on the working directory (it holds ./data) costs a wake-up per journal write.
        Assert.True(OperatingSystem.IsLinux(), "this test reads the node's inotify watches from /proc");
        var port = NodeProcess.FreePort();
        var config = Path.Combine(_dir, "http.conf");
        Directory.CreateDirectory(Path.Combine(_dir, "some", "subdirectory"));
        File.WriteAllText(config, $"""
            akkamq.broker {"{"} listenPort = {port}, namesrvAddr = "127.0.0.1:{port}" {"}"}
            akkamq.store.data-dir = "data"
            akkamq.node.http {"{"} enabled = on, port = 0 {"}"}
            """);
        using var node = NodeProcess.Start(config, workingDirectory: _dir);
        await node.WaitForOutputAsync("registered with the NameServer", TimeSpan.FromSeconds(90));
        await node.WaitForOutputAsync("AkkaMq HTTP endpoint listening on", TimeSpan.FromSeconds(30));
        var url = System.Text.RegularExpressions.Regex.Match(node.Output, @"http://127\.0\.0\.1:\d+").Value;
        using var http = new HttpClient();
        Assert.Contains("\"status\":\"UP\"", await http.GetStringAsync(url + "/health"));
        var watches = new List<string>();
        foreach (var fd in Directory.GetFiles($"/proc/{node.Pid}/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; }
            catch (IOException) { continue; } // closed meanwhile
            if (target?.Contains("inotify") != true) continue;
            watches.AddRange(File.ReadAllLines($"/proc/{node.Pid}/fdinfo/{Path.GetFileName(fd)}").Where(l => l.StartsWith("inotify wd:")));
        }
        Assert.Empty(watches);
    }

    [Fact]
    public async Task A_second_node_on_the_same_data_directory_is_refused()
    {
        var port = NodeProcess.FreePort();
        var config = Path.Combine(_dir, "a.conf");
        File.WriteAllText(config, $"""
            akkamq.broker {"{"} listenPort = {port}, namesrvAddr = "127.0.0.1:{port}" {"}"}
            akkamq.store.data-dir = "{_dir}/shared"
            """);
        using var first = NodeProcess.Start(config);
        await first.WaitForOutputAsync("registered with the NameServer", TimeSpan.FromSeconds(90));
        var other = NodeProcess.FreePort();
        var (code, output) = await Run($"akkamq.broker {{ listenPort = {other}, namesrvAddr = \"127.0.0.1:{other}\" }}\nakkamq.store.data-dir = \"{_dir}/shared\"");
        Assert.Equal(2, code);
        Assert.Contains("in use by another AkkaMq node", output);
        Assert.False(first.HasExited);
    }
}
