using Akka.Actor;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Producer;

/// <summary>
/// The live producers of one producer group on one broker group (RocketMQ's ProducerManager for that group): registered
/// by heartbeat, gone on unregister, on their actor's death or after channelExpiredTimeout without a heartbeat.
/// producerConnection lists them; check-backs go to those with an actor, in turn. Not persisted.
/// </summary>
public sealed class ProducerRegistry
{
    private sealed class Member
    {
        public required ProducerConnectionEntry Entry;
        public IActorRef? Ref;
    }

    private readonly SortedDictionary<string, Member> _members = new(StringComparer.Ordinal);
    private int _turn;

    public int Count => _members.Count;

    public bool Contains(string clientId) => _members.ContainsKey(clientId);

    public IReadOnlyList<ProducerConnectionEntry> Connections => _members.Values.Select(m => m.Entry).ToList();

    /// <summary>
    /// Records a heartbeat; producer is the actor that answers check-backs (null: none, e.g. a heartbeat without sender).
    /// True when that actor is new here (the caller watches it).
    /// </summary>
    public bool Heartbeat(string clientId, ClientChannel channel, IActorRef? producer, long now)
    {
        var isNewRef = producer != null && !Uses(producer);
        var entry = new ProducerConnectionEntry(clientId, channel, now);
        if (_members.TryGetValue(clientId, out var m))
        {
            m.Entry = entry;
            if (producer != null) m.Ref = producer; // a restarted client keeps its id with a new actor
        }
        else _members[clientId] = new Member { Entry = entry, Ref = producer };
        return isNewRef;
    }

    /// <summary>Removes a client; the actor it used, when no other member uses it any more (the caller unwatches it).</summary>
    public IActorRef? Unregister(string clientId)
    {
        if (!_members.Remove(clientId, out var m) || m.Ref == null) return null;
        return Uses(m.Ref) ? null : m.Ref;
    }

    /// <summary>Forgets the members of a stopped actor; their client ids.</summary>
    public List<string> Remove(IActorRef producer)
    {
        var gone = _members.Where(kv => producer.Equals(kv.Value.Ref)).Select(kv => kv.Key).ToList();
        foreach (var id in gone) _members.Remove(id);
        return gone;
    }

    /// <summary>Forgets members without a heartbeat since cutoff: their client ids, and the actors no member uses any more.</summary>
    public (List<string> ClientIds, List<IActorRef> Unused) Expire(long cutoff)
    {
        var ids = new List<string>();
        var refs = new List<IActorRef>();
        foreach (var (id, m) in _members.ToList())
        {
            if (m.Entry.LastHeartbeat >= cutoff) continue;
            _members.Remove(id);
            ids.Add(id);
            if (m.Ref != null) refs.Add(m.Ref);
        }
        refs.RemoveAll(Uses);
        return (ids, refs.Distinct().ToList());
    }

    /// <summary>The next member with an actor, in turn; null when none is live.</summary>
    public IActorRef? Pick()
    {
        var targets = _members.Values.Where(m => m.Ref != null).ToList();
        if (targets.Count == 0) return null;
        return targets[(int)((uint)_turn++ % (uint)targets.Count)].Ref;
    }

    private bool Uses(IActorRef producer) => _members.Values.Any(m => producer.Equals(m.Ref));
}
