namespace AkkaMq.Protocol.NameServer;

/// <summary>Where the sender of a cluster-control message stands in the cluster, as the receiving node sees it.</summary>
public enum PeerStanding
{
    /// <summary>An actor of the receiving node itself.</summary>
    Local,
    /// <summary>A member (not down or removed) with the role the message needs.</summary>
    Member,
    /// <summary>A member without that role.</summary>
    MemberWithoutRole,
    /// <summary>Not a member of this cluster: a client, a rogue or misconfigured system, a node of another cluster.</summary>
    NotMember,
}

/// <summary>
/// Which cluster-control messages a peer may send: RegisterBroker and UnregisterBroker only from
/// broker members, and broker-to-broker control (UpdateTopicConfig) only from members. A node
/// outside the cluster reaches these actors over Akka.Remote, so the sender's standing decides.
/// </summary>
public static class ClusterControl
{
    /// <param name="request">The message's name, for the error.</param>
    /// <param name="role">The role the sender needs; null when any member may send it.</param>
    /// <returns>Null when the peer may send it; else the error, naming the peer and what it lacks.</returns>
    public static string? Refusal(string request, string peer, PeerStanding standing, string? role) => standing switch
    {
        PeerStanding.Local or PeerStanding.Member => null,
        PeerStanding.MemberWithoutRole when role == null => null,
        PeerStanding.MemberWithoutRole => $"{request} from {peer} refused: that node is a cluster member without the '{role}' role",
        _ => $"{request} from {peer} refused: only members of this cluster{(role == null ? "" : $" with the '{role}' role")} may send it",
    };
}
