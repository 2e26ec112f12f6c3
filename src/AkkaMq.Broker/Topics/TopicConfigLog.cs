using Akka.Actor;
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
/// compacted at every snapshot (<see cref="CompactingPersistentActor"/>).
/// </summary>
public sealed class TopicConfigLog : CompactingPersistentActor
{
    private readonly string _brokerName;
    private readonly Dictionary<string, TopicConfig> _topics = new(StringComparer.Ordinal);
    private readonly int _snapshotEvery;
    private int _eventsSinceSnapshot;

    /// <param name="snapshotEvery">Changes between snapshots; topic changes are rare, so a constant (tests pass a small one).</param>
    /// <param name="autoCreateQueueLimit">Queues past which auto-create is refused (<see cref="AutoCreateCap"/>).</param>
    public static Props Props(string brokerName, int snapshotEvery = DefaultSnapshotEvery, int autoCreateQueueLimit = int.MaxValue) =>
        Akka.Actor.Props.Create(() => new TopicConfigLog(brokerName, snapshotEvery, autoCreateQueueLimit));

    public const int DefaultSnapshotEvery = 100;

    public static string PersistenceIdFor(string brokerName) => $"topics|{brokerName}";

    public override string PersistenceId { get; }

    public TopicConfigLog(string brokerName, int snapshotEvery, int autoCreateQueueLimit = int.MaxValue)
    {
        _brokerName = brokerName;
        _snapshotEvery = snapshotEvery;
        PersistenceId = PersistenceIdFor(brokerName);

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not TopicConfigsSnapshot s) return;
            _topics.Clear();
            foreach (var t in s.Configs) _topics[t.TopicName] = t;
        });
        Recover<TopicConfigChanged>(e => _topics[e.Config.TopicName] = e.Config);
        Recover<TopicConfigDeleted>(e => _topics.Remove(e.Topic));

        Command<UpdateTopicConfig>(m =>
        {
            var c = m.Config;
            var error = Validators.CheckTopic(c.TopicName);
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
                if (++_eventsSinceSnapshot >= _snapshotEvery)
                {
                    _eventsSinceSnapshot = 0;
                    SaveSnapshot(new TopicConfigsSnapshot(_topics.Values.ToList()));
                }
            });
        });
        Command<DeleteTopicInBroker>(m =>
        {
            if (!_topics.ContainsKey(m.Topic))
            {
                Sender.Tell(new DeleteTopicReply(m.Topic, ResponseCode.TopicNotExist, $"topic '{m.Topic}' does not exist on broker '{_brokerName}'",
                    Array.Empty<string>()));
                return;
            }
            var replyTo = Sender;
            Persist(new TopicConfigDeleted(m.Topic), e =>
            {
                _topics.Remove(e.Topic);
                replyTo.Tell(new DeleteTopicReply(e.Topic, ResponseCode.Success, null, new[] { _brokerName }));
                if (++_eventsSinceSnapshot >= _snapshotEvery)
                {
                    _eventsSinceSnapshot = 0;
                    SaveSnapshot(new TopicConfigsSnapshot(_topics.Values.ToList()));
                }
            });
        });
        Command<GetTopicConfigs>(_ => Sender.Tell(new TopicConfigs(_brokerName, _topics.Values.ToList())));
        Command<Queue.QueueLog.Stop>(_ => Context.Stop(Self));
    }
}
