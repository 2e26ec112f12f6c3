using AkkaMq.Broker.Transaction;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests.Transaction;

/// <summary>When an undecided half message is checked back, moved to TRANS_CHECK_MAX_TIME_TOPIC or dropped (manual timestamps).</summary>
public sealed class TransactionCheckPolicyTests
{
    private const long Stored = 1_700_000_000_000;
    private readonly TransactionCheckPolicy _policy = new(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(30), 15, TimeSpan.FromHours(72));

    private HalfCheckDecision At(long sinceStore, int checks = 0, long lastCheckSinceStore = 0, long immunity = 0) =>
        _policy.Decide(Stored, checks, checks == 0 ? 0 : Stored + lastCheckSinceStore, immunity, Stored + sinceStore);

    [Fact]
    public void The_first_check_comes_transactionTimeOut_after_the_store()
    {
        Assert.Equal(HalfCheckDecision.Wait, At(0));
        Assert.Equal(HalfCheckDecision.Wait, At(5_999));
        Assert.Equal(HalfCheckDecision.Check, At(6_000));
    }

    [Fact]
    public void Later_checks_are_transactionCheckInterval_apart()
    {
        Assert.Equal(HalfCheckDecision.Wait, At(35_999, checks: 1, lastCheckSinceStore: 6_000));
        Assert.Equal(HalfCheckDecision.Check, At(36_000, checks: 1, lastCheckSinceStore: 6_000));
    }

    [Fact]
    public void An_interval_after_the_last_allowed_check_it_reaches_check_max()
    {
        Assert.Equal(HalfCheckDecision.Check, At(500_000, checks: 14, lastCheckSinceStore: 400_000));
        Assert.Equal(HalfCheckDecision.Wait, At(429_999, checks: 15, lastCheckSinceStore: 400_000));
        Assert.Equal(HalfCheckDecision.CheckMax, At(430_000, checks: 15, lastCheckSinceStore: 400_000));
    }

    [Fact]
    public void CHECK_IMMUNITY_TIME_IN_SECONDS_replaces_the_timeout_for_the_first_check()
    {
        Assert.Equal(HalfCheckDecision.Wait, At(59_999, immunity: 60_000));
        Assert.Equal(HalfCheckDecision.Check, At(60_000, immunity: 60_000));
        // Shorter than the timeout works too, as in RocketMQ.
        Assert.Equal(HalfCheckDecision.Check, At(1_000, immunity: 1_000));
    }

    [Fact]
    public void Immunity_is_read_from_the_property_and_ignored_when_not_a_positive_number()
    {
        Dictionary<string, string> P(string v) => new() { [TransactionConst.CheckImmunityTimeInSeconds] = v };
        Assert.Equal(60_000, TransactionCheckPolicy.ImmunityMillis(P("60")));
        Assert.Equal(0, TransactionCheckPolicy.ImmunityMillis(P("-1")));
        Assert.Equal(0, TransactionCheckPolicy.ImmunityMillis(P("soon")));
        Assert.Equal(0, TransactionCheckPolicy.ImmunityMillis(new Dictionary<string, string>()));
    }

    [Fact]
    public void A_half_message_older_than_retention_expires_whatever_its_checks()
    {
        Assert.Equal(HalfCheckDecision.Expire, At((long)TimeSpan.FromHours(72).TotalMilliseconds + 1, checks: 3, lastCheckSinceStore: 100));
        var keepForever = new TransactionCheckPolicy(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(30), 15, null);
        Assert.Equal(HalfCheckDecision.Check, keepForever.Decide(0, 0, 0, 0, long.MaxValue / 2));
    }
}
