using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests.Transaction;

/// <summary>Half messages and decisions survive a restart of the node on the same data directory.</summary>
public sealed class TransactionRestartTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dataDir = new("akkamq-tx-restart-");

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public async Task A_half_message_pending_at_a_restart_commits_once_afterwards_and_decisions_stay_decided()
    {
        string pending, committed, rolledBack;
        await using (var first = await BrokerSession.StartAsync(output, "akkamq.broker.transaction.snapshot-every = 2", _dataDir.Path))
        {
            first.CreateTopic("TxRestart", 1);
            var tx = new TransactionDriver(first);
            committed = tx.SendHalf("TxRestart", "before");
            rolledBack = tx.SendHalf("TxRestart", "never");
            pending = tx.SendHalf("TxRestart", "after", keys: "k-after");
            tx.EndOk("TxRestart", committed, TransactionResolution.Commit);
            tx.EndOk("TxRestart", rolledBack, TransactionResolution.Rollback);
        }

        await using var second = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path);
        var again = new TransactionDriver(second);
        Assert.Equal(pending, Assert.Single(again.Pending("TxRestart").Messages).TransactionId);
        Assert.Equal(1, second.MaxOffset("TxRestart", 0));
        Assert.Equal(1, again.EndOk("TxRestart", pending, TransactionResolution.Commit).QueueOffset);
        Assert.Equal(0, again.EndOk("TxRestart", committed, TransactionResolution.Commit).QueueOffset);
        Assert.Equal(ResponseCode.InvalidTransactionId, again.End("TxRestart", rolledBack, TransactionResolution.Commit).Code);
        Assert.Equal(new[] { "before", "after" }, second.PullAll("TxRestart", 0, 2).Select(TransactionDriver.Body));
        Assert.Equal(2, second.MaxOffset("TxRestart", 0));
        // New half messages continue the offsets: no transaction id is reused.
        var next = again.SendHalf("TxRestart", "new");
        Assert.True(TransactionIds.TryParse(second.BrokerName, next, out var offset));
        Assert.Equal(3, offset);
    }
}
