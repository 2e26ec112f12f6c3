using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq consumerConnection -g G`: the group's connected consumers, their subscriptions, consume type and message model.</summary>
public sealed class ConsumerConnectionCommand : AdminCommandBase
{
    private readonly Option<string> _group = Required("--consumerGroup", "-g", "Consumer group");

    public ConsumerConnectionCommand() : base("consumerConnection",
        "A consumer group's connected consumers (native and gRPC): client id, address, language, version, consume type, message model, subscriptions, last heartbeat")
    {
        AddOptions(_group);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var cc = await admin.ConsumerConnectionAsync(r.GetValue(_group)!, ct);
        return (cc, c =>
        {
            var t = NewTable("CLIENT ID", "ADDRESS", "MESSAGE MODEL", "BROKERS", "LAST HEARTBEAT", "LANGUAGE", "VERSION", "CONSUME TYPE");
            foreach (var row in cc.Connections)
                AddRow(t, row.ClientId, row.Address ?? "-", row.MessageModel, string.Join(" ", row.Brokers), Time(row.LastHeartbeat),
                    row.Language, row.Version ?? "-", row.ConsumeType);
            c.Write(t);
            c.WriteLine("Below is subscription:");
            var s = NewTable("CLIENT ID", "TOPIC", "SUB EXPRESSION");
            foreach (var row in cc.Connections)
                foreach (var sub in row.Subscriptions) AddRow(s, row.ClientId, sub.Topic, sub.SubExpression);
            c.Write(s);
            c.WriteLine($"ConsumeType: {cc.ConsumeType}");
            c.WriteLine($"MessageModel: {cc.MessageModel}");
            foreach (var e in cc.Errors) c.WriteLine($"Warning: {e}");
        });
    }
}
