namespace AkkaMq.Protocol.Store;

// Persisted formats: frozen once shipped. A change gets a new type and manifest; readers keep the old ones.

/// <summary>A message as the queue log stores it; topic and queue are the log's own.</summary>
public sealed record StoredMessage(string? Tags, string? Keys, IReadOnlyDictionary<string, string> Properties, byte[] Body, long BornTimestamp);

/// <summary>One group commit: Messages got offsets BaseOffset, BaseOffset+1, ... and one store time.</summary>
public sealed record MessagesAppended(long BaseOffset, long StoreTimestamp, IReadOnlyList<StoredMessage> Messages) : IAkkaMqMessage;

/// <summary>A sparse index point: the event at SeqNr starts at Offset and was stored at StoreTimestamp.</summary>
public readonly record struct QueueIndexEntry(long Offset, long SeqNr, long StoreTimestamp);

public sealed record QueueLogSnapshot(long NextOffset, long MinOffset, long LastStoreTimestamp, int IndexStride,
    IReadOnlyList<QueueIndexEntry> Index) : IAkkaMqMessage;

public sealed record ConsumerOffsetsCommitted(IReadOnlyDictionary<int, long> Offsets, long Timestamp) : IAkkaMqMessage;

public sealed record ConsumerOffsetsSnapshot(IReadOnlyDictionary<int, long> Offsets, long LastCommitTimestamp) : IAkkaMqMessage;

public sealed record TopicConfigChanged(TopicConfig Config) : IAkkaMqMessage;

public sealed record TopicConfigsSnapshot(IReadOnlyList<TopicConfig> Configs) : IAkkaMqMessage;

/// <summary>A topic removed from the broker group's table (deleteTopic).</summary>
public sealed record TopicConfigDeleted(string Topic) : IAkkaMqMessage;

/// <summary>
/// deleteTopic began: the topic left the table and its messages and committed offsets are being purged; a
/// <see cref="TopicConfigDeleted"/> follows once they are gone. Recovery resumes a purge that has no such follower.
/// </summary>
public sealed record TopicPurgeStarted(TopicConfig Config) : IAkkaMqMessage;

/// <summary>Every committed offset of the log's group on its topic was removed (the topic was deleted).</summary>
public sealed record ConsumerOffsetsDeleted(long Timestamp) : IAkkaMqMessage;

/// <summary>The offsets of the messages carrying one key, oldest first.</summary>
public sealed record KeyIndexEntry(string Key, IReadOnlyList<long> Offsets);

/// <summary>QueueLogSnapshot plus the queue's key index (keys -> offsets), so queryMsgByKey survives restarts.</summary>
public sealed record QueueLogKeyedSnapshot(long NextOffset, long MinOffset, long LastStoreTimestamp, int IndexStride,
    IReadOnlyList<QueueIndexEntry> Index, IReadOnlyList<KeyIndexEntry> Keys) : IAkkaMqMessage;

/// <summary>QueueLogKeyedSnapshot plus StoredBytes, the body bytes of the messages from MinOffset on (for retention.bytes).</summary>
public sealed record QueueLogSizedSnapshot(long NextOffset, long MinOffset, long LastStoreTimestamp, int IndexStride,
    IReadOnlyList<QueueIndexEntry> Index, IReadOnlyList<KeyIndexEntry> Keys, long StoredBytes) : IAkkaMqMessage;
