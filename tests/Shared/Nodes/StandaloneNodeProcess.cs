using Akka.Actor;
using Akka.Configuration;
using AkkaMq.TestKit;

namespace AkkaMq.Tests;

/// <summary>
/// The set-up process tests repeat around a real standalone node: hocon/standalone.conf on a free port with its own
/// data directory, started (again, after a kill, on the same port and data) and waited for until its broker registered.
/// </summary>
public sealed class StandaloneNodeProcess : IDisposable
{
    private readonly TempDirectory _dir;

    /// <param name="prefix">Prefix of the temp directory holding node.conf and, unless dataDir is given, the data.</param>
    /// <param name="dataDir">A data directory elsewhere (a small file system, say); left in place on dispose.</param>
    public StandaloneNodeProcess(string prefix = "akkamq-process-", string? dataDir = null)
    {
        _dir = new TempDirectory(prefix);
        DataDir = (dataDir ?? Path.Combine(_dir.Path, "data")).Replace("\\", "/");
    }

    /// <summary>The node's Remoting port, which its NameServer and broker share.</summary>
    public int Port { get; } = NodeProcess.FreePort();
    public string NamesrvAddr => $"127.0.0.1:{Port}";
    public string Directory => _dir.Path;
    public string DataDir { get; }
    public string ConfigFile => Path.Combine(_dir.Path, "node.conf");

    /// <summary>Writes node.conf: the shipped standalone config, this port and data directory, gRPC on a free port, then extraHocon (which wins).</summary>
    public StandaloneNodeProcess WriteConfig(string extraHocon = "")
    {
        var standalone = File.ReadAllText(Path.Combine(NodeProcess.RepoRoot(), "hocon", "standalone.conf"));
        File.WriteAllText(ConfigFile, standalone + $"""

            akkamq.broker.listenPort = {Port}
            akkamq.broker.namesrvAddr = "{NamesrvAddr}"
            akkamq.store.data-dir = "{DataDir}"
            akkamq.proxy.grpc.port = 0

            """ + extraHocon);
        return this;
    }

    /// <summary>Starts the node on node.conf (written with no extra HOCON if not yet) and waits for its broker's registration.</summary>
    public async Task<NodeProcess> StartAsync(TimeSpan? timeout = null)
    {
        if (!File.Exists(ConfigFile)) WriteConfig();
        var node = NodeProcess.Start(ConfigFile);
        try
        {
            await node.WaitForOutputAsync("registered with the NameServer", timeout ?? TimeSpan.FromSeconds(90));
        }
        catch
        {
            node.Dispose();
            throw;
        }
        return node;
    }

    /// <summary>A client ActorSystem whose NameServer is this node.</summary>
    public ActorSystem Client(string name, string? extraHocon = null)
    {
        var config = AkkaMqTestNode.ClientConfigFor(NamesrvAddr);
        return ActorSystem.Create(name, extraHocon == null ? config : ConfigurationFactory.ParseString(extraHocon).WithFallback(config));
    }

    public void Dispose() => _dir.Dispose();
}
