using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Tests;

/// <summary>One live node per broker identity: the rule the broker's guard and the NameServer share.</summary>
public sealed class BrokerIdentityClaimTests
{
    [Fact]
    public void An_older_live_holder_refuses_the_claimant()
    {
        Assert.Equal(ClaimVerdict.Refused, BrokerIdentityClaim.Decide(RivalState.Live, rivalIsOlder: true));
    }

    [Fact]
    public void A_younger_claimant_never_takes_the_identity_from_the_older_node()
    {
        // The older node keeps it whatever the younger one's state: the younger is the one refused.
        foreach (var state in Enum.GetValues<RivalState>())
            Assert.Equal(ClaimVerdict.Holds, BrokerIdentityClaim.Decide(state, rivalIsOlder: false));
    }

    [Theory]
    [InlineData(RivalState.Unreachable)] // crashed (SIGKILL) on another port: downed, then removed
    [InlineData(RivalState.Leaving)]     // stopping gracefully: leaves, then removed
    public void A_holder_on_its_way_out_is_waited_for_not_fought(RivalState state)
    {
        Assert.Equal(ClaimVerdict.Waits, BrokerIdentityClaim.Decide(state, rivalIsOlder: true));
    }

    [Fact]
    public void A_holder_that_is_down_or_removed_leaves_the_identity_to_the_new_incarnation()
    {
        Assert.Equal(ClaimVerdict.Holds, BrokerIdentityClaim.Decide(RivalState.Gone, rivalIsOlder: true));
    }

    [Fact]
    public void The_refusal_names_the_identity_the_holder_and_the_claimant()
    {
        var text = BrokerIdentityClaim.RefusedMessage("DefaultCluster/broker-a/0", "akka.tcp://AkkaMq@10.0.0.1:10911", "akka.tcp://AkkaMq@10.0.0.2:10911");
        Assert.Contains("DefaultCluster/broker-a/0", text);
        Assert.Contains("10.0.0.1:10911", text);
        Assert.Contains("10.0.0.2:10911", text);
        var waiting = BrokerIdentityClaim.WaitingMessage("DefaultCluster/broker-a/0", "n1", "n2", RivalState.Unreachable);
        Assert.Contains("unreachable", waiting);
        Assert.Contains("removed", waiting);
    }
}
