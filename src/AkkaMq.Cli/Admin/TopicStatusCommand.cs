using System.CommandLine;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq topicStatus -t T`: per queue min/max offset and last store time, then the attributes per broker group.</summary>
public sealed class TopicStatusCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");

    public TopicStatusCommand() : base("topicStatus", "Per queue of a topic: min offset, max offset, last store time; the topic's attributes")
    {
        AddOptions(_topic);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var rows = await admin.TopicStatusAsync(r.GetValue(_topic)!, ct);
        return (rows, c =>
        {
            var t = NewTable("BROKER NAME", "QID", "MIN OFFSET", "MAX OFFSET", "LAST UPDATED");
            foreach (var row in rows) AddRow(t, row.BrokerName, row.QueueId, row.MinOffset, row.MaxOffset, Time(row.LastUpdateTimestamp));
            c.Write(t);
            // One line per broker group whose topic has attributes (retention overrides show here).
            foreach (var row in rows.DistinctBy(x => x.BrokerName).Where(x => x.Attributes.Count > 0))
                c.WriteLine($"Attributes ({row.BrokerName}): {TopicAttributes.ToText(row.Attributes)}");
        });
    }
}
