using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Consumer.Rebalance;

/// <summary>What a push consumer does with a queue it gives up.</summary>
internal enum DropAction
{
    Nothing,
    /// <summary>Nothing consumed here yet: only the broker lock (which may already be ours) has to go.</summary>
    Unlock,
    /// <summary>Commit the consumed-up-to offset (an orderly queue still being consumed is unlocked when that call ends).</summary>
    Commit,
    /// <summary>Commit, then unlock: the next owner can only start once the lock is free, so it reads this offset.</summary>
    CommitThenUnlock,
}

/// <summary>A rebalance's answer: the queues this member owns per topic, or why it could not be computed.</summary>
internal sealed record RebalanceAllocation(Dictionary<string, List<MessageQueue>>? Owned, string? Failure);

/// <summary>The queues to give up and to take after a rebalance; queues of topics not in the allocation stay as they are.</summary>
internal sealed record RebalanceChanges(List<MessageQueue> Dropped, List<MessageQueue> Added);

/// <summary>
/// RocketMQ's RebalanceImpl: from the topics' routes and the group's members to the queues this
/// member owns (clustering: the allocate strategy over the sorted lists; broadcasting: every
/// readable queue), and from that to the queues added and dropped.
/// </summary>
internal sealed class Rebalancer
{
    /// <summary>Why a rebalance keeps what it owns: the broker does not list this client (yet, or no longer).</summary>
    public const string NotRegistered = "this client is not in the broker's member list yet";

    private readonly string _group;
    private readonly string _clientId;
    private readonly IAllocateMessageQueueStrategy _strategy;
    private readonly bool _broadcasting;
    private bool _running;
    private bool _again;

    public Rebalancer(string group, string clientId, IAllocateMessageQueueStrategy strategy, MessageModel messageModel)
    {
        _group = group;
        _clientId = clientId;
        _strategy = strategy;
        _broadcasting = messageModel == MessageModel.Broadcasting;
    }

    /// <summary>One rebalance at a time: false while one runs (which then runs once more, see <see cref="Finish"/>).</summary>
    public bool TryStart()
    {
        if (_running)
        {
            _again = true;
            return false;
        }
        _running = true;
        return true;
    }

    /// <summary>Ends a rebalance; true when another was asked for meanwhile and should start now.</summary>
    public bool Finish()
    {
        _running = false;
        if (!_again) return false;
        _again = false;
        return true;
    }

    /// <param name="isReachable">Whether this client has a gateway to a broker group.</param>
    /// <param name="consumerList">Asks a broker group for the group's members.</param>
    public async Task<RebalanceAllocation> AllocateAsync(IReadOnlyDictionary<string, TopicRouteData> routes, Func<string, bool> isReachable,
        Func<string, Task<ConsumerList>> consumerList)
    {
        var owned = new Dictionary<string, List<MessageQueue>>(StringComparer.Ordinal);
        foreach (var (topic, route) in routes)
        {
            var mqAll = ReadableQueues(topic, route);
            if (_broadcasting)
            {
                owned[topic] = mqAll;
                continue;
            }
            // Any broker of the topic knows the whole group: every member heartbeats to all of them.
            var broker = BrokerToAsk(route, isReachable);
            if (broker == null) return new RebalanceAllocation(null, $"no reachable broker for topic '{topic}'");
            var list = await consumerList(broker);
            if (list.Code != ResponseCode.Success) return new RebalanceAllocation(null, list.Error ?? "consumer list refused");
            var mine = Allocate(mqAll, list.ClientIds);
            // Not (yet, or no longer: the group's shard moved) registered there: keep what we own
            // and heartbeat again, rather than give everything up on a transient view.
            if (mine == null) return new RebalanceAllocation(null, NotRegistered);
            owned[topic] = mine;
        }
        return new RebalanceAllocation(owned, null);
    }

    /// <summary>This client's share of the queues, or null when the client list does not hold it.</summary>
    public List<MessageQueue>? Allocate(List<MessageQueue> mqAll, IReadOnlyList<string> clientIds)
    {
        var cidAll = new List<string>(clientIds);
        cidAll.Sort(StringComparer.Ordinal);
        if (!cidAll.Contains(_clientId)) return null;
        return new List<MessageQueue>(_strategy.Allocate(_group, _clientId, mqAll, cidAll));
    }

    /// <summary>The readable queues of a topic, in the order every member sorts them.</summary>
    public static List<MessageQueue> ReadableQueues(string topic, TopicRouteData route)
    {
        var list = new List<MessageQueue>();
        foreach (var q in route.QueueDatas)
        {
            if (!Perm.IsReadable(q.Perm)) continue;
            for (var i = 0; i < q.ReadQueueNums; i++) list.Add(new MessageQueue(topic, q.BrokerName, i));
        }
        list.Sort(AllocateMessageQueueStrategies.Compare);
        return list;
    }

    /// <summary>The first reachable broker group of the route by name, or null.</summary>
    public static string? BrokerToAsk(TopicRouteData route, Func<string, bool> isReachable)
    {
        string? first = null;
        foreach (var b in route.BrokerDatas)
            if (isReachable(b.BrokerName) && (first == null || string.CompareOrdinal(b.BrokerName, first) < 0)) first = b.BrokerName;
        return first;
    }

    /// <summary>Compares the new allocation with the owned queues.</summary>
    public static RebalanceChanges Changes(Dictionary<string, List<MessageQueue>> allocation, IReadOnlyCollection<MessageQueue> ownedNow)
    {
        var dropped = new List<MessageQueue>();
        var added = new List<MessageQueue>();
        var current = new HashSet<MessageQueue>(ownedNow);
        foreach (var (topic, owned) in allocation)
        {
            var set = new HashSet<MessageQueue>(owned);
            foreach (var mq in ownedNow)
                if (mq.Topic == topic && !set.Contains(mq)) dropped.Add(mq);
            foreach (var mq in owned)
                if (current.Add(mq)) added.Add(mq);
        }
        return new RebalanceChanges(dropped, added);
    }

    /// <param name="offset">The consumed-up-to offset to commit, -1 when nothing was consumed here.</param>
    /// <param name="needsLock">Orderly clustering: the queue is locked at the broker.</param>
    /// <param name="consuming">An orderly listener call on the queue has not ended yet.</param>
    public static DropAction WhenDropped(long offset, MessageModel messageModel, bool needsLock, bool consuming)
    {
        if (offset < 0 || messageModel == MessageModel.Broadcasting) return needsLock ? DropAction.Unlock : DropAction.Nothing;
        return !needsLock || consuming ? DropAction.Commit : DropAction.CommitThenUnlock;
    }
}
