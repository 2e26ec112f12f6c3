using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Akka.Actor;

namespace AkkaMq.Broker.Stats;

/// <summary>Message and byte counters of one topic on this node; entities add to them once per batch.</summary>
public sealed class TopicStats
{
    internal long MessagesIn, BytesIn, MessagesOut, BytesOut;
    public long MessagesInTotal => Interlocked.Read(ref MessagesIn);
    public long MessagesOutTotal => Interlocked.Read(ref MessagesOut);
    public long BytesInTotal => Interlocked.Read(ref BytesIn);
    public long BytesOutTotal => Interlocked.Read(ref BytesOut);
}

/// <summary>What a live queue log publishes about itself: bounds, last store time and per-group delivered offsets.</summary>
public sealed class QueueStats
{
    internal long MaxOffset, MinOffset, LastStoreTimestamp;
    /// <summary>Per consumer group, the offset after the last message delivered by a pull.</summary>
    internal readonly ConcurrentDictionary<string, long> Delivered = new(StringComparer.Ordinal);
    public long MaxOffsetValue => Volatile.Read(ref MaxOffset);

    // The last BatchCapacity group commits (base offset, store time), oldest first from _head:
    // a message's store time is its batch's, so the lag latency needs no journal read.
    // The rings grow as batches come, so 2,000 idle queues do not hold 64 KiB each of the node's base.
    public const int BatchCapacity = 4096;
    private const int InitialBatchCapacity = 64;
    private readonly object _lock = new();
    private long[] _batchOffsets = new long[InitialBatchCapacity];
    private long[] _batchTimes = new long[InitialBatchCapacity];
    private int _head, _count;

    /// <summary>Batches the rings have room for now (at most <see cref="BatchCapacity"/>).</summary>
    public int BatchRoom => _batchOffsets.Length;

    internal void AddBatch(long baseOffset, long storeTimestamp)
    {
        lock (_lock)
        {
            if (_count == _batchOffsets.Length && _count < BatchCapacity) GrowBatches();
            var length = _batchOffsets.Length;
            var i = (_head + _count) % length;
            _batchOffsets[i] = baseOffset;
            _batchTimes[i] = storeTimestamp;
            if (_count < length) _count++;
            else _head = (_head + 1) % length;
        }
    }

    private void GrowBatches()
    {
        var length = Math.Min(BatchCapacity, _batchOffsets.Length * 2);
        var offsets = new long[length];
        var times = new long[length];
        for (var k = 0; k < _count; k++)
        {
            var j = (_head + k) % _batchOffsets.Length;
            offsets[k] = _batchOffsets[j];
            times[k] = _batchTimes[j];
        }
        _batchOffsets = offsets;
        _batchTimes = times;
        _head = 0;
    }

    /// <summary>Store time of the message at offset; for an offset older than the remembered batches, the oldest one's (a lower bound on its age).</summary>
    public long StoreTimeAt(long offset)
    {
        lock (_lock)
        {
            if (_count == 0) return -1;
            var length = _batchOffsets.Length;
            int lo = 0, hi = _count - 1, found = 0;
            while (lo <= hi)
            {
                var mid = (lo + hi) / 2;
                if (_batchOffsets[(_head + mid) % length] <= offset) { found = mid; lo = mid + 1; }
                else hi = mid - 1;
            }
            return _batchTimes[(_head + found) % length];
        }
    }
}

/// <summary>
/// Per-node broker statistics (an ActorSystem extension, so several nodes in one test process
/// stay apart): the figures behind brokerStatus and the OpenTelemetry instruments of the
/// "AkkaMq.Broker" meter. Entities hold their stats objects, so the hot path pays one
/// Interlocked add per batch, never a lookup per message.
/// </summary>
public sealed class BrokerStats : IExtension, IDisposable
{
    public const string MeterName = "AkkaMq.Broker";

