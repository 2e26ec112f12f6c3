using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Client;
using Xunit;

namespace AkkaMq.Client.Tests;

public sealed class ClientInstanceTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("client-instance-tests");

    public void Dispose() => _system.Terminate().Wait();

    private static ClientSettings Settings(string namesrv) =>
        ClientSettings.Create(ConfigurationFactory.ParseString($"akkamq.client.namesrvAddr = \"{namesrv}\""));

    [Fact]
    public void Contexts_and_producers_of_one_ActorSystem_share_one_instance_per_cluster()
    {
        var a = ClientInstance.For(_system, Settings("127.0.0.1:9876;127.0.0.1:9877"));
        Assert.Same(a, ClientInstance.For(_system, Settings("127.0.0.1:9876;127.0.0.1:9877")));
        Assert.NotSame(a, ClientInstance.For(_system, Settings("127.0.0.1:9999")));
        using var other = ActorSystem.Create("other");
        Assert.NotSame(a, ClientInstance.For(other, Settings("127.0.0.1:9876;127.0.0.1:9877")));
    }

    [Fact]
    public async Task A_route_fetched_through_one_context_is_cached_for_the_others()
    {
        var settings = Settings("127.0.0.1:9876");
        var route = new AkkaMq.Protocol.NameServer.TopicRouteData(
            Array.Empty<AkkaMq.Protocol.NameServer.QueueData>(), Array.Empty<AkkaMq.Protocol.NameServer.BrokerData>());
        ClientInstance.For(_system, settings).CacheRoute("T", route);
        Assert.Same(route, await new ClientContext(_system, settings).GetRouteAsync("T"));
    }

    [Fact]
    public void A_NameServer_that_times_out_moves_requests_to_the_next_once_however_many_callers_saw_it()
    {
        var instance = ClientInstance.For(_system, Settings("127.0.0.1:9876;127.0.0.1:9877;127.0.0.1:9878"));
        Assert.Equal(0, instance.CurrentNameServer);
        Assert.Equal(1, instance.NameServerTimedOut(0));
        Assert.Equal(1, instance.NameServerTimedOut(0)); // a second caller that also waited on the first
        Assert.Equal(1, instance.CurrentNameServer);
        Assert.Equal(2, instance.NameServerTimedOut(1));
        Assert.Equal(0, instance.NameServerTimedOut(2));
        Assert.Equal("127.0.0.1:9876", instance.NameServerName(instance.CurrentNameServer));
    }

    [Fact]
    public void The_NameServer_that_answered_is_asked_first_next_time()
    {
        var instance = ClientInstance.For(_system, Settings("127.0.0.1:9876;127.0.0.1:9877"));
        instance.NameServerAnswered(1);
        Assert.Equal(1, instance.CurrentNameServer);
        Assert.Equal("127.0.0.1:9877", instance.NameServerName(instance.CurrentNameServer));
    }
}
