using System.Collections.Concurrent;
using System.Text;
using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Hosting;
using AkkaMq.Protocol;
using AkkaMq.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaMq.Hosting.Tests;

/// <summary>An app in a generic host: the producer from DI sends, hosted consumers call scoped DI listeners.</summary>
public sealed class HostedClientTests : IAsyncLifetime
{
    // Fast rebalance so a consumer owns its queues within a second; offsets are committed only on stop.
    private const string FastConsumer = """
        akkamq.client.consumer {
          rebalanceInterval = 1s
          heartbeatBrokerInterval = 1s
          persistConsumerOffsetInterval = 1h
        }
        """;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly ITestOutputHelper _output;
    private AkkaMqTestNode _node = null!;

    public HostedClientTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _node = AkkaMqTestNode.StartStandalone();
        await _node.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private IHost BuildApp(Action<AkkaConfigurationBuilder> configure, Action<IServiceCollection>? services = null) =>
        new HostBuilder().ConfigureServices(s =>
        {
            s.AddAkka("hosted-app", b =>
            {
                b.WithRemoting("127.0.0.1", 0)
                    .AddHocon(FastConsumer, HoconAddMode.Prepend)
                    .WithAkkaMqProducer(new AkkaMqClientOptions { NamesrvAddr = _node.Address, SendMsgTimeout = TimeSpan.FromSeconds(10) });
                configure(b);
            });
            s.AddAkkaMqProducer();
            services?.Invoke(s);
        }).Build();

    private static async Task<SendResult> SendWithRetry(Func<Task<SendResult>> send)
    {
        // A new topic's route appears once the broker has created it and told the NameServer.
        for (var attempt = 0; ; attempt++)
        {
            try { return await send(); }
            catch (AkkaMqException) when (attempt < 40) { await Task.Delay(250); }
        }
    }

    [Fact]
    public async Task A_hosted_consumer_gets_a_scoped_listener_per_call_and_commits_its_offsets_when_the_host_stops()
    {
        const string topic = "HostedTopic";
        var first = new Recorder(5);
        var options = new AkkaMqPushConsumerOptions { ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset };
        var app = BuildApp(b => b.WithAkkaMqPushConsumer<RecordingListener>("hosted-group", topic, "*", options),
            s => s.AddSingleton(first).AddScoped<ScopedProbe>());
        await app.StartAsync();

        var producer = app.Services.GetRequiredService<IAkkaMqProducer>();
        Assert.Same(producer, app.Services.GetRequiredService<AkkaMqProducer>());
        // WithAkkaMqProducer's ActorRegistry entry is the same producer actor.
        Assert.Equal(((AkkaMqProducer)producer).Actor, await app.Services.GetRequiredService<IRequiredActor<AkkaMqProducerKey>>().GetAsync());
        for (var i = 0; i < 5; i++)
            await SendWithRetry(() => producer.SendAsync(Message.FromText(topic, $"m{i}")));

        await first.All.WaitAsync(Wait);
        Assert.Equal(new[] { "m0", "m1", "m2", "m3", "m4" }, first.Bodies.OrderBy(b => b));
        var probes = first.Probes.ToList();
        Assert.Equal(probes.Count, probes.Distinct().Count());
        Assert.All(probes, p => Assert.True(p.Disposed, "each call's scope is disposed after the call"));

        await app.StopAsync();
        app.Dispose();

        // Same group again: it starts from the offsets committed on stop, so it sees only the new message.
        var second = new Recorder(1);
        var again = BuildApp(b => b.WithAkkaMqPushConsumer<RecordingListener>("hosted-group", topic, "*", options),
            s => s.AddSingleton(second).AddScoped<ScopedProbe>());
        await again.StartAsync();
        await SendWithRetry(() => again.Services.GetRequiredService<IAkkaMqProducer>().SendAsync(Message.FromText(topic, "after-restart")));
        await second.All.WaitAsync(Wait);
        Assert.Equal(new[] { "after-restart" }, second.Bodies);
        await again.StopAsync();
        again.Dispose();
    }

    [Fact]
    public async Task A_hosted_orderly_consumer_receives_a_sharding_key_in_send_order()
    {
        const string topic = "HostedOrderlyTopic";
        var recorder = new Recorder(10);
        var app = BuildApp(b => b.WithAkkaMqOrderlyPushConsumer<OrderlyRecordingListener>("hosted-orderly-group", topic, "*",
                new AkkaMqPushConsumerOptions { ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset }),
            s => s.AddSingleton(recorder).AddScoped<ScopedProbe>());
        await app.StartAsync();

        var producer = app.Services.GetRequiredService<IAkkaMqProducer>();
        for (var i = 0; i < 10; i++)
            await SendWithRetry(() => producer.SendOrderlyAsync(Message.FromText(topic, $"o{i}"), "order-42"));

        await recorder.All.WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"o{i}"), recorder.Bodies);
        Assert.Equal(recorder.Probes.Count, recorder.Probes.Distinct().Count());
        await app.StopAsync();
        app.Dispose();
    }

    /// <summary>A scoped service: one instance per DI scope, disposed with it.</summary>
    public sealed class ScopedProbe : IDisposable
    {
        public bool Disposed { get; private set; }
        public void Dispose() => Disposed = true;
    }

    public sealed class Recorder
    {
        private readonly int _expected;
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Recorder(int expected) => _expected = expected;

        public ConcurrentQueue<string> BodiesQueue { get; } = new();
        public IReadOnlyList<string> Bodies => BodiesQueue.ToList();
        public ConcurrentQueue<ScopedProbe> ProbesQueue { get; } = new();
        public IReadOnlyList<ScopedProbe> Probes => ProbesQueue.ToList();
        public Task All => _all.Task;

        public void Record(IReadOnlyList<MessageExt> msgs, ScopedProbe probe)
        {
            ProbesQueue.Enqueue(probe);
            foreach (var m in msgs) BodiesQueue.Enqueue(Encoding.UTF8.GetString(m.Body));
            if (BodiesQueue.Count >= _expected) _all.TrySetResult();
        }
    }

    public sealed class RecordingListener(Recorder recorder, ScopedProbe probe) : IMessageListenerConcurrently
    {
        public Task<ConsumeConcurrentlyStatus> ConsumeMessageAsync(IReadOnlyList<MessageExt> msgs, ConsumeConcurrentlyContext context, CancellationToken ct)
        {
            Assert.False(probe.Disposed);
            recorder.Record(msgs, probe);
            return Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess);
        }
    }

    public sealed class OrderlyRecordingListener(Recorder recorder, ScopedProbe probe) : IMessageListenerOrderly
    {
        public Task<ConsumeOrderlyStatus> ConsumeMessageAsync(IReadOnlyList<MessageExt> msgs, ConsumeOrderlyContext context, CancellationToken ct)
        {
            recorder.Record(msgs, probe);
            return Task.FromResult(ConsumeOrderlyStatus.Success);
        }
    }
}
