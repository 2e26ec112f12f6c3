using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq deleteSubGroup -g G [-c cluster | -b broker]`: remove a subscription group (its committed offsets stay).</summary>
public sealed class DeleteSubGroupCommand : AdminCommandBase
{
    private readonly Option<string> _group = Required("--groupName", "-g", "Consumer group (subscription group) name");
    private readonly Option<string?> _cluster = new("--clusterName", "-c") { Description = "Delete on every broker group of this cluster" };
    private readonly Option<string?> _broker = new("--brokerName", "-b") { Description = "Delete on this broker group only" };

    public DeleteSubGroupCommand() : base("deleteSubGroup", "Delete a subscription group from a cluster's or one broker group's config")
    {
        AddOptions(_group, _cluster, _broker);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var result = await admin.DeleteSubscriptionGroupAsync(r.GetValue(_group)!, r.GetValue(_cluster), r.GetValue(_broker), ct);
        return (result, c => c.WriteLine($"delete subscription group {result.GroupName} from {string.Join(", ", result.Brokers)} success"));
    }
}
