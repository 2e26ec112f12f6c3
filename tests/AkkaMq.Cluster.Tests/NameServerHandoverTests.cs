using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>The NameServer singleton moving to another nameserver node, in-process.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NameServerHandoverTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private readonly AkkaMqTestCluster _cluster = new();
    private ActorSystem? _client;

    public NameServerHandoverTests(ITestOutputHelper output) => _output = output;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_client != null) await _client.Terminate();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task When_the_singleton_host_stops_the_other_nameserver_has_the_full_route_table_and_sends_go_on()
    {
        var ns1 = _cluster.StartNameServer();
        var ns2 = _cluster.StartNameServer();
        var a = _cluster.StartBroker("broker-a");
        var b = _cluster.StartBroker("broker-b");
        await _cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await _cluster.CreateTopicAsync(TopicConfig.Create("Routes", 4), clusterName: "DefaultCluster");
        await _cluster.WaitForRouteAsync("Routes", r => r.QueueDatas.Count == 2, TimeSpan.FromSeconds(10));

        _client = ActorSystem.Create("client", _cluster.ClientConfig()); // knows both NameServer nodes
        var producer = AkkaMqProducer.Create(_client);
        for (var i = 0; i < 20; i++) await producer.SendAsync(Message.FromText("Routes", $"before {i}"));

        // ns1 is the oldest nameserver node: it hosts the route table. It leaves gracefully.
        var stop = _cluster.StopGracefullyAsync(ns1);
        var stopped = Stopwatch.StartNew();
        // Producers keep sending from cached routes while the singleton moves.
        var sent = 0;
        while (!stop.IsCompleted || sent < 20)
        {
            await producer.SendAsync(Message.FromText("Routes", $"during {sent}"));
            sent++;
        }
        await stop;
        Assert.Equal(new[] { ns2 }, _cluster.NameServers);

        // The new singleton on ns2 asked every broker to register again: its table is complete.
        var route = await _cluster.WaitForRouteAsync("Routes",
            r => r.QueueDatas.Count == 2 && r.BrokerDatas.Any(x => x.SelectAddress() == a.Address) && r.BrokerDatas.Any(x => x.SelectAddress() == b.Address),
            TimeSpan.FromSeconds(30));
        _output.WriteLine($"{sent} sends during the hand-over; ns2 served the full route {stopped.Elapsed.TotalSeconds:F1} s after ns1 began to leave");
        Assert.All(route.QueueDatas, q => Assert.Equal(4, q.WriteQueueNums));

        // A new client that only knows ns2 gets routes and sends.
        var fresh = AkkaMqProducer.Create(_client, ClientSettings.Create(Akka.Configuration.ConfigurationFactory
            .ParseString($"akkamq.client.namesrvAddr = \"{ns2.Address}\"").WithFallback(_client.Settings.Config)));
        var r = await fresh.SendAsync(Message.FromText("Routes", "via ns2"));
        Assert.Equal(SendStatus.SendOk, r.SendStatus);
    }
}
