using Akka.Actor;

namespace AkkaMq.Broker.Transaction;

/// <summary>
/// The live producers of each producer group on this broker group (RocketMQ's ProducerManager): registered by heartbeat,
/// gone on unregister, on their actor's death or after channelExpiredTimeout without a heartbeat. Check-backs go to the
/// group's members in turn. Not persisted: producers' next heartbeats rebuild it after a restart or a move.
/// </summary>
public sealed class ProducerRegistry
{
    private sealed class Member
    {
        public required IActorRef Ref;
        public long LastHeartbeat;
    }

    private readonly Dictionary<string, SortedDictionary<string, Member>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _turn = new(StringComparer.Ordinal);

    public int GroupCount => _groups.Count;

    public int Count(string group) => _groups.TryGetValue(group, out var g) ? g.Count : 0;

    /// <summary>Records a heartbeat; true when the actor is new here (the caller watches it).</summary>
    public bool Heartbeat(string group, string clientId, IActorRef producer, long now)
    {
        var isNewRef = !Uses(producer);
        if (!_groups.TryGetValue(group, out var members)) _groups[group] = members = new SortedDictionary<string, Member>(StringComparer.Ordinal);
        if (members.TryGetValue(clientId, out var m)) m.Ref = producer; // a restarted client keeps its id with a new actor
        else members[clientId] = m = new Member { Ref = producer };
        m.LastHeartbeat = now;
        return isNewRef;
    }

    /// <summary>Removes a client of a group; the actor it used, when no other membership uses it any more (the caller unwatches it).</summary>
    public IActorRef? Unregister(string group, string clientId)
    {
        if (!_groups.TryGetValue(group, out var members) || !members.Remove(clientId, out var m)) return null;
        if (members.Count == 0) _groups.Remove(group);
        return Uses(m.Ref) ? null : m.Ref;
    }

    /// <summary>Forgets every membership of a stopped actor; how many went.</summary>
    public int Remove(IActorRef producer)
    {
        var removed = 0;
        foreach (var (group, members) in _groups.ToList())
        {
            foreach (var (id, m) in members.ToList())
                if (m.Ref.Equals(producer)) { members.Remove(id); removed++; }
            if (members.Count == 0) _groups.Remove(group);
        }
        return removed;
    }

    /// <summary>Forgets members without a heartbeat since cutoff; the actors no membership uses any more.</summary>
    public List<IActorRef> Expire(long cutoff)
    {
        var gone = new List<IActorRef>();
        foreach (var (group, members) in _groups.ToList())
        {
            foreach (var (id, m) in members.ToList())
                if (m.LastHeartbeat < cutoff) { members.Remove(id); gone.Add(m.Ref); }
            if (members.Count == 0) _groups.Remove(group);
        }
        gone.RemoveAll(Uses);
        return gone;
    }

    /// <summary>The next member of the group in turn, or null when none is live.</summary>
    public IActorRef? Pick(string group)
    {
        if (!_groups.TryGetValue(group, out var members) || members.Count == 0) return null;
        var turn = _turn.GetValueOrDefault(group);
        _turn[group] = turn + 1;
        return members.Values.ElementAt((int)((uint)turn % (uint)members.Count)).Ref;
    }

    private bool Uses(IActorRef producer)
    {
        foreach (var members in _groups.Values)
            foreach (var m in members.Values)
                if (m.Ref.Equals(producer)) return true;
        return false;
    }
}
