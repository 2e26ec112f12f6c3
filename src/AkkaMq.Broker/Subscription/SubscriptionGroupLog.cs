using Akka.Actor;
using Akka.Persistence;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;

namespace AkkaMq.Broker.Subscription;

/// <summary>
/// The subscription groups of one broker group (RocketMQ's subscriptionGroup.json), persisted in the group's shard
/// beside the topic configs, so every node that serves the group applies the same configs. A refused change stores
/// nothing; its journal is compacted at every snapshot (<see cref="CompactingPersistentActor"/>).
/// </summary>
public sealed class SubscriptionGroupLog : CompactingPersistentActor
{
    private readonly string _brokerName;
    private readonly Dictionary<string, SubscriptionGroupConfig> _groups = new(StringComparer.Ordinal);
    private readonly int _snapshotEvery;
    private int _eventsSinceSnapshot;

    /// <param name="snapshotEvery">Changes between snapshots; group changes are rare, so a constant (tests pass a small one).</param>
    public static Props Props(string brokerName, int snapshotEvery = DefaultSnapshotEvery) =>
        Akka.Actor.Props.Create(() => new SubscriptionGroupLog(brokerName, snapshotEvery));

    public const int DefaultSnapshotEvery = 100;

    public static string PersistenceIdFor(string brokerName) => $"subscription-groups|{brokerName}";

    public override string PersistenceId { get; }

    public SubscriptionGroupLog(string brokerName, int snapshotEvery)
    {
        _brokerName = brokerName;
        _snapshotEvery = snapshotEvery;
        PersistenceId = PersistenceIdFor(brokerName);

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not SubscriptionGroupsSnapshot s) return;
            _groups.Clear();
            foreach (var g in s.Configs) _groups[g.GroupName] = g;
        });
        Recover<SubscriptionGroupChanged>(e => _groups[e.Config.GroupName] = e.Config);
        Recover<SubscriptionGroupDeleted>(e => _groups.Remove(e.GroupName));

        Command<UpdateSubscriptionGroup>(m =>
        {
            var c = m.Config;
            var error = m.BrokerName != _brokerName ? $"this is broker '{_brokerName}', not '{m.BrokerName}'" : c.Check();
            if (error != null)
            {
                Sender.Tell(new SubscriptionGroupReply(_brokerName, c.GroupName, null, ResponseCode.ConsumerGroupIllegal, error));
                return;
            }
            if (_groups.TryGetValue(c.GroupName, out var existing) && (m.OnlyIfAbsent || existing == c))
            {
                Sender.Tell(new SubscriptionGroupReply(_brokerName, c.GroupName, existing, ResponseCode.Success, null));
                return;
            }
            var replyTo = Sender;
            Persist(new SubscriptionGroupChanged(c), e =>
            {
                _groups[e.Config.GroupName] = e.Config;
                replyTo.Tell(new SubscriptionGroupReply(_brokerName, e.Config.GroupName, e.Config, ResponseCode.Success, null));
                Changed();
            });
        });
        Command<DeleteSubscriptionGroup>(m =>
        {
            if (!_groups.ContainsKey(m.GroupName))
            {
                Sender.Tell(new SubscriptionGroupReply(_brokerName, m.GroupName, null, ResponseCode.SubscriptionGroupNotExist,
                    $"subscription group '{m.GroupName}' does not exist on broker '{_brokerName}'"));
                return;
            }
            var replyTo = Sender;
            Persist(new SubscriptionGroupDeleted(m.GroupName), e =>
            {
                _groups.Remove(e.GroupName);
                replyTo.Tell(new SubscriptionGroupReply(_brokerName, e.GroupName, null, ResponseCode.Success, null));
                Changed();
            });
        });
        Command<GetSubscriptionGroups>(_ => Sender.Tell(new SubscriptionGroups(_brokerName, Sorted(), ResponseCode.Success, null)));
        Command<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    private List<SubscriptionGroupConfig> Sorted()
    {
        var list = _groups.Values.ToList();
        list.Sort((a, b) => string.CompareOrdinal(a.GroupName, b.GroupName));
        return list;
    }

    private void Changed()
    {
        if (++_eventsSinceSnapshot < _snapshotEvery) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(new SubscriptionGroupsSnapshot(Sorted()));
    }
}
