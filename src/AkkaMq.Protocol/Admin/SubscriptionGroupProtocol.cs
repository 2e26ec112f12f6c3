using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Admin;

// Subscription groups, as RocketMQ keeps them per broker in subscriptionGroup.json: kept by the broker group's
// SubscriptionGroupLog entity, served from the gateway's copy (updateSubGroup, deleteSubGroup, groupList).

/// <summary>
/// RocketMQ's SubscriptionGroupConfig, with its defaults. Enforced: ConsumeEnable (pulls refused when false),
/// ConsumeBroadcastEnable (a broadcasting consumer's heartbeat refused when false), RetryMaxTimes (the default
/// maxReconsumeTimes of native push consumers, max attempts of gRPC consumers) and ConsumeMessageOrderly (FIFO for
/// gRPC consumers). The others are stored and shown as RocketMQ's tools show them.
/// </summary>
public sealed record SubscriptionGroupConfig(
    string GroupName,
    bool ConsumeEnable = true,
    bool ConsumeFromMinEnable = true,
    bool ConsumeBroadcastEnable = true,
    bool ConsumeMessageOrderly = false,
    int RetryQueueNums = 1,
    int RetryMaxTimes = SubscriptionGroupConfig.DefaultRetryMaxTimes,
    long BrokerId = 0,
    long WhichBrokerWhenConsumeSlowly = 1,
    bool NotifyConsumerIdsChangedEnable = true)
{
    public const int DefaultRetryMaxTimes = 16;

    /// <summary>RocketMQ caps retryMaxTimes (and a consumer's maxReconsumeTimes) at this.</summary>
    public const int MaxRetryMaxTimes = 16 * 1024;

    /// <summary>Null when the config may be stored, else the error naming the bad field.</summary>
    public string? Check()
    {
        if (Validators.CheckGroup(GroupName) is { } groupError) return groupError;
        if (GroupName.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal)
            || GroupName.StartsWith(MessageConst.DlqGroupTopicPrefix, StringComparison.Ordinal))
            return $"consumer group name '{GroupName}' must not start with {MessageConst.RetryGroupTopicPrefix} or {MessageConst.DlqGroupTopicPrefix}";
        if (RetryMaxTimes is < 0 or > MaxRetryMaxTimes) return $"retryMaxTimes {RetryMaxTimes} of group '{GroupName}' is not 0..{MaxRetryMaxTimes}";
        if (RetryQueueNums < 0) return $"retryQueueNums {RetryQueueNums} of group '{GroupName}' is negative";
        if (BrokerId < 0) return $"brokerId {BrokerId} of group '{GroupName}' is negative";
        if (WhichBrokerWhenConsumeSlowly < 0) return $"whichBrokerWhenConsumeSlowly {WhichBrokerWhenConsumeSlowly} of group '{GroupName}' is negative";
        return null;
    }
}

/// <summary>
/// Creates or replaces a subscription group on one broker group (updateSubGroup); answered with a
/// <see cref="SubscriptionGroupReply"/>. OnlyIfAbsent: the gateway's auto-creation, which never replaces a stored config.
/// </summary>
public sealed record UpdateSubscriptionGroup(string BrokerName, SubscriptionGroupConfig Config, bool OnlyIfAbsent = false)
    : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new SubscriptionGroupReply(BrokerName, Config.GroupName, null, code, error);

    public string EntityId => SubscriptionGroupEntityIds.SubscriptionGroups(BrokerName);
}

/// <summary>Removes a subscription group from one broker group (deleteSubGroup); its offsets stay.</summary>
public sealed record DeleteSubscriptionGroup(string BrokerName, string GroupName) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new SubscriptionGroupReply(BrokerName, GroupName, null, code, error);

    public string EntityId => SubscriptionGroupEntityIds.SubscriptionGroups(BrokerName);
}

/// <summary>
/// The config a broker group applies to one group, answered by the gateway from its copy (the gRPC endpoint's
/// lookup). A stored group: Success, Stored true. An unknown group: Success with RocketMQ's defaults and Stored
/// false while autoCreateSubscriptionGroup is on; SUBSCRIPTION_GROUP_NOT_EXIST and no config when it is off.
/// </summary>
public sealed record GetSubscriptionGroup(string BrokerName, string GroupName) : IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new SubscriptionGroupReply(BrokerName, GroupName, null, code, error);
}

/// <summary>Answer to update, delete and get. Config is the stored (or applied) config; null on failure and after a delete.</summary>
public sealed record SubscriptionGroupReply(string BrokerName, string GroupName, SubscriptionGroupConfig? Config, ResponseCode Code, string? Error,
    bool Stored = true) : IAkkaMqMessage;

/// <summary>Every stored subscription group of one broker group (groupList); the gateway answers from its copy.</summary>
public sealed record GetSubscriptionGroups(string BrokerName) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new SubscriptionGroups(BrokerName, Array.Empty<SubscriptionGroupConfig>(), code, error);

    public string EntityId => SubscriptionGroupEntityIds.SubscriptionGroups(BrokerName);
}

public sealed record SubscriptionGroups(string BrokerName, IReadOnlyList<SubscriptionGroupConfig> Configs, ResponseCode Code, string? Error)
    : IAkkaMqMessage;

public static class SubscriptionGroupEntityIds
{
    /// <summary>Entity of the broker region holding the broker group's subscription groups.</summary>
    public static string SubscriptionGroups(string brokerName) => $"sg:{brokerName}";
}

// Persisted events and snapshot of the SubscriptionGroupLog (frozen once shipped).

public sealed record SubscriptionGroupChanged(SubscriptionGroupConfig Config) : IAkkaMqMessage;

public sealed record SubscriptionGroupDeleted(string GroupName) : IAkkaMqMessage;

public sealed record SubscriptionGroupsSnapshot(IReadOnlyList<SubscriptionGroupConfig> Configs) : IAkkaMqMessage;
