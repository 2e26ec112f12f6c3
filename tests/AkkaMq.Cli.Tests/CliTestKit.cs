using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaMq.TestKit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace AkkaMq.Cli.Tests;

public sealed record CliRun(int ExitCode, string Out, string Err)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Err}";
}

/// <summary>
/// A standalone node process (HTTP endpoint on a free port) for a whole test class, and the akkamq
/// CLI run in-process against it with stdout and stderr captured. Test parallelization is off in
/// this assembly, so swapping Console.Out is safe.
/// </summary>
public sealed class NodeFixture : IAsyncLifetime
{
    private readonly StandaloneNodeProcess _process = new("akkamq-cli-");
    public string Dir => _process.Directory;
    public int Port => _process.Port;
    public string NamesrvAddr => _process.NamesrvAddr;
    public string HttpUrl { get; private set; } = "";
    public NodeProcess Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _process.WriteConfig("""
            akkamq.node.http.enabled = on
            akkamq.node.http.port = 0
            # Short delay levels (level n = n * 100 ms) so retries reach the DLQ within a test.
            akkamq.broker.messageDelayLevel = "100ms 200ms 300ms 400ms 500ms 600ms 700ms 800ms 900ms 1s 1100ms 1200ms 1300ms 1400ms 1500ms 1600ms 1700ms 1800ms"
            """);
        await StartAsync();
    }

    public async Task StartAsync()
    {
        Node = await _process.StartAsync();
        await Node.WaitForOutputAsync("AkkaMq HTTP endpoint listening on ", TimeSpan.FromSeconds(30));
        HttpUrl = Regex.Match(Node.Output, @"AkkaMq HTTP endpoint listening on (http://\S+)").Groups[1].Value;
    }

    /// <summary>SIGKILL and start again on the same data directory and port.</summary>
    public async Task KillAndRestartAsync()
    {
        Node.Kill();
        Node.Dispose();
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        try { await Node.TerminateAsync(TimeSpan.FromSeconds(20)); }
        catch (OperationCanceledException) { }
        Node.Dispose();
        _process.Dispose();
    }

    private static readonly SemaphoreSlim ConsoleLock = new(1, 1);

    /// <summary>Runs `akkamq args...` in this process against the node (-n added unless given).</summary>
    public async Task<CliRun> Cli(params string[] args)
    {
        var full = args.Contains("-n") ? args : args.Concat(new[] { "-n", NamesrvAddr }).ToArray();
        await ConsoleLock.WaitAsync();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(o);
            Console.SetError(e);
            var code = await AkkaMqCli.RunAsync(full);
            return new CliRun(code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            ConsoleLock.Release();
        }
    }

    /// <summary>Runs the real akkamq executable (for exit codes and stderr as a shell sees them).</summary>
    public static async Task<CliRun> CliProcess(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "akkamq.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return new CliRun(p.ExitCode, await stdout, await stderr);
    }
}

public static class CliAssert
{
    /// <summary>Waits until the condition holds (then fails with describe() after the timeout).</summary>
    public static Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe) =>
        AkkaMq.Tests.Eventually.TrueAsync(condition, describe, timeout);

    /// <summary>A table row: the cells in order, separated by whitespace, on one line.</summary>
    public static void Row(string output, params object[] cells)
    {
        var pattern = @"^\s*" + string.Join(@"\s+", cells.Select(c => Regex.Escape(Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture)!))) + @"(\s|$)";
        Assert.True(Regex.IsMatch(output, pattern, RegexOptions.Multiline), $"no row [{string.Join(" | ", cells)}] in:\n{output}");
    }

    /// <summary>A failure: non-zero exit, nothing on stdout, one stderr line containing every fragment.</summary>
    public static void OneLineError(CliRun run, params string[] fragments)
    {
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Equal("", run.Out.Trim());
        var lines = run.Err.Trim().Split('\n');
        Assert.True(lines.Length == 1, run.ToString());
        foreach (var f in fragments) Assert.Contains(f, lines[0]);
    }
}
