using System.Globalization;
using System.Text.RegularExpressions;
using AkkaMq.Proxy;
using AkkaMq.TestKit;

namespace AkkaMq.Cli.Tests;

/// <summary>Runs `akkamq args...` in this process with stdout and stderr captured (parallelization is off in this assembly).</summary>
internal static class InProcessCli
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(o);
            Console.SetError(e);
            var code = await AkkaMqCli.RunAsync(args);
            return new CliRun(code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}

/// <summary>Bad options of `akkamq bench grpc-send` / `grpc-receive` are refused before anything connects, naming the option.</summary>
public sealed class GrpcBenchOptionTests
{
    [Theory]
    [InlineData("grpc-send --inflight 0", "--inflight must be at least 1")]
    [InlineData("grpc-send --count 0", "--count must be at least 1")]
    [InlineData("grpc-send --endpoint localhost", "--endpoint must be host:port (got 'localhost')")]
    [InlineData("grpc-send --endpoint 127.0.0.1:70000", "--endpoint must be host:port")]
    [InlineData("grpc-send --start-node --endpoint 127.0.0.1:8081", "--endpoint cannot be used with --start-node")]
    [InlineData("grpc-receive --batch 33", "--batch must be 1 to 32")]
    [InlineData("grpc-receive --batch 0", "--batch must be 1 to 32")]
    [InlineData("grpc-receive --receivers 0", "--receivers must be 1 to 256")]
    [InlineData("grpc-receive --invisible-seconds 5", "--invisible-seconds must be 10 to 43200")]
    [InlineData("grpc-receive --poll-seconds 30", "--poll-seconds must be 0 to 20")]
    [InlineData("grpc-receive --group bad.group", "--group: consumer group name 'bad.group' contains the illegal character")]
    [InlineData("grpc-receive-and-ack --count 0", "--count must be at least 1")]
    public async Task A_bad_option_is_refused_with_one_line_naming_it(string args, string error)
    {
        // -n names a port nothing listens on: a run that got past the options would fail differently.
        var run = await InProcessCli.RunAsync(["bench", .. args.Split(' '), "-n", "127.0.0.1:1"]);
        Assert.Equal(2, run.ExitCode);
        CliAssert.OneLineError(run, error);
    }
}

/// <summary>
/// `akkamq bench grpc-send` and `grpc-receive` for a tiny count against an in-process node serving gRPC on a free
/// port: the endpoint is found from the route, and the RESULT line reports a non-zero rate with no errors.
/// </summary>
public sealed class GrpcBenchCommandTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private AkkaMqTestNode _node = null!;
    private ProxyServer _proxy = null!;

    public GrpcBenchCommandTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _node = await TestNodes.StartStandaloneAsync();
        _proxy = await ProxyServer.StartAsync(_node.System, _node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _node.DisposeAsync();
    }

    private async Task<Dictionary<string, string>> Result(params string[] args)
    {
        var run = await InProcessCli.RunAsync([.. args, "-n", _node.Address, "--warmup", "10", "--warmup-seconds", "0", "--max-seconds", "20"]);
        _output.WriteLine($"$ akkamq {string.Join(' ', args)}\n{run}");
        Assert.True(run.ExitCode == 0, run.ToString());
        // The node runs in this process, so its log lines share stdout with the CLI's: look at the RESULT line only.
        var line = Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("RESULT "));
        Assert.StartsWith("RESULT peer=akkamq ", line);
        Assert.Contains($"gRPC endpoint {_proxy.Endpoint} (from the route", run.Err);
        return Regex.Matches(line, @"(\w+)=(\S+)").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    private static double Number(Dictionary<string, string> f, string key) => double.Parse(f[key], CultureInfo.InvariantCulture);

    [Fact]
    public async Task Send_and_receive_and_ack_over_gRPC_report_a_rate_for_every_message()
    {
        var send = await Result("bench", "grpc-send", "--count", "200", "--inflight", "8", "--topic", "BenchGrpcSend");
        Assert.Equal("grpc-send", send["scenario"]);
        Assert.Equal("200", send["count"]);
        Assert.Equal("0", send["errors"]);
        Assert.Equal(200, Number(send, "stored"));
        Assert.True(Number(send, "msgs_per_s") > 0 && Number(send, "p50_us") > 0 && Number(send, "p99_us") >= Number(send, "p50_us"));

        var receive = await Result("bench", "grpc-receive", "--count", "200", "--receivers", "2", "--poll-seconds", "0.2", "--topic", "BenchGrpcRecv");
        Assert.Equal("grpc-receive-ack", receive["scenario"]);
        Assert.Equal("200", receive["count"]);
        Assert.Equal("0", receive["errors"]);
        Assert.Equal("0", receive["redelivered"]);
        Assert.True(Number(receive, "msgs_per_s") > 0 && Number(receive, "ack_p50_us") > 0);
    }
}
