using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq topicList`: every topic the NameServer knows and its broker groups.</summary>
public sealed class TopicListCommand : AdminCommandBase
{
    public TopicListCommand() : base("topicList", "List every topic and the broker groups that hold it")
    {
        AddOptions();
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var rows = await admin.TopicListAsync(ct);
        return (rows, c =>
        {
            var t = NewTable("TOPIC", "BROKERS");
            foreach (var row in rows) AddRow(t, row.Topic, string.Join(",", row.Brokers));
            c.Write(t);
        });
    }
}
