using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Admin;

/// <summary>One subscription group on one broker group (groupList, updateSubGroup), with RocketMQ's field names.</summary>
public sealed record SubscriptionGroupRow(string Cluster, string BrokerName, string GroupName, bool ConsumeEnable, bool ConsumeBroadcastEnable,
    bool ConsumeMessageOrderly, int RetryMaxTimes, int RetryQueueNums, bool ConsumeFromMinEnable, long BrokerId, long WhichBrokerWhenConsumeSlowly,
    bool NotifyConsumerIdsChangedEnable)
{
    public static SubscriptionGroupRow Of(string cluster, string brokerName, SubscriptionGroupConfig c) =>
        new(cluster, brokerName, c.GroupName, c.ConsumeEnable, c.ConsumeBroadcastEnable, c.ConsumeMessageOrderly, c.RetryMaxTimes, c.RetryQueueNums,
            c.ConsumeFromMinEnable, c.BrokerId, c.WhichBrokerWhenConsumeSlowly, c.NotifyConsumerIdsChangedEnable);
}

public sealed record SubscriptionGroupDeleteResult(string GroupName, IReadOnlyList<string> Brokers);

// Subscription groups: updateSubGroup, deleteSubGroup, groupList. Each goes to the serving node of every broker group
// of a cluster, of one broker group, or (neither named) of every broker group.
public sealed partial class AkkaMqAdmin
{
    /// <summary>
    /// updateSubGroup: stores <paramref name="config"/> as the group's whole config, as RocketMQ's command does
    /// (fields not given keep RocketMQ's defaults, not the group's previous values). A bad config is refused before anything is sent.
    /// </summary>
    public async Task<IReadOnlyList<SubscriptionGroupRow>> UpdateSubscriptionGroupAsync(SubscriptionGroupConfig config, string? clusterName,
        string? brokerName, CancellationToken ct = default)
    {
        if (config.Check() is { } error) throw new AkkaMqException(ResponseCode.ConsumerGroupIllegal, error);
        var rows = new List<SubscriptionGroupRow>();
        foreach (var (cluster, broker, address) in await SubscriptionGroupBrokersAsync(clusterName, brokerName, ct))
        {
            var reply = await Context.AskGatewayAtAsync<SubscriptionGroupReply>(address, new UpdateSubscriptionGroup(broker, config), ct);
            if (reply.Code != ResponseCode.Success || reply.Config == null)
                throw new AkkaMqException(reply.Code, reply.Error ?? $"updating subscription group '{config.GroupName}' on broker '{broker}' failed");
            rows.Add(SubscriptionGroupRow.Of(cluster, broker, reply.Config));
        }
        return rows;
    }

    /// <summary>deleteSubGroup: removes the group from the broker groups that have it (its committed offsets stay).</summary>
    public async Task<SubscriptionGroupDeleteResult> DeleteSubscriptionGroupAsync(string group, string? clusterName, string? brokerName,
        CancellationToken ct = default)
    {
        CheckGroup(group);
        var deleted = new List<string>();
        var brokers = await SubscriptionGroupBrokersAsync(clusterName, brokerName, ct);
        foreach (var (_, broker, address) in brokers)
        {
            var reply = await Context.AskGatewayAtAsync<SubscriptionGroupReply>(address, new DeleteSubscriptionGroup(broker, group), ct);
            if (reply.Code == ResponseCode.Success) deleted.Add(broker);
            else if (reply.Code != ResponseCode.SubscriptionGroupNotExist)
                throw new AkkaMqException(reply.Code, reply.Error ?? $"deleting subscription group '{group}' on broker '{broker}' failed");
        }
        if (deleted.Count == 0)
            throw new AkkaMqException(ResponseCode.SubscriptionGroupNotExist,
                $"subscription group '{group}' does not exist on {string.Join(", ", brokers.Select(b => $"'{b.Broker}'"))}");
        return new SubscriptionGroupDeleteResult(group, deleted);
    }

    /// <summary>groupList: the stored subscription groups of each broker group, by broker then group name.</summary>
    public async Task<IReadOnlyList<SubscriptionGroupRow>> SubscriptionGroupListAsync(string? clusterName, string? brokerName = null,
        CancellationToken ct = default)
    {
        var rows = new List<SubscriptionGroupRow>();
        foreach (var (cluster, broker, address) in await SubscriptionGroupBrokersAsync(clusterName, brokerName, ct))
        {
            var reply = await Context.AskGatewayAtAsync<SubscriptionGroups>(address, new GetSubscriptionGroups(broker), ct);
            if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? $"groupList of broker '{broker}' failed");
            rows.AddRange(reply.Configs.OrderBy(c => c.GroupName, StringComparer.Ordinal).Select(c => SubscriptionGroupRow.Of(cluster, broker, c)));
        }
        return rows;
    }

    /// <summary>The serving node (lowest registered brokerId) of each broker group named by cluster or broker name.</summary>
    private async Task<List<(string Cluster, string Broker, string Address)>> SubscriptionGroupBrokersAsync(string? clusterName, string? brokerName,
        CancellationToken ct)
    {
        var info = await ClusterInfoAsync(ct);
        var targets = info.Brokers.Select(b => b.Broker)
            .Where(b => (clusterName == null || b.ClusterName == clusterName) && (brokerName == null || b.BrokerName == brokerName))
            .GroupBy(b => b.BrokerName)
            .Select(g => g.OrderBy(b => b.BrokerId).First())
            .OrderBy(b => b.BrokerName, StringComparer.Ordinal)
            .Select(b => (b.ClusterName, b.BrokerName, b.Address))
            .ToList();
        if (targets.Count == 0)
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable, brokerName != null
                ? $"broker '{brokerName}' is not registered{(clusterName != null ? $" in cluster '{clusterName}'" : "")}"
                : clusterName != null ? $"cluster '{clusterName}' has no registered broker" : "no broker is registered");
        return targets;
    }
}
