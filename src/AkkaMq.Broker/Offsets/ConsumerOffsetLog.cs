using Akka.Actor;
using Akka.Persistence;
using AkkaMq.Broker.Stats;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Offsets;

/// <summary>
/// Committed offsets of one consumer group on one topic of a broker group. It lives in the same
/// shard as the topic's queues, so it moves (and fails over) together with them. Its journal is
/// compacted at every snapshot (<see cref="CompactingPersistentActor"/>).
/// </summary>
public sealed class ConsumerOffsetLog : CompactingPersistentActor
{
    private readonly string _group;
    private readonly string _topic;
    private readonly int _snapshotEvery;
    private readonly Dictionary<int, long> _offsets = new();
    private long _lastCommitTimestamp;
    private int _eventsSinceSnapshot;
    private readonly BrokerStats _stats = BrokerStatsExtension.For(Context.System);

    public static Props Props(string brokerName, string group, string topic, int snapshotEvery) =>
        Akka.Actor.Props.Create(() => new ConsumerOffsetLog(brokerName, group, topic, snapshotEvery));

    public static string PersistenceIdFor(string brokerName, string group, string topic) => $"offset|{brokerName}|{group}|{topic}";

    public override string PersistenceId { get; }

    public ConsumerOffsetLog(string brokerName, string group, string topic, int snapshotEvery)
    {
        _group = group;
        _topic = topic;
        _snapshotEvery = snapshotEvery;
        PersistenceId = PersistenceIdFor(brokerName, group, topic);

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not ConsumerOffsetsSnapshot s) return;
            _offsets.Clear();
            foreach (var kv in s.Offsets) _offsets[kv.Key] = kv.Value;
            _lastCommitTimestamp = s.LastCommitTimestamp;
            PublishOffsets();
        });
        Recover<ConsumerOffsetsCommitted>(Apply);
        Recover<ConsumerOffsetsDeleted>(_ => Clear());

        Command<CommitConsumerOffsets>(m =>
        {
            foreach (var kv in m.Offsets)
                if (kv.Value < 0 || kv.Key < 0)
                {
                    Sender.Tell(new CommitConsumerOffsetsReply(_group, _topic, ResponseCode.OffsetIllegal,
                        $"cannot commit offset {kv.Value} for queue {kv.Key}: offsets and queue ids are never negative"));
                    return;
                }
            var evt = new ConsumerOffsetsCommitted(m.Offsets, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var replyTo = Sender;
            Persist(evt, e =>
            {
                Apply(e);
                replyTo.Tell(new CommitConsumerOffsetsReply(_group, _topic, ResponseCode.Success, null));
                if (++_eventsSinceSnapshot >= _snapshotEvery)
                {
                    _eventsSinceSnapshot = 0;
                    SaveSnapshot(new ConsumerOffsetsSnapshot(new Dictionary<int, long>(_offsets), _lastCommitTimestamp));
                }
            });
        });
        Command<QueryConsumerOffset>(m =>
        {
            Sender.Tell(_offsets.TryGetValue(m.QueueId, out var offset)
                ? new ConsumerOffsetReply(_group, _topic, m.QueueId, offset, ResponseCode.Success, null)
                : new ConsumerOffsetReply(_group, _topic, m.QueueId, -1, ResponseCode.QueryNotFound,
                    $"consumer group '{_group}' has no committed offset on {_topic}:{m.QueueId}"));
        });
        Command<GetConsumerOffsets>(_ => Sender.Tell(new ConsumerOffsets(_group, _topic, new Dictionary<int, long>(_offsets),
            _offsets.Count == 0 ? -1 : _lastCommitTimestamp, ResponseCode.Success, null)));
        Command<Topics.PurgeConsumerOffsets>(OnPurge);
        Command<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    /// <summary>deleteTopic: the offsets go in one durable event; an empty snapshot then lets compaction drop the older events.</summary>
    private void OnPurge(Topics.PurgeConsumerOffsets m)
    {
        var removed = _offsets.Count;
        if (removed == 0)
        {
            Sender.Tell(new Topics.ConsumerOffsetsPurged(_group, _topic, 0));
            return;
        }
        var replyTo = Sender;
        Persist(new ConsumerOffsetsDeleted(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), _ =>
        {
            Clear();
            replyTo.Tell(new Topics.ConsumerOffsetsPurged(_group, _topic, removed));
            _eventsSinceSnapshot = 0;
            SaveSnapshot(new ConsumerOffsetsSnapshot(new Dictionary<int, long>(), 0));
        });
    }

    private void Clear()
    {
        _offsets.Clear();
        _lastCommitTimestamp = 0;
        PublishOffsets();
    }

    private void Apply(ConsumerOffsetsCommitted e)
    {
        foreach (var kv in e.Offsets) _offsets[kv.Key] = kv.Value;
        _lastCommitTimestamp = e.Timestamp;
        PublishOffsets();
    }

    // The lag gauges read a copy; commits are per batch, so one copy each is cheap.
    private void PublishOffsets() => _stats.Committed(_group, _topic, new Dictionary<int, long>(_offsets));
}
