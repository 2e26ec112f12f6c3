using AkkaMq.Broker.Processor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Subscription;

/// <summary>
/// The gateway's copy of its broker group's subscription groups (the group's <see cref="SubscriptionGroupLog"/> owns
/// them; RocketMQ's SubscriptionGroupManager as the processors read it), and the checks that apply them: a pull of a
/// group with consumeEnable false is refused with NO_PERMISSION, a broadcasting consumer's heartbeat of a group with
/// consumeBroadcastEnable false too. An unknown group gets RocketMQ's defaults and is to be created (toCreate) while
/// autoCreateSubscriptionGroup is on, and is refused with SUBSCRIPTION_GROUP_NOT_EXIST while it is off. The admin
/// tools' own group (TOOLS_CONSUMER) is always served and never stored. A lookup of a known group allocates nothing.
/// </summary>
public sealed class SubscriptionGroupTable
{
    private readonly Dictionary<string, SubscriptionGroupConfig> _groups = new(StringComparer.Ordinal);
    private readonly string _brokerName;
    private readonly bool _autoCreate;

    public SubscriptionGroupTable(string brokerName, bool autoCreate)
    {
        _brokerName = brokerName;
        _autoCreate = autoCreate;
    }

    /// <summary>False until the group's shard answered once; the gateway serves no request before.</summary>
    public bool Loaded { get; private set; }

    public int Count => _groups.Count;

    public bool TryGet(string group, out SubscriptionGroupConfig config) => _groups.TryGetValue(group, out config!);

    /// <summary>The whole table from the group's shard, replacing what was known.</summary>
    public void Replace(IReadOnlyList<SubscriptionGroupConfig> configs)
    {
        _groups.Clear();
        foreach (var c in configs) _groups[c.GroupName] = c;
        Loaded = true;
    }

    public void Put(SubscriptionGroupConfig config) => _groups[config.GroupName] = config;

    public void Remove(string group) => _groups.Remove(group);

    /// <summary>retryMaxTimes of the group: its stored config's, else RocketMQ's default (16).</summary>
    public int RetryMaxTimes(string group) =>
        _groups.TryGetValue(group, out var c) ? c.RetryMaxTimes : SubscriptionGroupConfig.DefaultRetryMaxTimes;

    /// <summary>A pull (or receive) of <paramref name="group"/>: the failure to answer with, or null.</summary>
    public RequestFailure? CheckConsume(string group, out SubscriptionGroupConfig? toCreate)
    {
        if (!Find(group, out var config, out toCreate, out var failure)) return failure;
        return config!.ConsumeEnable ? null
            : new RequestFailure(ResponseCode.NoPermission,
                $"subscription group no permission: consumeEnable of group '{group}' is false on broker '{_brokerName}' (updateSubGroup --consumeEnable true)");
    }

    /// <summary>A consumer's heartbeat: refused only for a broadcasting consumer of a group with consumeBroadcastEnable false.</summary>
    public RequestFailure? CheckHeartbeat(string group, MessageModel model, out SubscriptionGroupConfig? toCreate)
    {
        // As RocketMQ's heartbeat: an unknown group is created when it may be, never refused here.
        if (!Find(group, out var config, out toCreate, out _)) return null;
        return model != MessageModel.Broadcasting || config!.ConsumeBroadcastEnable ? null
            : new RequestFailure(ResponseCode.NoPermission,
                $"subscription group '{group}' does not allow broadcasting consumers (consumeBroadcastEnable is false on broker '{_brokerName}')");
    }

    /// <summary>The gRPC endpoint's lookup (<see cref="GetSubscriptionGroup"/>): the config the broker applies, or not found.</summary>
    public SubscriptionGroupReply Lookup(string group, out SubscriptionGroupConfig? toCreate)
    {
        toCreate = null;
        if (Validators.CheckGroup(group) is { } error)
            return new SubscriptionGroupReply(_brokerName, group, null, ResponseCode.ConsumerGroupIllegal, error);
        if (_groups.TryGetValue(group, out var stored)) return new SubscriptionGroupReply(_brokerName, group, stored, ResponseCode.Success, null);
        if (!Find(group, out var config, out toCreate, out var failure))
            return new SubscriptionGroupReply(_brokerName, group, null, failure!.Value.Code, failure.Value.Error);
        return new SubscriptionGroupReply(_brokerName, group, config, ResponseCode.Success, null, Stored: false);
    }

    /// <summary>
    /// The config of a group; false with the failure when it is unknown and may not be created. A group name the
    /// request validator refuses is passed over here (config: the defaults) so that its own error answers.
    /// </summary>
    private bool Find(string group, out SubscriptionGroupConfig? config, out SubscriptionGroupConfig? toCreate, out RequestFailure? failure)
    {
        toCreate = null;
        failure = null;
        if (_groups.TryGetValue(group, out config)) return true;
        config = new SubscriptionGroupConfig(group);
        if (group == AdminNames.ToolsConsumerGroup || config.Check() != null) return true;
        if (!_autoCreate)
        {
            failure = new RequestFailure(ResponseCode.SubscriptionGroupNotExist,
                $"subscription group '{group}' does not exist on broker '{_brokerName}' and autoCreateSubscriptionGroup is off; create it with updateSubGroup");
            return false;
        }
        // Created at once in the copy, so the group's next requests do not ask again.
        _groups[group] = toCreate = config;
        return true;
    }
}
