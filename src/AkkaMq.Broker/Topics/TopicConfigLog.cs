using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Topics;

/// <summary>
/// The topic configurations of one broker group (RocketMQ's topics.json), persisted in the
/// group's shard so every node that serves the group sees the same table. Its journal is
/// compacted at every snapshot (<see cref="CompactingPersistentActor"/>). deleteTopic removes the
/// topic at once (<see cref="TopicPurgeStarted"/>), purges its messages and offsets with a
/// <see cref="TopicPurger"/>, records <see cref="TopicConfigDeleted"/> and only then answers; a purge
/// without that record is resumed after recovery, and no snapshot is taken while one is pending,
/// so the record of a pending purge is never compacted away. The name cannot be created again until its purge is done.
/// </summary>
public sealed class TopicConfigLog : CompactingPersistentActor, IWithTimers
{
    private sealed record RetryPurge(string Topic);

    private readonly string _brokerName;
    private readonly Dictionary<string, TopicConfig> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TopicConfig> _purging = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _purgeWaiters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _purgeRunning = new(StringComparer.Ordinal);
    private readonly string? _shardRegionName;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly int _snapshotEvery;
    private int _eventsSinceSnapshot;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="snapshotEvery">Changes between snapshots; topic changes are rare, so a constant (tests pass a small one).</param>
    /// <param name="shardRegionName">The broker region, to purge a deleted topic's queues and offsets; without one (the table alone, in tests) deleteTopic removes only the config.</param>
    /// <param name="autoCreateQueueLimit">Queues past which auto-create is refused (<see cref="AutoCreateCap"/>).</param>
    public static Props Props(string brokerName, int snapshotEvery = DefaultSnapshotEvery, string? shardRegionName = null,
        int autoCreateQueueLimit = int.MaxValue) =>
        Akka.Actor.Props.Create(() => new TopicConfigLog(brokerName, snapshotEvery, shardRegionName, autoCreateQueueLimit));

    public const int DefaultSnapshotEvery = 100;

    /// <summary>How long one step of a purge (a queue's batch, the offsets) may take before the purge is retried.</summary>
    public static readonly TimeSpan PurgeStepTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Wait before a failed purge runs again.</summary>
    public static readonly TimeSpan PurgeRetryAfter = TimeSpan.FromSeconds(5);

    public static string PersistenceIdFor(string brokerName) => $"topics|{brokerName}";

    public override string PersistenceId { get; }

