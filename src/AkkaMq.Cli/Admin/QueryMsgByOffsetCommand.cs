using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq queryMsgByOffset -t T -b BROKER -i QID -o OFFSET`: the message at a queue position.</summary>
public sealed class QueryMsgByOffsetCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");
    private readonly Option<string> _broker = Required("--brokerName", "-b", "Broker group name");
    private readonly Option<int> _queue = new("--queueId", "-i") { Description = "Queue id", Required = true };
    private readonly Option<long> _offset = new("--offset", "-o") { Description = "Queue offset", Required = true };

    public QueryMsgByOffsetCommand() : base("queryMsgByOffset", "Show the message at a queue offset")
    {
        AddOptions(_topic, _broker, _queue, _offset);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var m = await admin.QueryMsgByOffsetAsync(r.GetValue(_topic)!, r.GetValue(_broker)!, r.GetValue(_queue), r.GetValue(_offset), ct);
        return (m, c => c.Write(KeyValues(MessageFields(m))));
    }
}
