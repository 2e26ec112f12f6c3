using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using AkkaMq.Broker.Stats;

namespace AkkaMq.Broker.Transaction;

/// <summary>
/// Transactional-message figures of this node, per broker group, as instruments of the broker's meter:
/// akkamq_transaction_half_pending (gauge) and the counters akkamq_transaction_committed, _rolled_back, _check_backs and
/// _check_max. The transaction entity of each group publishes them.
/// </summary>
public sealed class TransactionStats : IExtension, IDisposable
{
    /// <summary>One broker group's figures; counters count since this node started serving the group.</summary>
    public sealed class Figures
    {
        public long Pending;
        public long Committed;
        public long RolledBack;
        public long CheckBacks;
        public long CheckMax;
        public long Expired;
    }

    private readonly ConcurrentDictionary<string, Figures> _brokers = new(StringComparer.Ordinal);
    private readonly Meter _meter;

    public TransactionStats()
    {
        // Same meter name as BrokerStats: exporters that listen to "AkkaMq.Broker" see these too.
        _meter = new Meter(BrokerStats.MeterName);
        _meter.CreateObservableGauge("akkamq_transaction_half_pending", () => Measure(f => Volatile.Read(ref f.Pending)), null,
            "Half messages stored and not yet committed or rolled back, per broker group");
        _meter.CreateObservableCounter("akkamq_transaction_committed", () => Measure(f => Interlocked.Read(ref f.Committed)), null,
            "Half messages committed (stored in their topic)");
        _meter.CreateObservableCounter("akkamq_transaction_rolled_back", () => Measure(f => Interlocked.Read(ref f.RolledBack)), null,
            "Half messages rolled back (discarded)");
        _meter.CreateObservableCounter("akkamq_transaction_check_backs", () => Measure(f => Interlocked.Read(ref f.CheckBacks)), null,
            "Check-backs sent to producers (CheckTransactionState)");
        _meter.CreateObservableCounter("akkamq_transaction_check_max", () => Measure(f => Interlocked.Read(ref f.CheckMax)), null,
            "Half messages moved to TRANS_CHECK_MAX_TIME_TOPIC after transactionCheckMax checks");
    }

    public Figures For(string brokerName) => _brokers.GetOrAdd(brokerName, _ => new Figures());

    private IEnumerable<Measurement<long>> Measure(Func<Figures, long> value)
    {
        foreach (var (broker, f) in _brokers)
            yield return new Measurement<long>(value(f), new KeyValuePair<string, object?>("broker_name", broker));
    }

    public void Dispose() => _meter.Dispose();

    public static TransactionStats For(ActorSystem system) => Id.Instance.Apply(system);

    private sealed class Id : ExtensionIdProvider<TransactionStats>
    {
        public static readonly Id Instance = new();

        public override TransactionStats CreateExtension(ExtendedActorSystem system)
        {
            var stats = new TransactionStats();
            system.RegisterOnTermination(stats.Dispose);
            return stats;
        }
    }
}
