using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Tests;

/// <summary>Who may send cluster control: the sender's standing in the cluster decides.</summary>
public sealed class ClusterControlDecisionTests
{
    [Theory]
    [InlineData(PeerStanding.Local, "broker", null)]
    [InlineData(PeerStanding.Member, "broker", null)]
    [InlineData(PeerStanding.MemberWithoutRole, "broker", "RegisterBroker from akka.tcp://x@h:1 refused: that node is a cluster member without the 'broker' role")]
    [InlineData(PeerStanding.NotMember, "broker", "RegisterBroker from akka.tcp://x@h:1 refused: only members of this cluster with the 'broker' role may send it")]
    [InlineData(PeerStanding.MemberWithoutRole, null, null)]
    [InlineData(PeerStanding.NotMember, null, "RegisterBroker from akka.tcp://x@h:1 refused: only members of this cluster may send it")]
    public void A_sender_outside_the_cluster_or_without_the_role_is_refused_by_name(PeerStanding standing, string? role, string? expected) =>
        Assert.Equal(expected, ClusterControl.Refusal("RegisterBroker", "akka.tcp://x@h:1", standing, role));
}
