using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// Clustering consumers keep their offsets on the broker (RocketMQ's RemoteBrokerOffsetStore):
/// one <see cref="CommitConsumerOffsets"/> per broker group and topic. A periodic persist is sent
/// without waiting (a refusal comes back through <see cref="CommitRefused"/>); the shutdown one is awaited.
/// </summary>
internal sealed class RemoteBrokerOffsetStore : IOffsetStore
{
    private readonly string _group;
    private readonly Func<MessageQueue, Task<long>> _fetch;
    private readonly Func<CommitConsumerOffsets, bool> _send;
    private readonly Func<CommitConsumerOffsets, Task?> _commit;
    private readonly OffsetTable _table = new();

    /// <param name="fetch">The group's committed offset on a queue, -1 when none.</param>
    /// <param name="send">Sends a commit without waiting; false when its broker is not reachable now.</param>
    /// <param name="commit">Sends a commit and completes with the broker's answer; null when its broker is not reachable now.</param>
    public RemoteBrokerOffsetStore(string group, Func<MessageQueue, Task<long>> fetch, Func<CommitConsumerOffsets, bool> send,
        Func<CommitConsumerOffsets, Task?> commit)
    {
        _group = group;
        _fetch = fetch;
        _send = send;
        _commit = commit;
    }

    public Task<long> ReadOffsetFromStoreAsync(MessageQueue mq) => _fetch(mq);

    public long ReadOffset(MessageQueue mq) => _table.Read(mq);

    public void UpdateOffset(MessageQueue mq, long offset, bool increaseOnly) => _table.Update(mq, offset, increaseOnly);

    public void PersistAll()
    {
        var changed = _table.Changed();
        if (changed.Count == 0) return;
        foreach (var commit in Commits(_group, changed))
        {
            if (!_send(commit)) continue;
            foreach (var (queueId, o) in commit.Offsets) _table.MarkPersisted(new MessageQueue(commit.Topic, commit.BrokerName, queueId), o);
        }
    }

    public Task PersistAsync(IReadOnlyDictionary<MessageQueue, long> offsets)
    {
        var sent = new List<Task>();
        foreach (var commit in Commits(_group, offsets))
            if (_commit(commit) is { } answer) sent.Add(answer);
        return Task.WhenAll(sent);
    }

    /// <summary>The broker refused a commit for a topic: send those offsets again with the next persist.</summary>
    public void CommitRefused(string topic) => _table.ForgetPersisted(topic);

    public void RemoveOffset(MessageQueue mq) => _table.Remove(mq);

    public IReadOnlyDictionary<MessageQueue, long> CloneOffsetTable() => _table.Clone();

    /// <summary>One commit per broker group and topic.</summary>
    internal static List<CommitConsumerOffsets> Commits(string group, IEnumerable<KeyValuePair<MessageQueue, long>> offsets)
    {
        var byBrokerAndTopic = new Dictionary<(string BrokerName, string Topic), Dictionary<int, long>>();
        foreach (var (mq, o) in offsets)
        {
            if (!byBrokerAndTopic.TryGetValue((mq.BrokerName, mq.Topic), out var queues))
                byBrokerAndTopic[(mq.BrokerName, mq.Topic)] = queues = new Dictionary<int, long>();
            queues[mq.QueueId] = o;
        }
        var commits = new List<CommitConsumerOffsets>(byBrokerAndTopic.Count);
        foreach (var ((broker, topic), queues) in byBrokerAndTopic) commits.Add(new CommitConsumerOffsets(broker, group, topic, queues));
        return commits;
    }
}
