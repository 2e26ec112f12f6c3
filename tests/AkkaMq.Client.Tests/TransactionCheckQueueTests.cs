namespace AkkaMq.Client.Tests;

public sealed class TransactionCheckQueueTests
{
    [Fact]
    public void A_check_repeated_while_the_first_runs_is_dropped_and_runs_again_once_the_first_is_done()
    {
        var q = new TransactionCheckQueue(maxRunning: 4);
        Assert.True(q.TryStart("tx-1"));
        Assert.False(q.TryStart("tx-1"));
        Assert.True(q.TryStart("tx-2"));
        q.Done("tx-1");
        Assert.True(q.TryStart("tx-1"));
        Assert.Equal(2, q.Running);
    }

    [Fact]
    public void Past_max_running_checks_are_dropped_until_one_ends()
    {
        var q = new TransactionCheckQueue(maxRunning: 2);
        Assert.True(q.TryStart("a"));
        Assert.True(q.TryStart("b"));
        Assert.False(q.TryStart("c"));
        q.Done("a");
        Assert.True(q.TryStart("c"));
    }

    [Fact]
    public void A_queue_that_could_run_nothing_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TransactionCheckQueue(0));
        Assert.Contains("at least one", e.Message);
    }
}
