using System.CommandLine;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq topicRoute -t T`: the topic's route as the NameServer gives it to clients.</summary>
public sealed class TopicRouteCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");

    public TopicRouteCommand() : base("topicRoute", "Show a topic's route: queue counts, permission and attributes per broker group, broker addresses")
    {
        AddOptions(_topic);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var route = await admin.TopicRouteAsync(r.GetValue(_topic)!, ct);
        return (route, c =>
        {
            var q = NewTable("BROKER NAME", "READ QUEUES", "WRITE QUEUES", "PERM", "ATTRIBUTES");
            foreach (var row in route.QueueDatas)
                AddRow(q, row.BrokerName, row.ReadQueueNums, row.WriteQueueNums, row.Perm, TopicAttributes.ToText(row.Attributes));
            c.Write(q);
            var b = NewTable("CLUSTER", "BROKER NAME", "BROKER ADDRS");
            foreach (var row in route.BrokerDatas)
                AddRow(b, row.Cluster, row.BrokerName, string.Join(" ", row.BrokerAddrs.Select(kv => $"{kv.Key}={kv.Value}")));
            c.Write(b);
        });
    }
}
