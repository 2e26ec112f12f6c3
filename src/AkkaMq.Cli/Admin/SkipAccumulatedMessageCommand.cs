using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq skipAccumulatedMessage -g G -t T`: commit every queue's max offset, skipping the backlog.</summary>
public sealed class SkipAccumulatedMessageCommand : AdminCommandBase
{
    private readonly Option<string> _group = Required("--consumerGroup", "-g", "Consumer group");
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");

    public SkipAccumulatedMessageCommand() : base("skipAccumulatedMessage", "Skip a consumer group's backlog on a topic (offsets to the end)")
    {
        AddOptions(_group, _topic);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var result = await admin.SkipAccumulatedMessageAsync(r.GetValue(_group)!, r.GetValue(_topic)!, ct);
        return (result, c => ResetOffsetByTimeCommand.RenderReset(c, result));
    }
}
