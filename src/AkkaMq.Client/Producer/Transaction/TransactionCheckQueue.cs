namespace AkkaMq.Client;

/// <summary>
/// Which of the brokers' check-backs a transaction producer runs: one at a time per transaction (a check repeated while
/// the listener still answers the first is dropped) and at most MaxRunning at once (RocketMQ's checkRequestHoldMax).
/// A dropped check costs nothing: the broker asks again after transactionCheckInterval.
/// </summary>
public sealed class TransactionCheckQueue
{
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);

    public TransactionCheckQueue(int maxRunning)
    {
        if (maxRunning < 1) throw new ArgumentOutOfRangeException(nameof(maxRunning), maxRunning, "at least one check must be able to run");
        MaxRunning = maxRunning;
    }

    public int MaxRunning { get; }

    public int Running => _running.Count;

    /// <summary>True when the check of transactionId should run now; false when it runs already or too many run.</summary>
    public bool TryStart(string transactionId) => _running.Count < MaxRunning && _running.Add(transactionId);

    /// <summary>The listener answered (or failed) the check of transactionId.</summary>
    public void Done(string transactionId) => _running.Remove(transactionId);
}
