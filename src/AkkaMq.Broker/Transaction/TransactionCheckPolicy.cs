using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Transaction;

/// <summary>What the transaction entity does with an undecided half message now.</summary>
public enum HalfCheckDecision
{
    /// <summary>Not due: younger than transactionTimeOut (or its immunity time), or checked less than an interval ago.</summary>
    Wait,
    /// <summary>Ask a live producer of its group (CheckTransactionState).</summary>
    Check,
    /// <summary>transactionCheckMax checks went unanswered: store it in TRANS_CHECK_MAX_TIME_TOPIC.</summary>
    CheckMax,
    /// <summary>Older than retention (fileReservedTime): drop it.</summary>
    Expire,
}

/// <summary>
/// RocketMQ's check-back rules (TransactionalMessageServiceImpl.check), on timestamps in milliseconds: the first check
/// once the half message is transactionTimeOut old (or CHECK_IMMUNITY_TIME_IN_SECONDS, when the message sets it), then one
/// every transactionCheckInterval; an interval after the transactionCheckMax-th check it goes to TRANS_CHECK_MAX_TIME_TOPIC.
/// </summary>
public sealed class TransactionCheckPolicy
{
    private readonly long _timeout;
    private readonly long _interval;
    private readonly int _checkMax;
    private readonly long _retention;

    /// <param name="retention">fileReservedTime; null keeps half messages until decided or checked out.</param>
    public TransactionCheckPolicy(TimeSpan timeout, TimeSpan interval, int checkMax, TimeSpan? retention)
    {
        _timeout = (long)timeout.TotalMilliseconds;
        _interval = (long)interval.TotalMilliseconds;
        _checkMax = checkMax;
        _retention = retention is { } r ? (long)r.TotalMilliseconds : long.MaxValue;
    }

    public HalfCheckDecision Decide(long storeTimestamp, int checkCount, long lastCheckTimestamp, long immunityMillis, long now)
    {
        if (now - storeTimestamp > _retention) return HalfCheckDecision.Expire;
        var due = checkCount == 0 ? storeTimestamp + (immunityMillis > 0 ? immunityMillis : _timeout) : lastCheckTimestamp + _interval;
        if (now < due) return HalfCheckDecision.Wait;
        return checkCount >= _checkMax ? HalfCheckDecision.CheckMax : HalfCheckDecision.Check;
    }

    /// <summary>CHECK_IMMUNITY_TIME_IN_SECONDS in milliseconds; 0 when absent or not a positive number (then transactionTimeOut applies, as in RocketMQ).</summary>
    public static long ImmunityMillis(IReadOnlyDictionary<string, string> properties) =>
        properties.Count > 0 && properties.TryGetValue(TransactionConst.CheckImmunityTimeInSeconds, out var s) && long.TryParse(s, out var n) && n > 0
            ? Math.Min(n, long.MaxValue / 1000) * 1000
            : 0;
}
