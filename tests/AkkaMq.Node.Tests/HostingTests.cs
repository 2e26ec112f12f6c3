using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaMq.Client;
using AkkaMq.Hosting;
using AkkaMq.Protocol;
using AkkaMq.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaMq.Node.Tests;

/// <summary>The Akka.Hosting path: a node and a client app, each in a generic host.</summary>
public sealed class HostingTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "akkamq-hosting-" + Guid.NewGuid().ToString("N"));
    private readonly int _port = NodeProcess.FreePort();
    private IHost _node = null!;
    private IHost _app = null!;

    public async Task InitializeAsync()
    {
        var nodeConfig = ConfigurationFactory.ParseString($$"""
            akkamq.node.loglevel = WARNING
            akkamq.broker { listenPort = {{_port}}, namesrvAddr = "127.0.0.1:{{_port}}" }
            akkamq.store.data-dir = "{{_dataDir}}"
            akka.actor.serialize-messages = on
            """);
        _node = Host.CreateDefaultBuilder()
            .ConfigureServices(s => s.AddAkka("AkkaMq", b => b.WithAkkaMqNode(nodeConfig)))
            .Build();
        await _node.StartAsync();

        _app = Host.CreateDefaultBuilder()
            .ConfigureServices(s => s.AddAkka("my-app", b => b
                .WithRemoting("127.0.0.1", 0)
                .WithAkkaMqProducer(new AkkaMqClientOptions { NamesrvAddr = $"127.0.0.1:{_port}", SendMsgTimeout = TimeSpan.FromSeconds(10) })))
            .Build();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _node.StopAsync();
        _app.Dispose();
        _node.Dispose();
        try { Directory.Delete(_dataDir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task An_app_sends_and_pulls_through_the_hosting_extensions()
    {
        var system = _app.Services.GetRequiredService<ActorSystem>();
        var producerActor = await _app.Services.GetRequiredService<IRequiredActor<AkkaMqProducerKey>>().GetAsync();
        var settings = ClientSettings.Create(system.Settings.Config);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Producer.SendMsgTimeout);
        var producer = new AkkaMqProducer(producerActor, settings);

        // The node may still be registering its broker when the host reports started.
        var sent = await TestNodes.SendWhenRoutedAsync(producer, Message.FromText("HostedTopic", "from a hosted app", "TagH"));

        var consumer = AkkaMqPullConsumer.Create(system, "hosted-group");
        var pulled = await consumer.PullAsync(sent.MessageQueue, "TagH", sent.QueueOffset, 1);
        Assert.Equal(PullStatus.Found, pulled.Status);
        Assert.Equal("from a hosted app", System.Text.Encoding.UTF8.GetString(pulled.Messages[0].Body));
        Assert.Equal(sent.MsgId, pulled.Messages[0].MsgId);
    }
}