    public TopicConfigLog(string brokerName, int snapshotEvery, string? shardRegionName = null, int autoCreateQueueLimit = int.MaxValue)
    {
        _brokerName = brokerName;
        _snapshotEvery = snapshotEvery;
        _shardRegionName = shardRegionName;
        PersistenceId = PersistenceIdFor(brokerName);

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not TopicConfigsSnapshot s) return;
            _topics.Clear();
            foreach (var t in s.Configs) _topics[t.TopicName] = t;
        });
        Recover<TopicConfigChanged>(e => _topics[e.Config.TopicName] = e.Config);
        Recover<TopicConfigDeleted>(e =>
        {
            _topics.Remove(e.Topic);
            _purging.Remove(e.Topic);
        });
        Recover<TopicPurgeStarted>(e =>
        {
            _topics.Remove(e.Config.TopicName);
            _purging[e.Config.TopicName] = e.Config;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var t in _purging.Keys) _log.Info("Resuming the purge of deleted topic '{0}' on broker {1}", t, _brokerName);
            foreach (var t in _purging.Keys.ToList()) StartPurge(t);
        });

        Command<UpdateTopicConfig>(m =>
        {
            var c = m.Config;
            var error = Validators.CheckTopic(c.TopicName);
            if (error == null && _purging.ContainsKey(c.TopicName))
                error = $"topic '{c.TopicName}' is being deleted on broker '{_brokerName}' (its messages and offsets are purged); create it again once deleteTopic has finished";
            if (error == null && (c.ReadQueueNums < 1 || c.WriteQueueNums < 1)) error = "queue counts must be at least 1";
            if (error == null && !Perm.IsValid(c.Perm)) error = $"perm {c.Perm} is not a valid permission (0..7)";
            if (error == null && m.AutoCreate) error = AutoCreateCap.Check(_topics, c, autoCreateQueueLimit, _brokerName);
            if (error == null)
            {
                // Message ids carry a hash of the topic; two topics with one hash on a broker would make ids ambiguous.
                var hash = MessageId.Hash(c.TopicName);
                foreach (var t in _topics.Keys)
                    if (t != c.TopicName && MessageId.Hash(t) == hash)
                        error = $"topic '{c.TopicName}' has the same id hash as the existing topic '{t}' on broker {_brokerName}; choose another name";
            }
            // The request's attributes are RocketMQ's alteration map, applied to what the topic has (none keeps them).
            _topics.TryGetValue(c.TopicName, out var existing);
            if (error == null && TopicAttributes.TryAlter(existing?.Attributes ?? TopicAttributes.Empty, c.Attributes, out var attributes, out error))
                c = c with { Attributes = attributes };
            if (error != null)
            {
                Sender.Tell(new UpdateTopicConfigReply(_brokerName, c.TopicName, null, ResponseCode.MessageIllegal, error));
                return;
            }
            if (existing == c)
            {
                Sender.Tell(new UpdateTopicConfigReply(_brokerName, c.TopicName, c, ResponseCode.Success, null));
                return;
            }
            var replyTo = Sender;
            Persist(new TopicConfigChanged(c), e =>
            {
                _topics[e.Config.TopicName] = e.Config;
                replyTo.Tell(new UpdateTopicConfigReply(_brokerName, c.TopicName, c, ResponseCode.Success, null));
                Changed();
            });
        });
        Command<DeleteTopicInBroker>(OnDelete);
        Command<TopicPurgeFinished>(OnPurgeFinished);
        Command<RetryPurge>(r => StartPurge(r.Topic));
        Command<GetTopicConfigs>(_ => Sender.Tell(new TopicConfigs(_brokerName, _topics.Values.ToList())));
        Command<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }

    private void OnDelete(DeleteTopicInBroker m)
    {
        if (_purging.ContainsKey(m.Topic) && _shardRegionName != null)
        {
            AddWaiter(m.Topic, Sender); // deleted a moment ago and still purging: answer with that purge
            return;
        }
        if (!_topics.TryGetValue(m.Topic, out var config))
        {
            Sender.Tell(new DeleteTopicReply(m.Topic, ResponseCode.TopicNotExist, $"topic '{m.Topic}' does not exist on broker '{_brokerName}'",
                Array.Empty<string>()));
            return;
        }
        var replyTo = Sender;
        if (_shardRegionName == null)
        {
            Persist(new TopicConfigDeleted(m.Topic), e =>
            {
                _topics.Remove(e.Topic);
                replyTo.Tell(new DeleteTopicReply(e.Topic, ResponseCode.Success, null, new[] { _brokerName }));
                Changed();
            });
            return;
        }
        Persist(new TopicPurgeStarted(config), e =>
        {
            _topics.Remove(e.Config.TopicName);
            _purging[e.Config.TopicName] = e.Config;
            _eventsSinceSnapshot++;
            AddWaiter(e.Config.TopicName, replyTo);
            StartPurge(e.Config.TopicName);
        });
    }

    private void AddWaiter(string topic, IActorRef requester)
    {
        if (!_purgeWaiters.TryGetValue(topic, out var list)) _purgeWaiters[topic] = list = new List<IActorRef>();
        list.Add(requester);
    }

    private void StartPurge(string topic)
    {
        if (_shardRegionName == null || !_purging.TryGetValue(topic, out var config) || !_purgeRunning.Add(topic)) return;
        var region = ClusterSharding.Get(Context.System).ShardRegion(_shardRegionName);
        Context.ActorOf(TopicPurger.Props(_brokerName, config, region, PurgeStepTimeout));
    }

    private void OnPurgeFinished(TopicPurgeFinished m)
    {
        _purgeRunning.Remove(m.Topic);
        if (m.Error != null)
        {
            _log.Warning("Purge of deleted topic '{0}' on broker {1} failed, retrying in {2}: {3}", m.Topic, _brokerName, PurgeRetryAfter, m.Error);
            if (_purgeWaiters.Remove(m.Topic, out var failed))
                foreach (var r in failed)
                    r.Tell(new DeleteTopicReply(m.Topic, ResponseCode.SystemError,
                        $"topic '{m.Topic}' was removed from broker '{_brokerName}' but purging its messages failed ({m.Error}); the broker retries by itself, run deleteTopic again to wait for it",
                        Array.Empty<string>()));
            Timers.StartSingleTimer("retry-" + m.Topic, new RetryPurge(m.Topic), PurgeRetryAfter);
            return;
        }
        Persist(new TopicConfigDeleted(m.Topic), e =>
        {
            _purging.Remove(e.Topic);
            _log.Info("Deleted topic '{0}' purged on broker {1}: {2} messages, offsets of {3} consumer groups", e.Topic, _brokerName,
                m.DeletedMessages, m.Groups);
            if (_purgeWaiters.Remove(e.Topic, out var list))
                foreach (var r in list) r.Tell(new DeleteTopicReply(e.Topic, ResponseCode.Success, null, new[] { _brokerName }));
            Changed();
        });
    }

    /// <summary>Counts a persisted change; snapshots wait while a purge is pending, as a snapshot would compact its record away.</summary>
    private void Changed()
    {
        if (++_eventsSinceSnapshot < _snapshotEvery || _purging.Count > 0) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(new TopicConfigsSnapshot(_topics.Values.ToList()));
    }
}