    private readonly ConcurrentDictionary<string, TopicStats> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Topic, int QueueId), QueueStats> _queues = new();
    // (group, topic) -> committed offsets per queue, replaced as a whole on each commit.
    private readonly ConcurrentDictionary<(string Group, string Topic), IReadOnlyDictionary<int, long>> _committed = new();
    // (group, original topic) -> messages stored into %DLQ%group since this node started.
    private readonly ConcurrentDictionary<(string Group, string Topic), StrongBox<long>> _dlq = new();
    // The topics this node's gateway serves; null until it has loaded them. A deleted topic's series
    // leave the scrape, while its counters stay and go on should the topic be created again.
    private volatile FrozenSet<string>? _servedTopics;
    private readonly Meter _meter;
    private readonly Histogram<double> _rpcLatency;
    private string _brokerName = "";

    public BrokerStats()
    {
        BootTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("akkamq_messages_in", () => TopicMeasurements(s => s.MessagesInTotal), null, "Messages stored, per topic");
        _meter.CreateObservableCounter("akkamq_messages_out", () => TopicMeasurements(s => s.MessagesOutTotal), null, "Messages delivered to pulls, per topic");
        _meter.CreateObservableCounter("akkamq_throughput_in", () => TopicMeasurements(s => s.BytesInTotal), "bytes", "Body bytes stored, per topic");
        _meter.CreateObservableCounter("akkamq_throughput_out", () => TopicMeasurements(s => s.BytesOutTotal), "bytes", "Body bytes delivered, per topic");
        _meter.CreateObservableGauge("akkamq_consumer_lag_messages", () => GroupMeasurements(GroupFigure.Lag), null,
            "Stored messages a consumer group has not committed, per group and topic");
        _meter.CreateObservableGauge("akkamq_consumer_ready_messages", () => GroupMeasurements(GroupFigure.Ready), null,
            "Stored messages not yet delivered to the group");
        _meter.CreateObservableGauge("akkamq_consumer_inflight_messages", () => GroupMeasurements(GroupFigure.Inflight), null,
            "Messages delivered to the group but not committed");
        _meter.CreateObservableGauge("akkamq_consumer_lag_latency", LagLatencyMeasurements, "ms",
            "Age of the oldest message a consumer group has not committed, per group and topic (0 without lag)");
        _meter.CreateObservableCounter("akkamq_send_to_dlq_messages", DlqMeasurements, null,
            "Messages the broker stored into a dead-letter topic, per consumer group and original topic");
        _rpcLatency = _meter.CreateHistogram<double>("akkamq_rpc_latency", "ms", "Broker-side latency of send (append to durable ack) and pull requests");
    }

    public long BootTimestamp { get; }

    internal void SetBrokerName(string name) => _brokerName = name;

    internal void SetServedTopics(IEnumerable<string> topics) => _servedTopics = topics.ToFrozenSet(StringComparer.Ordinal);

    private bool Shown(string topic) => _servedTopics is not { } served || served.Contains(topic);

    public TopicStats Topic(string topic) => _topics.GetOrAdd(topic, _ => new TopicStats());

    public QueueStats Queue(string topic, int queueId) => _queues.GetOrAdd((topic, queueId), _ => new QueueStats());

    public long MsgPutTotal
    {
        get { long n = 0; foreach (var t in _topics.Values) n += t.MessagesInTotal; return n; }
    }

    public long MsgGetTotal
    {
        get { long n = 0; foreach (var t in _topics.Values) n += t.MessagesOutTotal; return n; }
    }

    public static void AddIn(TopicStats s, int messages, long bytes)
    {
        Interlocked.Add(ref s.MessagesIn, messages);
        Interlocked.Add(ref s.BytesIn, bytes);
    }

    public static void AddOut(TopicStats s, int messages, long bytes)
    {
        Interlocked.Add(ref s.MessagesOut, messages);
        Interlocked.Add(ref s.BytesOut, bytes);
    }

    public static void Publish(QueueStats q, long minOffset, long maxOffset, long lastStoreTimestamp)
    {
        Volatile.Write(ref q.MinOffset, minOffset);
        Volatile.Write(ref q.MaxOffset, maxOffset);
        Volatile.Write(ref q.LastStoreTimestamp, lastStoreTimestamp);
    }

    public static void Stored(QueueStats q, long baseOffset, long storeTimestamp) => q.AddBatch(baseOffset, storeTimestamp);

    public static void Delivered(QueueStats q, string group, long nextOffset) =>
        q.Delivered.AddOrUpdate(group, static (_, n) => n, static (_, old, n) => Math.Max(old, n), nextOffset);

    public void Committed(string group, string topic, IReadOnlyDictionary<int, long> offsets) => _committed[(group, topic)] = offsets;

    /// <summary>Counted by the DLQ queue once the dead letters are durable, so a refused or failed write is never counted.</summary>
    public void SentToDlq(string group, string originalTopic, int messages) =>
        Interlocked.Add(ref _dlq.GetOrAdd((group, originalTopic), _ => new StrongBox<long>()).Value, messages);

    private IEnumerable<Measurement<long>> DlqMeasurements()
    {
        foreach (var ((group, topic), n) in _dlq)
            yield return new Measurement<long>(Interlocked.Read(ref n.Value), new KeyValuePair<string, object?>("consumer_group", group),
                new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("broker_name", _brokerName));
    }

    public void RecordSendLatency(string topic, long startTimestamp) => RecordLatency("send_message", topic, startTimestamp);

    public void RecordPullLatency(string topic, long startTimestamp) => RecordLatency("pull_message", topic, startTimestamp);

    private void RecordLatency(string requestCode, string topic, long startTimestamp)
    {
        if (!_rpcLatency.Enabled) return;
        _rpcLatency.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds,
            new KeyValuePair<string, object?>("request_code", requestCode), new KeyValuePair<string, object?>("topic", topic));
    }

    private IEnumerable<Measurement<long>> TopicMeasurements(Func<TopicStats, long> value)
    {
        foreach (var (topic, s) in _topics)
            if (Shown(topic))
                yield return new Measurement<long>(value(s), new KeyValuePair<string, object?>("topic", topic),
                    new KeyValuePair<string, object?>("broker_name", _brokerName));
    }

    private enum GroupFigure { Lag, Ready, Inflight }

    private IEnumerable<Measurement<long>> GroupMeasurements(GroupFigure figure)
    {
        foreach (var ((group, topic), offsets) in _committed)
        {
            if (!Shown(topic)) continue;
            long sum = 0;
            var known = false;
            foreach (var (queueId, committed) in offsets)
            {
                // Only queues served (and so published) here: a queue not started since restart is skipped.
                if (!_queues.TryGetValue((topic, queueId), out var q)) continue;
                known = true;
                var max = Volatile.Read(ref q.MaxOffset);
                // Counted from the min offset: messages retention deleted are no longer lag.
                var from = Math.Max(committed, Volatile.Read(ref q.MinOffset));
                var delivered = q.Delivered.TryGetValue(group, out var d) ? Math.Max(d, from) : from;
                sum += figure switch
                {
                    GroupFigure.Lag => Math.Max(0, max - from),
                    GroupFigure.Ready => Math.Max(0, max - delivered),
                    _ => Math.Max(0, delivered - from),
                };
            }
            if (known)
                yield return new Measurement<long>(sum, new KeyValuePair<string, object?>("consumer_group", group),
                    new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("broker_name", _brokerName));
        }
    }

    private IEnumerable<Measurement<long>> LagLatencyMeasurements()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var ((group, topic), offsets) in _committed)
        {
            if (!Shown(topic)) continue;
            long oldest = 0;
            var known = false;
            foreach (var (queueId, committed) in offsets)
            {
                if (!_queues.TryGetValue((topic, queueId), out var q)) continue;
                known = true;
                var from = Math.Max(committed, Volatile.Read(ref q.MinOffset));
                if (from >= Volatile.Read(ref q.MaxOffset)) continue;
                var stored = q.StoreTimeAt(from);
                if (stored > 0) oldest = Math.Max(oldest, now - stored);
            }
            if (known)
                yield return new Measurement<long>(oldest, new KeyValuePair<string, object?>("consumer_group", group),
                    new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("broker_name", _brokerName));
        }
    }

    public void Dispose() => _meter.Dispose();
}

public sealed class BrokerStatsExtension : ExtensionIdProvider<BrokerStats>
{
    public static readonly BrokerStatsExtension Instance = new();

    public override BrokerStats CreateExtension(ExtendedActorSystem system)
    {
        var stats = new BrokerStats();
        system.RegisterOnTermination(stats.Dispose);
        return stats;
    }

    public static BrokerStats For(ActorSystem system) => Instance.Apply(system);
}
