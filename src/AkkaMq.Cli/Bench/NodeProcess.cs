using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AkkaMq.Cli.Common;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// A standalone AkkaMq node (nameserver + broker) run as a child process for a benchmark:
/// `dotnet akkamq-node.dll --config tmp.conf` on a free 127.0.0.1 port with a fresh temporary data
/// directory. Ready once it logs that its broker registered with the NameServer. Stopped with
/// SIGTERM (graceful, CoordinatedShutdown), killed after 10 s, and its directory deleted.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private const string ReadyMarker = "registered with the NameServer";
    private const string ListeningMarker = "AkkaMq node listening on";

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _logLock = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopped;
    private bool _logClosed;
    private volatile bool _muted;

    private NodeProcess(Process process, string dir, int port, string flush, StreamWriter log)
    {
        _process = process;
        Pid = process.Id;
        Directory = dir;
        Port = port;
        FlushDiskType = flush;
        _log = log;
    }

    public int Pid { get; }
    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";
    public string Directory { get; }
    public string FlushDiskType { get; }
    public string LogPath => Path.Combine(Directory, "node.log");
    /// <summary>The node's akkamq.store.data-dir (inside <see cref="Directory"/>).</summary>
    public string DataDirectory => Path.Combine(Directory, "data");
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Set for the node as src/AkkaMq.Node/Properties/launchSettings.json sets it for `dotnet run`:
    /// tiered compilation promotes a hot method only after 100 ms without new tier-0 compiles, and
    /// a node under load keeps meeting new methods, so for tens of seconds it ran partly unoptimized.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Value)> NodeRuntimeEnvironment = [("DOTNET_TC_CallCountingDelayMs", "0")];

    /// <summary>Starts the node process (see <see cref="WaitReadyAsync"/>).</summary>
    public static NodeProcess Start(string? nodeDll, string flushDiskType, string? extraHocon = null)
    {
        var dll = LocateNodeDll(nodeDll);
        var port = FreePort();
        var dir = Path.Combine(Path.GetTempPath(), "akkamq-bench-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var dataDir = Path.Combine(dir, "data");
        var confPath = Path.Combine(dir, "node.conf");
        // Same shape as hocon/standalone.conf, with our port, data directory and flush mode.
        File.WriteAllText(confPath, $$"""
            # Written by `akkamq bench --start-node`; deleted when the benchmark ends.
            akkamq {
              node {
                roles = [nameserver, broker]
              }
              broker {
                brokerClusterName = DefaultCluster
                brokerName = broker-a
                brokerId = 0
                namesrvAddr = "127.0.0.1:{{port}}"
                brokerIP1 = "127.0.0.1"
                listenPort = {{port}}
                flushDiskType = {{flushDiskType}}
              }
              store {
                data-dir = "{{dataDir.Replace("\\", "/")}}"
              }
            }
            """ + (extraHocon == null ? "" : "\n# --node-config\n" + extraHocon + "\n"));

        var psi = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = dir,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(confPath);
        // The node's recommended runtime setting (docs/configuration.md, "Runtime settings of the node process"), unless the caller chose one.
        foreach (var (name, value) in NodeRuntimeEnvironment)
            if (Environment.GetEnvironmentVariable(name) == null) psi.Environment[name] = value;

        var log = new StreamWriter(Path.Combine(dir, "node.log")) { AutoFlush = false };
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new CliException($"could not start {psi.FileName} {dll}");
        }
        catch (Exception e) when (e is not CliException)
        {
            log.Dispose();
            TryDelete(dir);
            throw new CliException($"could not start the node ({psi.FileName} {dll}): {e.Message}");
        }
        var node = new NodeProcess(process, dir, port, flushDiskType, log);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data, "out");
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data, "err");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        NodeRegistry.Track(node);
        Console.Error.WriteLine($"akkamq bench: started node pid {process.Id} on 127.0.0.1:{port} ({flushDiskType}), data {dataDir}");

        return node;
    }

    /// <summary>
    /// Waits until the node logs that its broker registered with the NameServer, or (once it
    /// listens) until probe answers true, e.g. a NameServer query listing a broker. Fails with the
    /// tail of the node's output if it exits or the timeout passes.
    /// </summary>
    public async Task WaitReadyAsync(TimeSpan timeout, Func<CancellationToken, Task<bool>>? probe, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var exited = _process.WaitForExitAsync(cts.Token);
        var probing = probe == null ? Task.Delay(Timeout.Infinite, cts.Token) : ProbeAsync(probe, cts.Token);
        try
        {
            await Task.WhenAny(_ready.Task, exited, probing);
        }
        finally
        {
            await cts.CancelAsync();
        }
        ct.ThrowIfCancellationRequested();
        if (_ready.Task.IsCompleted || probing.IsCompletedSuccessfully) return;
        var why = _process.HasExited ? $"exited with code {_process.ExitCode}" : $"was not ready within {timeout.TotalSeconds:0} s";
        PrintLogTail(40);
        throw new CliException($"the node (pid {Pid}) {why}; its last output is above");
    }

    private async Task ProbeAsync(Func<CancellationToken, Task<bool>> probe, CancellationToken ct)
    {
        await _listening.Task.WaitAsync(ct);
        while (true)
        {
            try
            {
                if (await probe(ct)) return;
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(1000, ct);
        }
    }

    private void OnLine(string? line, string stream)
    {
        if (line == null) return;
        lock (_logLock)
        {
            if (!_logClosed) _log.WriteLine(stream == "err" ? "[stderr] " + line : line);
        }
        if (line.Contains(ListeningMarker, StringComparison.Ordinal)) _listening.TrySetResult();
        if (line.Contains(ReadyMarker, StringComparison.Ordinal)) _ready.TrySetResult();
        // Node trouble during a run is worth seeing next to the numbers.
        if (!_muted && (line.StartsWith("[ERROR]", StringComparison.Ordinal) || stream == "err" && line.Length > 0))
            Console.Error.WriteLine("node: " + line);
    }

    /// <summary>Stops echoing the node's errors to stderr (teardown: clients disconnecting is expected).</summary>
    public void Mute() => _muted = true;

    /// <summary>Peak resident set size of the node (VmHWM from /proc), in MiB; NaN when unknown.</summary>
    public double PeakRssMb()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return double.NaN;
    }

    private void PrintLogTail(int lines)
    {
        var all = new List<string>();
        lock (_logLock)
        {
            if (_logClosed) return;
            _log.Flush();
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            while (reader.ReadLine() is { } l) all.Add(l);
        }
        foreach (var l in all.TakeLast(lines)) Console.Error.WriteLine("node: " + l);
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int sig);

    private const int SIGTERM = 15;

    /// <summary>SIGTERM, up to 10 s for a graceful stop, then kill; deletes the temporary directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        try
        {
            if (!_process.HasExited)
            {
                var graceful = false;
                if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
                {
                    try { graceful = SysKill(_process.Id, SIGTERM) == 0; }
                    catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
                }
                if (graceful)
                {
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    try { await _process.WaitForExitAsync(wait.Token); }
                    catch (OperationCanceledException) { Console.Error.WriteLine($"akkamq bench: node pid {Pid} did not stop within 10 s of SIGTERM; killing it"); }
                }
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
            else await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            NodeRegistry.Untrack(this);
            lock (_logLock)
            {
                _logClosed = true;
                _log.Dispose();
            }
            _process.Dispose();
            TryDelete(Directory);
        }
        Console.Error.WriteLine($"akkamq bench: node pid {Pid} stopped");
    }

    /// <summary>Last resort on process exit (e.g. an unhandled error): no node may outlive the CLI.</summary>
    internal void KillNow()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (Exception)
        {
        }
        TryDelete(Directory);
    }

    private static void TryDelete(string dir)
    {
        for (var i = 0; i < 5; i++)
        {
            try
            {
                if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, true);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(200);
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The dotnet host running this CLI (when run as `dotnet akkamq.dll`), else DOTNET_HOST_PATH, else `dotnet` on PATH.</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self != null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }

    /// <summary>
    /// --node-dll, else akkamq-node.dll next to this executable, else the repository's build output
    /// (src/AkkaMq.Node/bin/Release, then Debug) found by walking up to the folder holding AkkaMq.sln.
    /// </summary>
    public static string LocateNodeDll(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath);
            return File.Exists(full) ? full : throw new CliException($"--node-dll {full} does not exist");
        }
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "akkamq-node.dll") };
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "AkkaMq.sln"))) continue;
            foreach (var configuration in new[] { "Release", "Debug" })
                candidates.Add(Path.Combine(dir.FullName, "src", "AkkaMq.Node", "bin", configuration, "net10.0", "akkamq-node.dll"));
            break;
        }
        return candidates.FirstOrDefault(File.Exists)
               ?? throw new CliException("akkamq-node.dll not found (looked at " + string.Join(", ", candidates) +
                                         "); build it with `dotnet build -c Release src/AkkaMq.Node` or pass --node-dll PATH");
    }
}

/// <summary>Nodes started by this process, killed on exit if a command did not stop them itself.</summary>
internal static class NodeRegistry
{
    private static readonly HashSet<NodeProcess> Nodes = new();
    private static bool _hooked;

    public static void Track(NodeProcess node)
    {
        lock (Nodes)
        {
            Nodes.Add(node);
            if (_hooked) return;
            _hooked = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        }
    }

    public static void Untrack(NodeProcess node)
    {
        lock (Nodes) Nodes.Remove(node);
    }

    private static void KillAll()
    {
        NodeProcess[] left;
        lock (Nodes) left = Nodes.ToArray();
        foreach (var n in left) n.KillNow();
    }
}
