using Akka.Event;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// A broker whose cluster has no NameServer says so in its own words, once a heartbeat period has
/// passed without an answer to its registration (Akka's singleton proxy, which warned at once on
/// every start, is kept quiet).
/// </summary>
public sealed class NameServerSilenceTests : AkkaMqTestKit
{
    private readonly AkkaMqTestNode _node;

    public NameServerSilenceTests(ITestOutputHelper output) : this(output, AkkaMqTestNode.StartStandalone("""
        akkamq.node.roles = [broker]
        akkamq.broker.registerNameServerPeriod = 300ms
        """)) { }

    private NameServerSilenceTests(ITestOutputHelper output, AkkaMqTestNode node) : base(node.System, output) => _node = node;

    public override async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public void A_registration_nobody_answers_is_reported_and_the_proxy_stays_quiet()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Warning));
        // A broker-only node on port 0 waits to be joined; join it to itself: a cluster without the nameserver role.
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        var warning = FishForMessage<Warning>(w =>
        {
            var text = w.Message.ToString()!;
            Assert.DoesNotContain("failed to find an associated singleton", text);
            return text.Contains("the NameServer has not answered its registration");
        }, TimeSpan.FromSeconds(30));
        Assert.Contains("broker-a", warning.Message.ToString());
    }
}
