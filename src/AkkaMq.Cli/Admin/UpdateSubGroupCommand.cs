using System.CommandLine;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>
/// `akkamq updateSubGroup -g G [-c cluster | -b broker] [-o true] [-r 16] [-q 1] [--consumeEnable false] [--broadcast true]`:
/// create or replace a subscription group; options not given take RocketMQ's defaults, as mqadmin's updateSubGroup.
/// </summary>
public sealed class UpdateSubGroupCommand : AdminCommandBase
{
    private readonly Option<string> _group = Required("--groupName", "-g", "Consumer group (subscription group) name");
    private readonly Option<string?> _cluster = new("--clusterName", "-c") { Description = "Create on every broker group of this cluster" };
    private readonly Option<string?> _broker = new("--brokerName", "-b") { Description = "Create on this broker group only" };
    private readonly Option<bool> _orderly = new("--consumeMessageOrderly", "-o") { Description = "FIFO consumption for gRPC consumers (default false)" };
    private readonly Option<int> _retryMax = new("--retryMaxTimes", "-r")
    {
        Description = "Deliveries before the dead-letter queue: max attempts of gRPC consumers, default maxReconsumeTimes of push consumers",
        DefaultValueFactory = _ => SubscriptionGroupConfig.DefaultRetryMaxTimes,
    };
    private readonly Option<int> _retryQueues = new("--retryQueueNums", "-q") { Description = "Retry queue count (stored)", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> _consumeEnable = new("--consumeEnable", "-s")
    {
        Description = "false refuses the group's pulls and receives (NO_PERMISSION)",
        DefaultValueFactory = _ => true,
    };
    private readonly Option<bool> _broadcast = new("--broadcast", "-d")
    {
        Description = "consumeBroadcastEnable: false refuses broadcasting consumers of the group",
        DefaultValueFactory = _ => true,
    };

    public UpdateSubGroupCommand() : base("updateSubGroup", "Create or replace a subscription group (consumer group config) on a cluster or a broker group")
    {
        AddOptions(_group, _cluster, _broker, _orderly, _retryMax, _retryQueues, _consumeEnable, _broadcast);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var config = new SubscriptionGroupConfig(r.GetValue(_group)!, ConsumeEnable: r.GetValue(_consumeEnable),
            ConsumeBroadcastEnable: r.GetValue(_broadcast), ConsumeMessageOrderly: r.GetValue(_orderly), RetryQueueNums: r.GetValue(_retryQueues),
            RetryMaxTimes: r.GetValue(_retryMax));
        var rows = await admin.UpdateSubscriptionGroupAsync(config, r.GetValue(_cluster), r.GetValue(_broker), ct);
        return (rows, c =>
        {
            foreach (var row in rows)
                c.WriteLine($"create subscription group to {row.BrokerName} success: {row.GroupName} consumeEnable={Flag(row.ConsumeEnable)} "
                            + $"consumeBroadcastEnable={Flag(row.ConsumeBroadcastEnable)} consumeMessageOrderly={Flag(row.ConsumeMessageOrderly)} "
                            + $"retryMaxTimes={row.RetryMaxTimes} retryQueueNums={row.RetryQueueNums}");
        });
    }

    private static string Flag(bool b) => b ? "true" : "false";
}
