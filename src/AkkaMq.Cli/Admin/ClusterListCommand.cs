using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq clusterList`: broker groups, ids, addresses, roles, uptime and in/out TPS.</summary>
public sealed class ClusterListCommand : AdminCommandBase
{
    public ClusterListCommand() : base("clusterList", "List the cluster's broker nodes: group, id, address, role, uptime, in/out TPS")
    {
        AddOptions();
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var rows = await admin.ClusterListAsync(ct);
        return (rows, c =>
        {
            var t = NewTable("CLUSTER", "BROKER NAME", "BID", "ADDR", "ROLE", "UPTIME", "IN TPS", "OUT TPS", "PUT TOTAL", "GET TOTAL", "TOPICS", "ERROR");
            foreach (var b in rows)
                AddRow(t, b.Cluster, b.BrokerName, b.BrokerId, b.Address, b.Role, Duration(b.UptimeMillis), b.InTps, b.OutTps, b.MsgPutTotal,
                    b.MsgGetTotal, b.TopicCount, b.Error);
            c.Write(t);
        });
    }
}
