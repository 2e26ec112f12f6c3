using AkkaMq.Broker.Producer;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests;

/// <summary>Live producers of a group: heartbeats, unregister, death, expiry and the turn of check-backs.</summary>
public sealed class ProducerRegistryTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ClientChannel Channel = new(null, "DOTNET", "1");

    [Fact]
    public void Check_backs_go_to_the_members_with_an_actor_in_turn()
    {
        var r = new ProducerRegistry();
        var a = CreateTestProbe().Ref;
        var b = CreateTestProbe().Ref;
        Assert.True(r.Heartbeat("a", Channel, a, 0));
        Assert.True(r.Heartbeat("b", Channel, b, 0));
        Assert.False(r.Heartbeat("a", Channel, a, 1)); // known actor: no second watch
        Assert.False(r.Heartbeat("n", Channel, null, 1)); // listed, but no check-back target
        Assert.Equal(3, r.Connections.Count);
        var picks = Enumerable.Range(0, 4).Select(_ => r.Pick()).ToList();
        Assert.Equal(new[] { a, b, a, b }, picks);
        Assert.Null(new ProducerRegistry().Pick());
    }

    [Fact]
    public void A_member_leaves_by_unregister_by_death_or_by_silence()
    {
        var r = new ProducerRegistry();
        var a = CreateTestProbe().Ref;
        var b = CreateTestProbe().Ref;
        r.Heartbeat("a", Channel, a, 0);
        r.Heartbeat("a2", Channel, a, 0);
        r.Heartbeat("b", Channel, b, 100);
        // a is still used by a2: not unwatched yet.
        Assert.Null(r.Unregister("a"));
        Assert.Equal(a, r.Unregister("a2"));
        Assert.Equal(b, r.Pick());
        Assert.Empty(r.Expire(cutoff: 100).ClientIds);
        var (ids, unused) = r.Expire(cutoff: 101);
        Assert.Equal(new[] { "b" }, ids);
        Assert.Equal(new[] { b }, unused);
        Assert.Equal(0, r.Count);

        r.Heartbeat("a", Channel, a, 0);
        r.Heartbeat("a2", Channel, a, 0);
        Assert.Equal(new[] { "a", "a2" }, r.Remove(a));
        Assert.Null(r.Pick());
    }

    [Fact]
    public void A_restarted_client_keeps_its_id_with_its_new_actor()
    {
        var r = new ProducerRegistry();
        var old = CreateTestProbe().Ref;
        var fresh = CreateTestProbe().Ref;
        r.Heartbeat("c1", Channel, old, 0);
        Assert.True(r.Heartbeat("c1", Channel, fresh, 1));
        Assert.Equal(1, r.Count);
        Assert.Equal(fresh, r.Pick());
        Assert.Empty(r.Remove(old));
    }
}
