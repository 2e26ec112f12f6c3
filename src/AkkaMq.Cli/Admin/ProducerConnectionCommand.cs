using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq producerConnection -g G -t T`: the group's live producers, native and gRPC, on the topic's broker groups.</summary>
public sealed class ProducerConnectionCommand : AdminCommandBase
{
    private readonly Option<string> _group = Required("--producerGroup", "-g", "Producer group (a gRPC producer's group is each topic it publishes to)");
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic whose broker groups are asked");

    public ProducerConnectionCommand() : base("producerConnection",
        "A producer group's connected producers (native and gRPC): client id, address, language, version, last heartbeat")
    {
        AddOptions(_group, _topic);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var pc = await admin.ProducerConnectionAsync(r.GetValue(_group)!, r.GetValue(_topic)!, ct);
        return (pc, c =>
        {
            var t = NewTable("CLIENT ID", "ADDRESS", "LANGUAGE", "VERSION", "BROKERS", "LAST HEARTBEAT");
            foreach (var row in pc.Connections)
                AddRow(t, row.ClientId, row.Address ?? "-", row.Language, row.Version, string.Join(" ", row.Brokers), Time(row.LastHeartbeat));
            c.Write(t);
            foreach (var e in pc.Errors) c.WriteLine($"Warning: {e}");
        });
    }
}
