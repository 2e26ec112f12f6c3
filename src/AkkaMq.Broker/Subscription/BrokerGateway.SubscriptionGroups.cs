using Akka.Actor;
using AkkaMq.Broker.Subscription;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker;

// The gateway's part in subscription groups: its copy (SubscriptionGroupTable) loaded with the topics before it
// serves, admin changes passed to the group's SubscriptionGroupLog, and the table's checks on pulls and heartbeats.
public sealed partial class BrokerGateway
{
    private SubscriptionGroupTable? _subscriptionGroups;
    private readonly Dictionary<string, List<IActorRef>> _subscriptionGroupRequesters = new(StringComparer.Ordinal);

    private SubscriptionGroupTable SubscriptionGroupTable =>
        _subscriptionGroups ??= new SubscriptionGroupTable(BrokerName, _settings.AutoCreateSubscriptionGroup);

    /// <summary>Asks the group's shard for the topic configs and the subscription groups (at start until both answered, then every heartbeat).</summary>
    private void RefreshGroupState()
    {
        _region.Tell(new GetTopicConfigs(BrokerName));
        _region.Tell(new GetSubscriptionGroups(BrokerName));
    }

    private void ServeSubscriptionGroups()
    {
        Receive<PullMessage>(m => { if (AdmitPull(m)) Forward(m, m.BrokerName, m.Topic, m.QueueId, m.ConsumerGroup); });
        Receive<UpdateSubscriptionGroup>(m => ToSubscriptionGroupLog(m, m.BrokerName, m.Config.GroupName));
        Receive<DeleteSubscriptionGroup>(m => ToSubscriptionGroupLog(m, m.BrokerName, m.GroupName));
        Receive<SubscriptionGroupReply>(m =>
        {
            if (m.Code == ResponseCode.Success)
            {
                if (m.Config != null) SubscriptionGroupTable.Put(m.Config);
                else SubscriptionGroupTable.Remove(m.GroupName);
            }
            if (_subscriptionGroupRequesters.Remove(m.GroupName, out var list))
                foreach (var r in list) r.Tell(m);
        });
        // groupList asks the shard itself, so it never shows a copy that is behind.
        Receive<GetSubscriptionGroups>(m =>
        {
            if (_validator.CheckBroker(m.BrokerName) is { } failure) Reply(m, Sender, failure);
            else _region.Forward(m);
        });
        Receive<SubscriptionGroups>(m => SubscriptionGroupTable.Replace(m.Configs));
        Receive<GetSubscriptionGroup>(m =>
        {
            if (_validator.CheckBroker(m.BrokerName) is { } failure) { Reply(m, Sender, failure); return; }
            Sender.Tell(SubscriptionGroupTable.Lookup(m.GroupName, out var toCreate));
            CreateSubscriptionGroup(toCreate);
        });
    }

    private void ToSubscriptionGroupLog(IBrokerRequest m, string brokerName, string group)
    {
        if (_validator.CheckBroker(brokerName) is { } failure) { Reply(m, Sender, failure); return; }
        if (!_subscriptionGroupRequesters.TryGetValue(group, out var list)) _subscriptionGroupRequesters[group] = list = new List<IActorRef>();
        list.Add(Sender);
        _region.Tell(m, Self);
    }

    /// <summary>autoCreateSubscriptionGroup: an unknown group is stored with the defaults on first use, unless stored meanwhile.</summary>
    private void CreateSubscriptionGroup(SubscriptionGroupConfig? config)
    {
        if (config != null) _region.Tell(new UpdateSubscriptionGroup(BrokerName, config, OnlyIfAbsent: true), Self);
    }

    /// <summary>A pull of a group that may consume; otherwise answered with the refusal and false.</summary>
    private bool AdmitPull(PullMessage m)
    {
        if (m.BrokerName != BrokerName) return true; // the validator's error answers
        var failure = SubscriptionGroupTable.CheckConsume(m.ConsumerGroup, out var toCreate);
        CreateSubscriptionGroup(toCreate);
        if (failure == null) return true;
        Reply(m, Sender, failure.Value);
        return false;
    }

    /// <summary>A consumer's heartbeat the group allows (consumeBroadcastEnable); otherwise answered with the refusal and false.</summary>
    private bool AdmitHeartbeat(ConsumerHeartbeat m)
    {
        if (m.BrokerName != BrokerName) return true;
        var failure = SubscriptionGroupTable.CheckHeartbeat(m.ConsumerGroup, m.MessageModel, out var toCreate);
        CreateSubscriptionGroup(toCreate);
        if (failure == null) return true;
        Reply(m, Sender, failure.Value);
        return false;
    }
}
