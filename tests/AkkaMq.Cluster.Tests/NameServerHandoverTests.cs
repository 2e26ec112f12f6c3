using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

namespace AkkaMq.Cluster.Tests;

/// <summary>The NameServer singleton moving to another nameserver node, in-process.</summary>
public sealed class NameServerHandoverTests : InProcessClusterTest
{
    public NameServerHandoverTests(ITestOutputHelper output) : base(output) { }

    [Fact]
    public async Task When_the_singleton_host_stops_the_other_nameserver_has_the_full_route_table_and_sends_go_on()
    {
        var ns1 = Cluster.StartNameServer();
        var ns2 = Cluster.StartNameServer();
        var a = Cluster.StartBroker("broker-a");
        var b = Cluster.StartBroker("broker-b");
        await Cluster.WaitForBrokersAsync(TimeSpan.FromSeconds(60));
        await CreateTopicOnClusterAsync("Routes", 4, brokerGroups: 2);

        // The client app starts while both NameServer nodes run, so it knows both.
        var producer = AkkaMqProducer.Create(Client);
        for (var i = 0; i < 20; i++) await producer.SendAsync(Message.FromText("Routes", $"before {i}"));

        // ns1 is the oldest nameserver node: it hosts the route table. It leaves gracefully.
        var stop = Cluster.StopGracefullyAsync(ns1);
        var stopped = Stopwatch.StartNew();
        // Producers keep sending from cached routes while the singleton moves.
        var sent = 0;
        while (!stop.IsCompleted || sent < 20)
        {
            await producer.SendAsync(Message.FromText("Routes", $"during {sent}"));
            sent++;
        }
        await stop;
        Assert.Equal(new[] { ns2 }, Cluster.NameServers);

        // The new singleton on ns2 asked every broker to register again: its table is complete.
        var route = await Cluster.WaitForRouteAsync("Routes",
            r => r.QueueDatas.Count == 2 && r.BrokerDatas.Any(x => x.SelectAddress() == a.Address) && r.BrokerDatas.Any(x => x.SelectAddress() == b.Address),
            TimeSpan.FromSeconds(30));
        Output.WriteLine($"{sent} sends during the hand-over; ns2 served the full route {stopped.Elapsed.TotalSeconds:F1} s after ns1 began to leave");
        Assert.All(route.QueueDatas, q => Assert.Equal(4, q.WriteQueueNums));

        // A new client that only knows ns2 gets routes and sends.
        var fresh = AkkaMqProducer.Create(Client, ClientSettings.Create(Akka.Configuration.ConfigurationFactory
            .ParseString($"akkamq.client.namesrvAddr = \"{ns2.Address}\"").WithFallback(Client.Settings.Config)));
        var r = await fresh.SendAsync(Message.FromText("Routes", "via ns2"));
        Assert.Equal(SendStatus.SendOk, r.SendStatus);
    }
}
