using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Client.Tests;

/// <summary>A node whose broker checks undecided half messages back within a second, shared by the transaction tests.</summary>
public sealed class TransactionNodeFixture : IAsyncLifetime
{
    /// <summary>Check-backs after 1 s without a decision, every 500 ms; producers heartbeat every second.</summary>
    public const string BrokerHocon = """
        akkamq.broker.transactionTimeOut = 1s
        akkamq.broker.transactionCheckInterval = 500ms
        """;

    public const string ClientHocon = "akkamq.client.producer.heartbeatBrokerInterval = 1s";

    private NodeAndClient _nodeAndClient = null!;

    public ActorSystem Client => _nodeAndClient.Client;
    public AkkaMq.TestKit.AkkaMqTestNode Node => _nodeAndClient.Node;
    public AkkaMqProducer Producer => _nodeAndClient.Producer;

    public async Task InitializeAsync() => _nodeAndClient = await NodeAndClient.StartAsync(BrokerHocon, ClientHocon);

    public async Task DisposeAsync() => await _nodeAndClient.DisposeAsync();
}

/// <summary>
/// The transaction producer end to end against an in-process node: commit, rollback, check-backs, a producer that dies
/// mid-transaction resolved by a peer of its group, a repeated commit, and half messages invisible to consumers.
/// </summary>
public sealed class TransactionProducerTests(TransactionNodeFixture fx) : IClassFixture<TransactionNodeFixture>, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _started = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in _started) await d.DisposeAsync();
    }

    /// <summary>A listener whose answers the test scripts; it counts the check-backs it got.</summary>
    private sealed class ScriptedListener(Func<Message, Task<LocalTransactionState>> execute, Func<MessageExt, LocalTransactionState> check) : ITransactionListener
    {
        public readonly ConcurrentQueue<MessageExt> Checked = new();
        public readonly TaskCompletionSource<MessageExt> FirstCheck = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<LocalTransactionState> ExecuteLocalTransaction(Message message, object? arg) => execute(message);

        public Task<LocalTransactionState> CheckLocalTransaction(MessageExt message)
        {
            Checked.Enqueue(message);
            FirstCheck.TrySetResult(message);
            return Task.FromResult(check(message));
        }
    }

    private static ScriptedListener Answers(LocalTransactionState execute, LocalTransactionState check = LocalTransactionState.Unknown) =>
        new(_ => Task.FromResult(execute), _ => check);

    private async Task<string> TopicAsync(string prefix, int queues = 2)
    {
        var topic = prefix + Guid.NewGuid().ToString("N")[..8];
        await TestNodes.CreateTopicAsync(fx.Node, TopicConfig.Create(topic, queues));
        return topic;
    }

    private AkkaMqTransactionProducer Producer(string group, ITransactionListener listener, ActorSystem? system = null)
    {
        var p = AkkaMqTransactionProducer.Create(system ?? fx.Client, group, listener);
        if (system == null) _started.Add(p);
        return p;
    }

    private static Message Text(string topic, string text) => Message.FromText(topic, text, keys: text);

    private string BrokerName => fx.Node.Settings.Broker!.BrokerName;

    /// <summary>Everything stored in the topic's queues now, by pull from offset 0.</summary>
    private async Task<List<string>> ReadAsync(string topic)
    {
        var consumer = AkkaMqPullConsumer.Create(fx.Client, "tx-test-reader");
        var bodies = new List<string>();
        foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync(topic))
            bodies.AddRange((await consumer.PullAsync(q, "*", 0, 256)).Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        return bodies;
    }

    /// <summary>Sends a normal marker last and reads until it arrived: whatever was decided before is then in the queues (or never will be).</summary>
    private async Task<List<string>> ReadThroughMarkerAsync(string topic)
    {
        await fx.Producer.SendAsync(Text(topic, "marker"));
        List<string> read = new();
        await Eventually.TrueAsync(async () => (read = await ReadAsync(topic)).Contains("marker"), () => $"{topic}: the marker never arrived ({read.Count} read)",
            TimeSpan.FromSeconds(20));
        return read;
    }

    private async Task<long> PendingAsync(string topic)
    {
        var context = new ClientContext(fx.Client, ClientSettings.Create(fx.Client.Settings.Config));
        var list = await context.AskBrokerAsync<HalfMessageList>(topic, BrokerName, new QueryHalfMessages(BrokerName, topic, null, 10));
        Assert.True(list.Code == ResponseCode.Success, list.Error);
        return list.Total;
    }

    [Fact]
    public async Task A_committed_local_transaction_makes_the_message_visible_once_and_is_never_checked()
    {
        var topic = await TopicAsync("TxCommit");
        var listener = Answers(LocalTransactionState.Commit);
        var result = await Producer("tx-commit-group", listener).SendMessageInTransactionAsync(Text(topic, "order-1 paid"), arg: "order-1");

        Assert.Equal(LocalTransactionState.Commit, result.LocalTransactionState);
        Assert.Equal(SendStatus.SendOk, result.SendStatus);
        Assert.True(TransactionIds.TryParse(BrokerName, result.TransactionId, out _), result.TransactionId);
        Assert.True(result.QueueOffset >= 0, "an acknowledged commit names the committed message's offset");
        var read = await ReadThroughMarkerAsync(topic);
        Assert.Single(read, "order-1 paid");
        Assert.Equal(0, await PendingAsync(topic));
        Assert.Empty(listener.Checked);
    }

    [Fact]
    public async Task A_rolled_back_local_transaction_is_never_delivered()
    {
        var topic = await TopicAsync("TxRollback");
        var result = await Producer("tx-rollback-group", Answers(LocalTransactionState.Rollback)).SendMessageInTransactionAsync(Text(topic, "order-2 failed"));

        Assert.Equal(LocalTransactionState.Rollback, result.LocalTransactionState);
        Assert.Equal(-1, result.QueueOffset);
        Assert.Equal(result.TransactionId, result.MsgId);
        Assert.DoesNotContain("order-2 failed", await ReadThroughMarkerAsync(topic));
        Assert.Equal(0, await PendingAsync(topic));
    }

    [Theory]
    [InlineData(LocalTransactionState.Commit)]
    [InlineData(LocalTransactionState.Rollback)]
    public async Task An_unknown_local_transaction_is_checked_back_and_the_checks_answer_decides(LocalTransactionState answer)
    {
        var topic = await TopicAsync("TxCheck" + answer);
        var listener = Answers(LocalTransactionState.Unknown, answer);
        var producer = Producer("tx-check-group-" + answer.ToString().ToLowerInvariant(), listener);
        var result = await producer.SendMessageInTransactionAsync(Text(topic, "decide later"));
        Assert.Equal(LocalTransactionState.Unknown, result.LocalTransactionState);

        var checkedMessage = await listener.FirstCheck.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("decide later", Encoding.UTF8.GetString(checkedMessage.Body));
        Assert.Equal(topic, checkedMessage.Topic);
        await Eventually.TrueAsync(async () => await PendingAsync(topic) == 0, () => $"{topic}: the half message is still pending", TimeSpan.FromSeconds(20));
        var read = await ReadThroughMarkerAsync(topic);
        Assert.Equal(answer == LocalTransactionState.Commit ? 1 : 0, read.Count(b => b == "decide later"));
    }

    [Fact]
    public async Task A_producer_killed_after_the_half_message_is_resolved_by_another_producer_of_its_group()
    {
        var topic = await TopicAsync("TxKilled");
        const string group = "tx-killed-group";
        var survivor = Answers(LocalTransactionState.Unknown, LocalTransactionState.Commit);
        Producer(group, survivor);

        var doomedSystem = ActorSystem.Create("doomed-client", fx.Client.Settings.Config);
        var executing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var doomedListener = new ScriptedListener(async _ =>
        {
            executing.TrySetResult();
            await Task.Delay(Timeout.Infinite); // the process dies inside its local transaction
            return LocalTransactionState.Commit;
        }, _ => LocalTransactionState.Unknown);
        var doomed = Producer(group, doomedListener, doomedSystem);
        _ = doomed.SendMessageInTransactionAsync(Text(topic, "orphaned"));
        await executing.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await doomedSystem.Terminate();

        await survivor.FirstCheck.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await ReadAsync(topic)).Contains("orphaned"), () => $"{topic}: the orphaned transaction was never committed",
            TimeSpan.FromSeconds(30));
        Assert.Single(await ReadThroughMarkerAsync(topic), "orphaned");
        Assert.Equal(0, await PendingAsync(topic));
    }

    [Fact]
    public async Task A_commit_repeated_after_a_lost_answer_is_delivered_once()
    {
        var topic = await TopicAsync("TxTwice");
        const string group = "tx-twice-group";
        var result = await Producer(group, Answers(LocalTransactionState.Commit)).SendMessageInTransactionAsync(Text(topic, "exactly once"));
        var context = new ClientContext(fx.Client, ClientSettings.Create(fx.Client.Settings.Config));
        var again = await context.AskBrokerAsync<EndTransactionReply>(topic, BrokerName,
            new EndTransaction(BrokerName, group, topic, result.TransactionId, TransactionResolution.Commit, FromTransactionCheck: false));

        Assert.True(again.Code == ResponseCode.Success, again.Error);
        Assert.Equal(result.QueueOffset, again.QueueOffset);
        Assert.Single(await ReadThroughMarkerAsync(topic), "exactly once");
    }

    [Fact]
    public async Task A_half_message_is_invisible_to_a_push_consumer_until_it_is_committed()
    {
        var topic = await TopicAsync("TxPush", queues: 1);
        var received = new ConcurrentQueue<string>();
        var consumer = AkkaMqPushConsumer.Create(fx.Client, "tx-push-" + topic,
            PushConsumerSettings.Create(fx.Client.Settings.Config) with { ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset });
        consumer.Subscribe(topic);
        consumer.RegisterMessageListener((msgs, _) =>
        {
            foreach (var m in msgs) received.Enqueue(Encoding.UTF8.GetString(m.Body));
            return Task.FromResult(ConsumeConcurrentlyStatus.ConsumeSuccess);
        });
        await consumer.StartAsync();
        try
        {
            var executing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var gate = new TaskCompletionSource<LocalTransactionState>(TaskCreationOptions.RunContinuationsAsynchronously);
            var listener = new ScriptedListener(_ =>
            {
                executing.TrySetResult();
                return gate.Task;
            }, _ => LocalTransactionState.Unknown);
            var send = Producer("tx-push-group", listener).SendMessageInTransactionAsync(Text(topic, "held back"));
            await executing.Task.WaitAsync(TimeSpan.FromSeconds(30));

            await fx.Producer.SendAsync(Text(topic, "sent after the half message"));
            await Eventually.TrueAsync(() => received.Contains("sent after the half message"), () => "the normal message never arrived", TimeSpan.FromSeconds(30));
            Assert.DoesNotContain("held back", received);

            gate.SetResult(LocalTransactionState.Commit);
            Assert.Equal(LocalTransactionState.Commit, (await send).LocalTransactionState);
            await fx.Producer.SendAsync(Text(topic, "last"));
            await Eventually.TrueAsync(() => received.Contains("held back") && received.Contains("last"), () => $"received: {string.Join(", ", received)}",
                TimeSpan.FromSeconds(30));
            Assert.Single(received, "held back");
        }
        finally
        {
            await consumer.ShutdownAsync();
        }
    }

    [Fact]
    public async Task A_transactional_message_cannot_be_delayed_and_a_bad_group_is_refused()
    {
        var topic = await TopicAsync("TxBad");
        var producer = Producer("tx-bad-group", Answers(LocalTransactionState.Commit));
        var delayed = new Message(topic, "x"u8.ToArray(), properties: new Dictionary<string, string> { ["DELAY"] = "3" });
        var e = await Assert.ThrowsAsync<AkkaMqException>(() => producer.SendMessageInTransactionAsync(delayed));
        Assert.Contains("cannot be delayed", e.Message);
        Assert.Throws<ArgumentException>(() => AkkaMqTransactionProducer.Create(fx.Client, "bad group!", Answers(LocalTransactionState.Commit)));
        Assert.Empty(await ReadAsync(topic));
        Assert.Equal(LocalTransactionState.Commit, (await producer.SendMessageInTransactionAsync(Text(topic, "fine"))).LocalTransactionState);
    }
}
