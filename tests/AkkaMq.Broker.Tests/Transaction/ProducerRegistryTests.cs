using Akka.Actor;
using AkkaMq.Broker.Transaction;

namespace AkkaMq.Broker.Tests.Transaction;

/// <summary>Live producers per group: heartbeats, unregister, death, expiry and the turn of check-backs.</summary>
public sealed class ProducerRegistryTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void Check_backs_go_to_the_members_of_the_group_in_turn()
    {
        var r = new ProducerRegistry();
        var a = CreateTestProbe().Ref;
        var b = CreateTestProbe().Ref;
        Assert.True(r.Heartbeat("pg", "a", a, 0));
        Assert.True(r.Heartbeat("pg", "b", b, 0));
        Assert.False(r.Heartbeat("pg", "a", a, 1)); // known actor: no second watch
        var picks = Enumerable.Range(0, 4).Select(_ => r.Pick("pg")).ToList();
        Assert.Equal(new[] { a, b, a, b }, picks);
        Assert.Null(r.Pick("other"));
    }

    [Fact]
    public void A_member_leaves_by_unregister_by_death_or_by_silence()
    {
        var r = new ProducerRegistry();
        var a = CreateTestProbe().Ref;
        var b = CreateTestProbe().Ref;
        r.Heartbeat("pg", "a", a, 0);
        r.Heartbeat("pg2", "a", a, 0);
        r.Heartbeat("pg", "b", b, 100);
        // a still serves pg2: not unwatched yet.
        Assert.Null(r.Unregister("pg", "a"));
        Assert.Equal(a, r.Unregister("pg2", "a"));
        Assert.Equal(b, r.Pick("pg"));
        Assert.Empty(r.Expire(cutoff: 100));
        Assert.Equal(new[] { b }, r.Expire(cutoff: 101));
        Assert.Equal(0, r.GroupCount);

        r.Heartbeat("pg", "a", a, 0);
        r.Heartbeat("pg", "a2", a, 0);
        Assert.Equal(2, r.Remove(a));
        Assert.Null(r.Pick("pg"));
    }

    [Fact]
    public void A_restarted_client_keeps_its_id_with_its_new_actor()
    {
        var r = new ProducerRegistry();
        var old = CreateTestProbe().Ref;
        var fresh = CreateTestProbe().Ref;
        r.Heartbeat("pg", "c1", old, 0);
        Assert.True(r.Heartbeat("pg", "c1", fresh, 1));
        Assert.Equal(1, r.Count("pg"));
        Assert.Equal(fresh, r.Pick("pg"));
        Assert.Equal(0, r.Remove(old));
    }
}
