using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq queryMsgById -i ID`: the message a send returned this id for.</summary>
public sealed class QueryMsgByIdCommand : AdminCommandBase
{
    private readonly Option<string> _id = Required("--msgId", "-i", "Message id (32 hex characters, as a send returns it)");

    public QueryMsgByIdCommand() : base("queryMsgById", "Show a message by its id")
    {
        AddOptions(_id);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var m = await admin.QueryMsgByIdAsync(r.GetValue(_id)!, ct);
        return (m, c => c.Write(KeyValues(MessageFields(m))));
    }
}
