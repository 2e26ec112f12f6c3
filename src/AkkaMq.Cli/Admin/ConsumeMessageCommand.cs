using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq consumeMessage -t T [-c COUNT] [-b BROKER -i QID -o OFFSET]`: read messages without committing offsets.</summary>
public sealed class ConsumeMessageCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");
    private readonly Option<int> _count = new("--messageCount", "-c") { Description = "Most messages to read", DefaultValueFactory = _ => 128 };
    private readonly Option<string?> _broker = new("--brokerName", "-b") { Description = "Only this broker group" };
    private readonly Option<int?> _queue = new("--queueId", "-i") { Description = "Only this queue" };
    private readonly Option<long?> _offset = new("--offset", "-o") { Description = "Start offset (default: each queue's min offset)" };
    private readonly Option<string> _filter = new("--subExpression", "-s") { Description = "Tag filter, e.g. 'TagA || TagB'", DefaultValueFactory = _ => "*" };

    public ConsumeMessageCommand() : base("consumeMessage", "Read messages from a topic's queues (no offsets are committed)")
    {
        Positive(_count);
        AddOptions(_topic, _count, _broker, _queue, _offset, _filter);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var list = await admin.ConsumeMessageAsync(r.GetValue(_topic)!, r.GetValue(_count), r.GetValue(_filter)!, r.GetValue(_broker),
            r.GetValue(_queue), r.GetValue(_offset), ct);
        return (list, c => c.Write(Messages(list)));
    }
}
