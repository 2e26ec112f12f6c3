using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq queryMsgByKey -t T -k KEY`: messages carrying a key, found through the brokers' key index.</summary>
public sealed class QueryMsgByKeyCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");
    private readonly Option<string> _key = Required("--msgKey", "-k", "Message key");
    private readonly Option<int> _max = new("--maxNum", "-m") { Description = "Most messages to show", DefaultValueFactory = _ => 64 };

    public QueryMsgByKeyCommand() : base("queryMsgByKey", "Find messages by key (the brokers' key index)")
    {
        Positive(_max);
        AddOptions(_topic, _key, _max);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var list = await admin.QueryMsgByKeyAsync(r.GetValue(_topic)!, r.GetValue(_key)!, r.GetValue(_max), ct);
        return (list, c => c.Write(Messages(list)));
    }
}
