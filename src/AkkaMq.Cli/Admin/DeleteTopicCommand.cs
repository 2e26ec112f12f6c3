using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq deleteTopic -t T [-c cluster]`: remove a topic from its brokers and the NameServer.</summary>
public sealed class DeleteTopicCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");
    private readonly Option<string?> _cluster = new("--clusterName", "-c") { Description = "Delete only on this cluster's broker groups" };

    public DeleteTopicCommand() : base("deleteTopic", "Delete a topic from its broker groups and the NameServer (stored messages stay in the journal)")
    {
        AddOptions(_topic, _cluster);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var result = await admin.DeleteTopicAsync(r.GetValue(_topic)!, r.GetValue(_cluster), ct);
        return (result, c => c.WriteLine($"delete topic {result.Topic} from {string.Join(", ", result.Brokers)} success"));
    }
}
