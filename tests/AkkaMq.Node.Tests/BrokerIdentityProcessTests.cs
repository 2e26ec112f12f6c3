using AkkaMq.TestKit;

namespace AkkaMq.Node.Tests;

/// <summary>
/// Node processes that claim what another node or group owns: a held broker identity (the second
/// node exits with code 3, its log naming both nodes) and another group's data directory (exit 2,
/// naming both groups). The holder keeps running.
/// </summary>
public sealed class BrokerIdentityProcessTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new("akkamq-identity-");

    public BrokerIdentityProcessTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    private string Config(string name, string hocon)
    {
        var file = System.IO.Path.Combine(_dir.Path, name + ".conf");
        File.WriteAllText(file, hocon);
        return file;
    }

    private string DataDir(string name) => System.IO.Path.Combine(_dir.Path, name).Replace("\\", "/");

    private string BrokerOnly(string name, string brokerName, int port, int namesrvPort, string dataDir) => Config(name, $$"""
        akkamq.node.roles = [broker]
        akkamq.broker {
          brokerName = {{brokerName}}
          brokerId = 0
          brokerIP1 = "127.0.0.1"
          listenPort = {{port}}
          namesrvAddr = "127.0.0.1:{{namesrvPort}}"
        }
        akkamq.store.data-dir = "{{dataDir}}"
        """);

    [Fact]
    public async Task A_second_node_with_a_held_identity_exits_naming_both_nodes_and_another_groups_journal_is_refused()
    {
        using var holderProcess = new StandaloneNodeProcess("akkamq-identity-holder-", DataDir("holder")).WriteConfig();
        var holderPort = holderProcess.Port;
        using var holder = await holderProcess.StartAsync();

        var claimantPort = NodeProcess.FreePort();
        using var claimant = NodeProcess.Start(BrokerOnly("claimant", "broker-a", claimantPort, holderPort, DataDir("claimant")));
        var code = await claimant.WaitForExitAsync(TimeSpan.FromSeconds(90));
        _output.WriteLine(claimant.Output);
        Assert.Equal(3, code);
        var refusal = claimant.Output.Split('\n').FirstOrDefault(l => l.Contains("This broker node stops", StringComparison.Ordinal));
        Assert.NotNull(refusal);
        Assert.Contains("DefaultCluster/broker-a/0", refusal);
        Assert.Contains($"127.0.0.1:{holderPort}", refusal);
        Assert.Contains($"127.0.0.1:{claimantPort}", refusal);

        // The claimant's data directory was stamped broker-a at its start: a broker-b node on it refuses to start.
        using var foreign = NodeProcess.Start(BrokerOnly("foreign", "broker-b", NodeProcess.FreePort(), holderPort, DataDir("claimant")));
        Assert.Equal(2, await foreign.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        _output.WriteLine(foreign.Output);
        Assert.Contains("broker group DefaultCluster/broker-a", foreign.Output);
        Assert.Contains("broker group DefaultCluster/broker-b", foreign.Output);

        Assert.False(holder.HasExited, "the holder stopped:\n" + holder.Output);
    }
}
