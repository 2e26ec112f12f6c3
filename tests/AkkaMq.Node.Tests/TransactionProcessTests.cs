using System.Collections.Concurrent;
using System.Text;
using AkkaMq.Client;
using AkkaMq.Protocol;

namespace AkkaMq.Node.Tests;

/// <summary>
/// A broker SIGKILLed between a half message and its commit: after the restart the decision lands (the producer's
/// check-back answer), what was committed before the kill is still there once, and nothing rolled back is delivered.
/// </summary>
public sealed class TransactionProcessTests : IDisposable
{
    private const string Topic = "TxAfterKill";
    private const string Group = "tx-kill-group";
    private readonly ITestOutputHelper _output;
    private readonly StandaloneNodeProcess _process = new StandaloneNodeProcess("akkamq-tx-").WriteConfig("""
        akkamq.proxy.grpc.port = -1
        akkamq.broker.transactionTimeOut = 1s
        akkamq.broker.transactionCheckInterval = 500ms
        """);

    public TransactionProcessTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _process.Dispose();

    /// <summary>Commits what the test's "database" committed, rolls back the rest: the check answers from the same truth.</summary>
    private sealed class Ledger : ITransactionListener
    {
        public readonly ConcurrentDictionary<string, LocalTransactionState> Decided = new();
        public readonly TaskCompletionSource Executing = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<LocalTransactionState> Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Checks;

        public async Task<LocalTransactionState> ExecuteLocalTransaction(Message message, object? arg)
        {
            var key = message.Keys!;
            if (key == "in-doubt")
            {
                Executing.TrySetResult();
                Decided[key] = await Gate.Task;
                // The broker is dead by now: the decision cannot reach it, only the check-back can.
                return Decided[key];
            }
            return Decided[key] = key.StartsWith("commit", StringComparison.Ordinal) ? LocalTransactionState.Commit : LocalTransactionState.Rollback;
        }

        public Task<LocalTransactionState> CheckLocalTransaction(MessageExt message)
        {
            Interlocked.Increment(ref Checks);
            return Task.FromResult(Decided.GetValueOrDefault(message.Keys!, LocalTransactionState.Unknown));
        }
    }

    [Fact]
    public async Task After_a_SIGKILL_between_half_message_and_commit_the_commit_lands_and_nothing_rolled_back_is_delivered()
    {
        var ledger = new Ledger();
        var client = _process.Client("tx-client", """
                akkamq.client.producer.heartbeatBrokerInterval = 1s
                # A loaded shared runner answers slowly; the default 3 s is for a quiet one.
                akkamq.client.request-timeout = 10s
                """);
        try
        {
            Task<TransactionSendResult> inDoubt;
            using (var node = await _process.StartAsync())
            {
                var context = AkkaMqPullConsumer.Create(client, "tx-kill-reader").Context;
                await Eventually.ReturnsAsync(() => context.CreateTopicAsync(TopicConfig.Create(Topic, 2)), TimeSpan.FromSeconds(60),
                    TimeSpan.FromMilliseconds(500), retryWhen: e => e is AkkaMqException);
                var producer = AkkaMqTransactionProducer.Create(client, Group, ledger);
                foreach (var key in new[] { "commit-before", "rollback-before" })
                    await Eventually.ReturnsAsync(() => producer.SendMessageInTransactionAsync(Message.FromText(Topic, key, keys: key)),
                        TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250), retryWhen: e => e is AkkaMqException);
                inDoubt = producer.SendMessageInTransactionAsync(Message.FromText(Topic, "in-doubt", keys: "in-doubt"));
                await ledger.Executing.Task.WaitAsync(TimeSpan.FromSeconds(30));
                node.Kill();
                _output.WriteLine($"killed node pid {node.Pid} with SIGKILL while the local transaction of 'in-doubt' ran");
            }
            // The local transaction commits while the broker is down: its EndTransaction is lost.
            ledger.Gate.SetResult(LocalTransactionState.Commit);
            Assert.Equal(LocalTransactionState.Commit, (await inDoubt.WaitAsync(TimeSpan.FromSeconds(60))).LocalTransactionState);

            using (var node = await _process.StartAsync())
            {
                var consumer = AkkaMqPullConsumer.Create(client, "tx-kill-reader");
                var bodies = new List<string>();
                await Eventually.AssertAsync(async () =>
                {
                    bodies.Clear();
                    foreach (var q in await consumer.FetchSubscribeMessageQueuesAsync(Topic))
                        bodies.AddRange((await consumer.PullAsync(q, "*", 0, 100)).Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
                    Assert.Contains("in-doubt", bodies);
                }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(250));
                _output.WriteLine($"after the restart: {string.Join(", ", bodies)}; {ledger.Checks} check-back(s)");
                Assert.Equal(1, bodies.Count(b => b == "in-doubt"));
                Assert.Equal(1, bodies.Count(b => b == "commit-before"));
                Assert.DoesNotContain("rollback-before", bodies);
                Assert.True(ledger.Checks >= 1, "the decision lost with the broker came back through a check-back");
                await node.TerminateAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            await client.Terminate();
        }
    }
}
