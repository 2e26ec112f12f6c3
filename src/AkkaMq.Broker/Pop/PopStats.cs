using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using AkkaMq.Broker.Stats;

namespace AkkaMq.Broker.Pop;

/// <summary>
/// POP consumption figures of this node: messages in flight (handed out, not yet acked: invisible
/// or waiting for redelivery) per consumer group and topic, as the gauge
/// akkamq_consumer_pop_inflight_messages of the broker's meter. Each POP entity publishes its count.
/// </summary>
public sealed class PopStats : IExtension, IDisposable
{
    private readonly ConcurrentDictionary<(string Broker, string Group, string Topic, int QueueId), int> _inFlight = new();
    private readonly Meter _meter;

    public PopStats()
    {
        // Same meter name as BrokerStats: exporters that listen to "AkkaMq.Broker" see this gauge too.
        _meter = new Meter(BrokerStats.MeterName);
        _meter.CreateObservableGauge("akkamq_consumer_pop_inflight_messages", Measurements, null,
            "Messages a POP consumer group received and has not acked (invisible or awaiting redelivery), per group and topic");
    }

    public void InFlight(string broker, string group, string topic, int queueId, int count) => _inFlight[(broker, group, topic, queueId)] = count;

    public void Gone(string broker, string group, string topic, int queueId) => _inFlight.TryRemove((broker, group, topic, queueId), out _);

    /// <summary>The group's messages in flight on the topic, over the queues whose POP entities are live on this node.</summary>
    public long Total(string group, string topic)
    {
        long n = 0;
        foreach (var ((_, g, t, _), count) in _inFlight)
            if (g == group && t == topic) n += count;
        return n;
    }

    private IEnumerable<Measurement<long>> Measurements()
    {
        var sums = new Dictionary<(string, string, string), long>();
        foreach (var ((broker, group, topic, _), count) in _inFlight)
            sums[(broker, group, topic)] = sums.GetValueOrDefault((broker, group, topic)) + count;
        foreach (var ((broker, group, topic), n) in sums)
            yield return new Measurement<long>(n, new KeyValuePair<string, object?>("consumer_group", group),
                new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("broker_name", broker));
    }

    public void Dispose() => _meter.Dispose();

    public static PopStats For(ActorSystem system) => Id.Instance.Apply(system);

    private sealed class Id : ExtensionIdProvider<PopStats>
    {
        public static readonly Id Instance = new();

        public override PopStats CreateExtension(ExtendedActorSystem system)
        {
            var stats = new PopStats();
            system.RegisterOnTermination(stats.Dispose);
            return stats;
        }
    }
}
