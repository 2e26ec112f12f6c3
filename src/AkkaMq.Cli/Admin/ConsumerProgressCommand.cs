using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq consumerProgress -g G [-t T]`: per queue broker offset, consumer offset, lag, last consume time.</summary>
public sealed class ConsumerProgressCommand : AdminCommandBase
{
    private readonly Option<string> _group = Required("--consumerGroup", "-g", "Consumer group");
    private readonly Option<string?> _topic = new("--topic", "-t") { Description = "Only this topic (default: every topic where the group committed)" };

    public ConsumerProgressCommand() : base("consumerProgress", "A consumer group's progress: per queue broker offset, consumer offset, diff, last consume time")
    {
        AddOptions(_group, _topic);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var p = await admin.ConsumerProgressAsync(r.GetValue(_group)!, r.GetValue(_topic), ct);
        return (p, c =>
        {
            var t = NewTable("TOPIC", "BROKER NAME", "QID", "BROKER OFFSET", "CONSUMER OFFSET", "DIFF", "LAST TIME");
            foreach (var q in p.Queues) AddRow(t, q.Topic, q.BrokerName, q.QueueId, q.BrokerOffset, q.ConsumerOffset, q.Diff, Time(q.LastTimestamp));
            c.Write(t);
            c.WriteLine($"Diff Total: {p.DiffTotal}");
        });
    }
}
