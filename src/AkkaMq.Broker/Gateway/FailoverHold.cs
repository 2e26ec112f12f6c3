using Akka.Actor;
using Akka.Cluster;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Gateway;

/// <summary>What the gateway does after a change of the serving node's reachability.</summary>
public enum FailoverChange
{
    None,
    /// <summary>The serving node became unreachable: hold client requests, with the hold limit running.</summary>
    StartHolding,
    /// <summary>Reachable again, or removed (the shard is moving): go on once the group's shard answers.</summary>
    AwaitShard,
}

/// <summary>
/// The gateway's failover hold. A broker group is served by its lowest live brokerId. While that
/// node is unreachable, requests forwarded into the region would go to it and be lost if it is
/// dead; held here, they go on once it answers again or is removed and the group's shard has moved
/// (the region buffers them). A request held longer than the hold timeout, or arriving when
/// <see cref="MaxHeld"/> already wait, is answered SERVICE_NOT_AVAILABLE (retriable).
/// Invariant: requests are held and released in arrival order.
/// </summary>
public sealed class FailoverHold
{
    public const int MaxHeld = 10_000;

    private readonly string _brokerName;
    private readonly TimeSpan _holdTimeout;
    // This group's members (status, brokerId) and which nodes are unreachable, from cluster events.
    private readonly Dictionary<Address, (MemberStatus Status, long BrokerId)> _groupMembers = new();
    private readonly HashSet<Address> _unreachable = new();
    private readonly List<(IAkkaMqMessage Message, IActorRef Sender, DateTime At)> _held = new();

    public FailoverHold(string brokerName, TimeSpan holdTimeout)
    {
        _brokerName = brokerName;
        _holdTimeout = holdTimeout;
    }

    public bool ServingNodeUnreachable { get; private set; }

    /// <summary>After the serving node is back or gone: hold until the group's shard answers again,
    /// since the region may still route to the removed node for a moment.</summary>
    public bool AwaitingShard { get; private set; }

    public bool Holding => ServingNodeUnreachable || AwaitingShard;

    /// <summary>The node that serves the group, as of the last update; null when no member is up.</summary>
    public Address? ServingNode { get; private set; }

    public int HeldCount => _held.Count;

    /// <summary>The client requests that are held; the others go on (they do not touch the group's queues).</summary>
    public static bool Holds(object m) =>
        m is SendMessages or PullMessage or QueryQueueOffset or CommitConsumerOffsets or QueryConsumerOffset;

    // ------------------------------------------------------------ cluster events of this group

    public FailoverChange OnClusterState(ClusterEvent.CurrentClusterState s)
    {
        ClearMembers();
        foreach (var m in s.Members)
            if (IsGroupMember(m)) GroupMember(m.Address, m.Status, BrokerRegion.BrokerIdOf(m.Roles));
        foreach (var m in s.Unreachable) Reachability(m.Address, reachable: false);
        return UpdateServingNode();
    }

    public FailoverChange OnMemberEvent(ClusterEvent.IMemberEvent e)
    {
        if (e is ClusterEvent.MemberRemoved r) MemberRemoved(r.Member.Address);
        else if (IsGroupMember(e.Member)) GroupMember(e.Member.Address, e.Member.Status, BrokerRegion.BrokerIdOf(e.Member.Roles));
        return UpdateServingNode();
    }

    public FailoverChange OnReachabilityEvent(ClusterEvent.IReachabilityEvent e)
    {
        if (e is ClusterEvent.UnreachableMember u) Reachability(u.Member.Address, reachable: false);
        else if (e is ClusterEvent.ReachableMember r) Reachability(r.Member.Address, reachable: true);
        return UpdateServingNode();
    }

    private bool IsGroupMember(Member m) => m.HasRole(BrokerRegion.GroupRole(_brokerName));

    // ------------------------------------------------------------ membership, by address

    public void ClearMembers()
    {
        _groupMembers.Clear();
        _unreachable.Clear();
    }

    /// <summary>A member of this broker group joined or changed status; brokerId null for a node without one.</summary>
    public void GroupMember(Address address, MemberStatus status, long? brokerId) =>
        _groupMembers[address] = (status, brokerId ?? long.MaxValue - 1);

    public void MemberRemoved(Address address)
    {
        _groupMembers.Remove(address);
        _unreachable.Remove(address);
    }

    public void Reachability(Address address, bool reachable)
    {
        if (reachable) _unreachable.Remove(address);
        else _unreachable.Add(address);
    }

    /// <summary>Re-reads which node serves the group (<see cref="ServingNode"/>) and whether it is reachable.</summary>
    public FailoverChange UpdateServingNode()
    {
        Address? serving = null;
        var best = long.MaxValue;
        foreach (var (address, (status, id)) in _groupMembers)
        {
            if (status is not (MemberStatus.Up or MemberStatus.Leaving)) continue;
            if (id < best) { best = id; serving = address; }
        }
        ServingNode = serving;
        var unreachable = serving != null && _unreachable.Contains(serving);
        if (unreachable == ServingNodeUnreachable) return FailoverChange.None;
        ServingNodeUnreachable = unreachable;
        if (unreachable)
        {
            // Flapped before the shard answered: wait for the next settle, with the hold limit running.
            AwaitingShard = false;
            return FailoverChange.StartHolding;
        }
        AwaitingShard = true;
        return FailoverChange.AwaitShard;
    }

    /// <summary>The group's shard answered: true when held requests can go on (the serving node is not unreachable).</summary>
    public bool ShardAnswered()
    {
        if (!AwaitingShard || ServingNodeUnreachable) return false;
        AwaitingShard = false;
        return true;
    }

    /// <summary>Holds a request; null when held, else the error to refuse it with (too many wait already).</summary>
    public string? Hold(IAkkaMqMessage message, IActorRef sender, DateTime now)
    {
        if (_held.Count >= MaxHeld)
            return $"broker '{_brokerName}' is failing over and {MaxHeld} requests already wait; retry";
        _held.Add((message, sender, now));
        return null;
    }

    /// <summary>The held requests as envelopes in arrival order, ready to go ahead of anything newer; the hold is emptied.</summary>
    public List<Envelope> Release()
    {
        var envelopes = new List<Envelope>(_held.Count);
        foreach (var h in _held) envelopes.Add(new Envelope(h.Message, h.Sender));
        _held.Clear();
        return envelopes;
    }

    /// <summary>Removes the requests held longer than the hold timeout into <paramref name="expired"/>; returns the error to refuse them with.</summary>
    public string Expire(DateTime now, List<(IAkkaMqMessage Message, IActorRef Sender)> expired)
    {
        var cutoff = now - _holdTimeout;
        var count = 0;
        while (count < _held.Count && _held[count].At < cutoff) count++;
        for (var i = 0; i < count; i++) expired.Add((_held[i].Message, _held[i].Sender));
        _held.RemoveRange(0, count);
        return $"broker '{_brokerName}' is failing over: its serving node stayed unreachable for {_holdTimeout}";
    }
}
