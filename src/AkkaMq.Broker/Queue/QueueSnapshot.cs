using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>A queue log snapshot in any of its formats, as recovery reads it; StoredBytes and Keys are null where a format lacks them.</summary>
public sealed record QueueSnapshot(long NextOffset, long MinOffset, long LastStoreTimestamp, int IndexStride, IReadOnlyList<QueueIndexEntry> Index,
    IReadOnlyList<KeyIndexEntry>? Keys, long? StoredBytes)
{
    public static QueueSnapshot? Read(object snapshot) => snapshot switch
    {
        QueueLogSizedSnapshot s => new(s.NextOffset, s.MinOffset, s.LastStoreTimestamp, s.IndexStride, s.Index, s.Keys, s.StoredBytes),
        QueueLogKeyedSnapshot s => new(s.NextOffset, s.MinOffset, s.LastStoreTimestamp, s.IndexStride, s.Index, s.Keys, null),
        QueueLogSnapshot s => new(s.NextOffset, s.MinOffset, s.LastStoreTimestamp, s.IndexStride, s.Index, null, null),
        _ => null,
    };
}
