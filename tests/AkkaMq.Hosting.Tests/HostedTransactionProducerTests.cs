using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaMq.Client;
using AkkaMq.Hosting;
using AkkaMq.Protocol;
using AkkaMq.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaMq.Hosting.Tests;

/// <summary>A hosted transaction producer: injected by its interface, its listener a scoped DI service per call.</summary>
public sealed class HostedTransactionProducerTests : IAsyncLifetime
{
    private AkkaMqTestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = AkkaMqTestNode.StartStandalone();
        await _node.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    /// <summary>A scoped dependency: one per listener call.</summary>
    public sealed class OrderDb
    {
        public static int Created;
        public OrderDb() => Interlocked.Increment(ref Created);
    }

    public sealed class OrderTransactions(OrderDb db) : ITransactionListener
    {
        public Task<LocalTransactionState> ExecuteLocalTransaction(Message message, object? arg) =>
            Task.FromResult(db != null && (string?)arg == "pay" ? LocalTransactionState.Commit : LocalTransactionState.Rollback);

        public Task<LocalTransactionState> CheckLocalTransaction(MessageExt message) => Task.FromResult(LocalTransactionState.Rollback);
    }

    [Fact]
    public async Task The_transaction_producer_comes_from_DI_and_calls_a_scoped_listener()
    {
        var app = new HostBuilder().ConfigureServices(s =>
        {
            s.AddScoped<OrderDb>();
            s.AddAkka("hosted-tx-app", b => b.WithRemoting("127.0.0.1", 0)
                .WithAkkaMqTransactionProducer<OrderTransactions>("hosted-tx-group", new AkkaMqClientOptions { NamesrvAddr = _node.Address }));
            s.AddAkkaMqTransactionProducer<OrderTransactions>("hosted-tx-group");
        }).Build();
        await app.StartAsync();
        try
        {
            var producer = app.Services.GetRequiredService<IAkkaMqTransactionProducer>();
            Assert.Same(producer, app.Services.GetRequiredService<AkkaMqTransactionProducer>());
            Assert.Equal("hosted-tx-group", producer.ProducerGroup);
            var before = Volatile.Read(ref OrderDb.Created);
            var paid = await Eventually.ReturnsAsync(() => producer.SendMessageInTransactionAsync(Message.FromText("HostedTxTopic", "paid"), "pay"),
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250), retryWhen: e => e is AkkaMqException);
            var failed = await producer.SendMessageInTransactionAsync(Message.FromText("HostedTxTopic", "failed"), "refund");
            Assert.Equal(LocalTransactionState.Commit, paid.LocalTransactionState);
            Assert.Equal(LocalTransactionState.Rollback, failed.LocalTransactionState);
            Assert.Equal(before + 2, Volatile.Read(ref OrderDb.Created));
        }
        finally
        {
            await app.StopAsync();
            app.Dispose();
        }
    }
}
