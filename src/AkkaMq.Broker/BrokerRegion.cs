using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using AkkaMq.Broker.Offsets;
using AkkaMq.Broker.Queue;
using AkkaMq.Broker.Topics;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker;

/// <summary>
/// The sharding region holding every broker group's state: shard id = broker name; entities are
/// queue logs, consumer offset tables and the topic config table of that group.
/// </summary>
public static class BrokerRegion
{
    // No ':' in role names: Akka.Cluster.Hosting writes roles into HOCON unquoted.
    private const string IdRolePrefix = "broker-id-";

    /// <summary>Cluster role naming a node's broker group, so allocation can find the group's nodes.</summary>
    public static string GroupRole(string brokerName) => $"broker-group-{brokerName}";

    /// <summary>Cluster role carrying a node's brokerId within its group.</summary>
    public static string IdRole(long brokerId) => IdRolePrefix + brokerId;

    public static long? BrokerIdOf(IEnumerable<string> roles)
    {
        foreach (var role in roles)
            if (role.StartsWith(IdRolePrefix, StringComparison.Ordinal) && long.TryParse(role.AsSpan(IdRolePrefix.Length), out var id)) return id;
        return null;
    }

    public static IActorRef Start(ActorSystem system, BrokerSettings settings)
    {
        var sharding = ClusterSharding.Get(system); // loads sharding's default config before settings are read
        var shardingSettings = ClusterShardingSettings.Create(system)
            .WithRole(settings.Role)
            .WithStateStoreMode(StateStoreMode.DData)
            .WithRememberEntities(false)
            .WithPassivateIdleAfter(settings.PassivateIdleAfter);
        return sharding.Start(
            settings.ShardRegionName,
            entityId => EntityProps(entityId, settings),
            shardingSettings,
            new MessageExtractor(),
            new BrokerGroupAllocationStrategy(),
            QueueLog.Stop.Instance);
    }

    public static Props EntityProps(string entityId, BrokerSettings settings)
    {
        var parts = entityId.Split(':');
        return parts[0] switch
        {
            "q" when parts.Length == 4 => QueueLog.Props(parts[1], parts[2], int.Parse(parts[3]), settings.Queue),
            "o" when parts.Length == 4 => ConsumerOffsetLog.Props(parts[1], parts[2], parts[3], settings.ConsumerOffsetsSnapshotEvery),
            "t" when parts.Length == 2 => TopicConfigLog.Props(parts[1], shardRegionName: settings.ShardRegionName,
                autoCreateQueueLimit: settings.Memory.AutoCreateQueueLimit),
            "s" when parts.Length == 2 => Consumer.ScheduleMessageLog.Props(parts[1], settings.Schedule, settings.ShardRegionName),
            "g" when parts.Length == 3 => Consumer.ConsumerGroupManager.Props(parts[1], parts[2], settings.ConsumerManager),
            "x" when parts.Length == 2 => Transaction.TransactionLog.Props(parts[1], settings.Transaction, settings.Retention.FileReservedTime,
                settings.ShardRegionName),
            "pg" when parts.Length == 3 => Producer.ProducerGroupManager.Props(parts[1], parts[2], settings.ConsumerManager),
            "sg" when parts.Length == 2 => Subscription.SubscriptionGroupLog.Props(parts[1]),
            "p" when parts.Length == 5 => Pop.PopConsumerLog.Props(parts[1], parts[2], parts[3], int.Parse(parts[4]), settings.ConsumerOffsetsSnapshotEvery,
                settings.ShardRegionName),
            _ => throw new ArgumentException($"not a broker entity id: '{entityId}'"),
        };
    }

    private sealed class MessageExtractor : IMessageExtractor
    {
        public string? EntityId(object message) => message switch
        {
            IBrokerShardCommand c => c.EntityId,
            Retention.CleanExpiredMessages c => c.EntityId,
            PurgeConsumerOffsets c => c.EntityId,
            _ => null,
        };

        public object EntityMessage(object message) => message;

        public string? ShardId(object message) => message switch
        {
            IBrokerShardCommand c => c.BrokerName,
            Retention.CleanExpiredMessages c => c.BrokerName,
            PurgeConsumerOffsets c => c.BrokerName,
            _ => null,
        };

        public string ShardId(string entityId, object? messageHint = null) => entityId.Split(':')[1];
    }
}

/// <summary>
/// Puts broker group X's shard on the node of X with the lowest live brokerId (the master while
/// it lives), never on another group's node: with local journals that node could not see X's
/// data. While no node of X is up, X's shard stays unallocated and its queues are unavailable.
/// Rebalancing moves a shard back when a lower id (the master) returns.
/// </summary>
public sealed class BrokerGroupAllocationStrategy : IShardAllocationStrategy, IActorSystemDependentAllocationStrategy
{
    private Cluster? _cluster;

    public void Start(ActorSystem system) => _cluster = Cluster.Get(system);

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var best = Preferred(shardId, currentShardAllocations.Keys);
        return best != null
            ? Task.FromResult(best)
            : Task.FromException<IActorRef>(new InvalidOperationException($"no live node of broker group '{shardId}'"));
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        if (rebalanceInProgress.Count > 0) return Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);
        foreach (var (region, shards) in currentShardAllocations)
        {
            // Only move shards away from a healthy node (a lower brokerId came back). A shard on an
            // unreachable node waits for downing: a hand-off to a dead node would stall for handoff-timeout.
            if (!IsHealthy(region)) continue;
            foreach (var shard in shards)
            {
                var best = Preferred(shard, currentShardAllocations.Keys);
                if (best != null && !best.Equals(region))
                    return Task.FromResult<IImmutableSet<string>>(ImmutableHashSet.Create(shard));
            }
        }
        return Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);
    }

    private bool IsHealthy(IActorRef region)
    {
        if (_cluster == null) return false;
        var address = region.Path.Address.HasLocalScope ? _cluster.SelfAddress : region.Path.Address;
        var member = _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address));
        return member is { Status: MemberStatus.Up } && !_cluster.State.Unreachable.Contains(member);
    }

    private IActorRef? Preferred(string brokerName, IEnumerable<IActorRef> regions)
    {
        if (_cluster == null) return null;
        var groupRole = BrokerRegion.GroupRole(brokerName);
        IActorRef? best = null;
        Member? bestMember = null;
        var bestId = long.MaxValue;
        foreach (var region in regions)
        {
            var address = region.Path.Address.HasLocalScope ? _cluster.SelfAddress : region.Path.Address;
            var member = _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address));
            if (member == null || member.Status != MemberStatus.Up || !member.HasRole(groupRole)) continue;
            if (_cluster.State.Unreachable.Contains(member)) continue;
            var id = BrokerRegion.BrokerIdOf(member.Roles) ?? long.MaxValue - 1;
            // Two nodes claiming one brokerId: the older keeps the group (BrokerIdentityGuard stops the other).
            if (id < bestId || id == bestId && member.IsOlderThan(bestMember!)) { bestId = id; best = region; bestMember = member; }
        }
        return best;
    }
}
