using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace AkkaMq.TestKit;

/// <summary>
/// A real akkamq-node process, for tests where only a process shows the truth (SIGKILL,
/// restarts). Output is captured; the process is killed on dispose if still running.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _lock = new();

    private NodeProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_lock) return _output.ToString(); }
    }

    private void Append(string? line)
    {
        if (line == null) return;
        lock (_lock) _output.AppendLine(line);
    }

    /// <summary>Starts akkamq-node.dll (found next to the test assembly unless given) with a config file.</summary>
    public static NodeProcess Start(string configFile, string? nodeDll = null, string? workingDirectory = null)
    {
        nodeDll ??= Path.Combine(AppContext.BaseDirectory, "akkamq-node.dll");
        if (!File.Exists(nodeDll)) throw new FileNotFoundException($"akkamq-node.dll not found at {nodeDll}");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(configFile)!,
        };
        psi.ArgumentList.Add(nodeDll);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(configFile);
        return new NodeProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start akkamq-node"));
    }

    /// <summary>Waits until the output contains text; fails with the output so far if the process exits or time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"akkamq-node exited with {_process.ExitCode} before printing '{text}':\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"akkamq-node did not print '{text}' within {timeout}:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the process to exit and its output to be fully read.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown hooks run, nothing is flushed by the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    /// <summary>SIGTERM, then waits for a clean exit (CoordinatedShutdown).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited) SysKill(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>The repository root (the folder holding AkkaMq.sln), found upwards from the test assembly.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "AkkaMq.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("AkkaMq.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
