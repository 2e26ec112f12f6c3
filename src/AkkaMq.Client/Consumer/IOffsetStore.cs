using AkkaMq.Protocol;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// Where a push consumer keeps its consumed-up-to offsets (RocketMQ's OffsetStore): an in-memory
/// table the consumer updates as messages are consumed, written out every
/// persistConsumerOffsetInterval, on rebalance and on shutdown. Clustering consumers store them
/// on the broker, broadcasting ones in a local file.
/// </summary>
public interface IOffsetStore
{
    /// <summary>The offset the store itself holds for the group on a queue (broker or file): -1 when never committed.</summary>
    Task<long> ReadOffsetFromStoreAsync(MessageQueue mq);

    /// <summary>The offset held in memory, -1 when none.</summary>
    long ReadOffset(MessageQueue mq);

    /// <summary>increaseOnly: an older answer never moves the offset back.</summary>
    void UpdateOffset(MessageQueue mq, long offset, bool increaseOnly);

    /// <summary>Writes out the offsets that changed since they were last written.</summary>
    void PersistAll();

    /// <summary>Writes these offsets now and completes once they are stored (shutdown).</summary>
    Task PersistAsync(IReadOnlyDictionary<MessageQueue, long> offsets);

    /// <summary>Forgets a queue given up to another member.</summary>
    void RemoveOffset(MessageQueue mq);

    IReadOnlyDictionary<MessageQueue, long> CloneOffsetTable();
}

/// <summary>
/// The in-memory part both stores share: the consumed-up-to offset per queue and the value last
/// written out, so that a persist sends only what changed.
/// </summary>
internal sealed class OffsetTable
{
    private readonly Dictionary<MessageQueue, long> _offsets = new();
    private readonly Dictionary<MessageQueue, long> _persisted = new();

    public long Read(MessageQueue mq) => _offsets.TryGetValue(mq, out var o) ? o : -1;

    public void Update(MessageQueue mq, long offset, bool increaseOnly)
    {
        if (!increaseOnly || !_offsets.TryGetValue(mq, out var cur) || offset > cur) _offsets[mq] = offset;
    }

    public void Remove(MessageQueue mq)
    {
        _offsets.Remove(mq);
        _persisted.Remove(mq);
    }

    public Dictionary<MessageQueue, long> Clone() => new(_offsets);

    public List<KeyValuePair<MessageQueue, long>> Changed()
    {
        var changed = new List<KeyValuePair<MessageQueue, long>>();
        foreach (var kv in _offsets)
            if (!_persisted.TryGetValue(kv.Key, out var p) || p != kv.Value) changed.Add(kv);
        return changed;
    }

    public void MarkPersisted(MessageQueue mq, long offset) => _persisted[mq] = offset;

    /// <summary>The store refused a write for a topic: send its offsets again with the next persist.</summary>
    public void ForgetPersisted(string topic)
    {
        List<MessageQueue>? forget = null;
        foreach (var mq in _persisted.Keys)
            if (mq.Topic == topic) (forget ??= new()).Add(mq);
        if (forget != null) foreach (var mq in forget) _persisted.Remove(mq);
    }
}

internal static class OffsetStoreExtensions
{
    /// <summary>Moves a queue's offset up to its lowest unconsumed message (never back, never to an unknown position).</summary>
    public static void UpdateOffset(this IOffsetStore store, ProcessQueue pq)
    {
        var o = pq.OffsetToCommit;
        if (o >= 0) store.UpdateOffset(pq.Mq, o, increaseOnly: true);
    }
}
