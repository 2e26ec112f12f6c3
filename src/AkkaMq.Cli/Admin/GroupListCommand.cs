using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq groupList [-c cluster | -b broker]`: the subscription groups stored on each broker group.</summary>
public sealed class GroupListCommand : AdminCommandBase
{
    private readonly Option<string?> _cluster = new("--clusterName", "-c") { Description = "Only this cluster's broker groups" };
    private readonly Option<string?> _broker = new("--brokerName", "-b") { Description = "Only this broker group" };

    public GroupListCommand() : base("groupList", "List the subscription groups (consumer group configs) of each broker group")
    {
        AddOptions(_cluster, _broker);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var rows = await admin.SubscriptionGroupListAsync(r.GetValue(_cluster), r.GetValue(_broker), ct);
        return (rows, c =>
        {
            var t = NewTable("BROKER", "GROUP", "CONSUME ENABLE", "BROADCAST", "ORDERLY", "RETRY MAX TIMES", "RETRY QUEUES");
            foreach (var row in rows)
                AddRow(t, row.BrokerName, row.GroupName, Flag(row.ConsumeEnable), Flag(row.ConsumeBroadcastEnable), Flag(row.ConsumeMessageOrderly),
                    row.RetryMaxTimes, row.RetryQueueNums);
            c.Write(t);
        });
    }

    // As the JSON and RocketMQ's tools write them.
    private static string Flag(bool b) => b ? "true" : "false";
}
