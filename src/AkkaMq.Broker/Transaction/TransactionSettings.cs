using Akka.Configuration;

namespace AkkaMq.Broker.Transaction;

/// <summary>
/// Transactional messages, read from <c>akkamq.broker</c>: RocketMQ's transactionTimeOut, transactionCheckInterval and
/// transactionCheckMax, and the bounds of the half-message store (<c>akkamq.broker.transaction</c>).
/// </summary>
/// <param name="MaxPendingMessages">Half messages held undecided at most; further half sends get SYSTEM_BUSY.</param>
/// <param name="MaxPendingBytes">Body bytes of undecided half messages at most (they live in memory until decided).</param>
/// <param name="DeliveryTimeout">How long a commit waits for the real queue's ack before it is answered with an error (and retried on request).</param>
public sealed record TransactionSettings(TimeSpan TransactionTimeOut, TimeSpan TransactionCheckInterval, int TransactionCheckMax,
    int MaxPendingMessages, long MaxPendingBytes, int SnapshotEvery, TimeSpan DeliveryTimeout)
{
    public static readonly TransactionSettings Default = new(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(30), 15, 100_000, 64L << 20, 500,
        TimeSpan.FromSeconds(30));

    /// <summary>How often the transaction entity looks for half messages to check: a quarter of the check interval, so checks land close to it.</summary>
    public TimeSpan ScanInterval => TimeSpan.FromMilliseconds(Math.Max(10, TransactionCheckInterval.TotalMilliseconds / 4));

    public static TransactionSettings Create(Config brokerConfig)
    {
        const string p = "akkamq.broker.";
        var t = brokerConfig.GetConfig("transaction");
        var s = new TransactionSettings(
            brokerConfig.GetTimeSpan("transactionTimeOut"),
            brokerConfig.GetTimeSpan("transactionCheckInterval"),
            brokerConfig.GetInt("transactionCheckMax"),
            t.GetInt("max-pending-messages"),
            (long)(t.GetByteSize("max-pending-bytes") ?? 0),
            t.GetInt("snapshot-every"),
            t.GetTimeSpan("delivery-timeout"));
        if (s.TransactionTimeOut < TimeSpan.Zero) throw new ConfigurationException($"{p}transactionTimeOut must not be negative, not {s.TransactionTimeOut}");
        if (s.TransactionCheckInterval < TimeSpan.FromMilliseconds(10))
            throw new ConfigurationException($"{p}transactionCheckInterval must be at least 10ms, not {s.TransactionCheckInterval}");
        if (s.TransactionCheckMax < 1) throw new ConfigurationException($"{p}transactionCheckMax must be at least 1, not {s.TransactionCheckMax}");
        if (s.MaxPendingMessages < 1) throw new ConfigurationException($"{p}transaction.max-pending-messages must be at least 1, not {s.MaxPendingMessages}");
        if (s.MaxPendingBytes < 1 << 20) throw new ConfigurationException($"{p}transaction.max-pending-bytes must be at least 1 MiB, not {s.MaxPendingBytes} bytes");
        if (s.SnapshotEvery < 1) throw new ConfigurationException($"{p}transaction.snapshot-every must be at least 1, not {s.SnapshotEvery}");
        if (s.DeliveryTimeout <= TimeSpan.Zero) throw new ConfigurationException($"{p}transaction.delivery-timeout must be positive, not {s.DeliveryTimeout}");
        return s;
    }
}
