namespace AkkaMq.Protocol.NameServer;

/// <summary>How the cluster sees another node that claims the same broker identity.</summary>
public enum RivalState
{
    /// <summary>A member, up and reachable.</summary>
    Live,
    /// <summary>Leaving the cluster gracefully (a stop or restart under way).</summary>
    Leaving,
    /// <summary>A member the failure detector lost: it is downed and removed, or it comes back.</summary>
    Unreachable,
    /// <summary>Down, exiting, removed, or not a member at all (an old incarnation that died).</summary>
    Gone,
}

public enum ClaimVerdict { Holds, Waits, Refused }

/// <summary>
/// One live node per broker identity (brokerName, brokerId), decided the same way by the claiming
/// broker and by the NameServer: the older cluster member keeps the identity. A newer claimant is
/// refused while the holder is live, and waits while it is leaving or unreachable, so a node that
/// comes back after a crash or a restart takes its identity once the old incarnation is removed.
/// </summary>
public static class BrokerIdentityClaim
{
    public static ClaimVerdict Decide(RivalState rival, bool rivalIsOlder) =>
        rival == RivalState.Gone || !rivalIsOlder ? ClaimVerdict.Holds
        : rival == RivalState.Live ? ClaimVerdict.Refused
        : ClaimVerdict.Waits;

    /// <summary>The error of a refused claimant: names the identity, the node holding it and the claimant.</summary>
    public static string RefusedMessage(string identity, string holder, string claimant) =>
        $"broker identity {identity} is held by the live node {holder}; the node {claimant} may not claim it too. " +
        "Stop the other node first, or give this node another brokerName or brokerId";

    /// <summary>Why a claimant waits: the old holder is on its way out.</summary>
    public static string WaitingMessage(string identity, string holder, string claimant, RivalState rival) =>
        $"broker identity {identity} is still held by the node {holder}, which is {(rival == RivalState.Leaving ? "leaving the cluster" : "unreachable")}; " +
        $"the node {claimant} takes it once that node is removed from the cluster";
}
