using System.Diagnostics;
using System.Text;
using AkkaMq.TestKit;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// Runs a script of tests/node with Node.js (`node --test`), installing rocketmq-client-nodejs from the lock file
/// (`npm ci`) when node_modules lacks it. Without node or npm it fails, naming what is missing: never a skip.
/// </summary>
public static class NodeJsClient
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static string Directory => Path.Combine(NodeProcess.RepoRoot(), "tests", "node");

    public sealed record Run(int ExitCode, string Output);

    public static async Task<Run> RunScriptAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        await EnsureInstalledAsync();
        return await ExecAsync("node", new[] { "--test", script }, environment, timeout);
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(Directory, "node_modules", "rocketmq-client-nodejs", "package.json"))) return;
            var install = await ExecAsync("npm", new[] { "ci", "--no-audit", "--no-fund" }, new Dictionary<string, string>(), TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, $"`npm ci` in tests/node failed (exit {install.ExitCode}):\n{install.Output}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<Run> ExecAsync(string program, string[] args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"'{program}' could not be started ({e.Message}): the Node.js client tests need Node.js 20 and npm on PATH");
            throw;
        }
        using (process)
        {
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                lock (output) output.AppendLine($"[killed: `{program} {string.Join(' ', args)}` ran longer than {timeout}]");
                return new Run(-1, output.ToString());
            }
            process.WaitForExit(); // drains the redirected streams
            lock (output) return new Run(process.ExitCode, output.ToString());
        }
    }
}
