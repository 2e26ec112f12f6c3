using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaMq.Client;
using AkkaMq.Hosting;
using AkkaMq.Protocol;
using AkkaMq.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaMq.Node.Tests;

/// <summary>An app that configures clustering itself and adds the NameServer and broker roles.</summary>
public sealed class HostingRoleTests
{
    [Fact]
    public async Task NameServer_and_broker_roles_run_under_the_apps_own_clustering()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "akkamq-roles-" + Guid.NewGuid().ToString("N"));
        var port = NodeProcess.FreePort();
        using var host = Host.CreateDefaultBuilder()
            .ConfigureServices(s => s.AddAkka("AkkaMq", b => b
                .WithRemoting("127.0.0.1", port)
                .WithClustering(new ClusterOptions
                {
                    Roles = AkkaMqRoles.Broker("broker-h", 0).Append(AkkaMqRoles.NameServer).ToArray(),
                    SeedNodes = new[] { $"akka.tcp://AkkaMq@127.0.0.1:{port}" },
                })
                .WithAkkaMqNameServer(new AkkaMqNameServerOptions { BrokerExpiry = TimeSpan.FromSeconds(60) })
                .WithAkkaMqBroker(new AkkaMqBrokerOptions { BrokerName = "broker-h", DataDir = dataDir, AutoCreateTopicEnable = true })))
            .Build();
        await host.StartAsync();
        var client = ActorSystem.Create("roles-client", AkkaMqTestNode.ClientConfigFor($"127.0.0.1:{port}"));
        try
        {
            var producer = AkkaMqProducer.Create(client);
            var sent = await TestNodes.SendWhenRoutedAsync(producer, Message.FromText("RoleTopic", "hi"));
            Assert.Equal("broker-h", sent.MessageQueue.BrokerName);
        }
        finally
        {
            await client.Terminate();
            await host.StopAsync();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }
    }
}
