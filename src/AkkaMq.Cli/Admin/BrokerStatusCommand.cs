using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq brokerStatus -b host:port | --brokerName NAME`: one broker node's runtime figures.</summary>
public sealed class BrokerStatusCommand : AdminCommandBase
{
    private readonly Option<string?> _addr = new("--brokerAddr", "-b") { Description = "Broker node address host:port" };
    private readonly Option<string?> _name = new("--brokerName") { Description = "Broker group name (its serving node answers)" };

    public BrokerStatusCommand() : base("brokerStatus", "Runtime figures of one broker node (uptime, totals, TPS, role, flush mode)")
    {
        AddOptions(_addr, _name);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var s = await admin.BrokerStatusAsync(r.GetValue(_addr), r.GetValue(_name), ct);
        return (s, c =>
        {
            c.WriteLine($"{s.Cluster}/{s.BrokerName}/{s.BrokerId} at {s.Address}");
            c.Write(KeyValues(s.Values.Select(kv => (kv.Key, (string?)kv.Value))));
        });
    }
}
