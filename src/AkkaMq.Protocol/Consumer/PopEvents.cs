namespace AkkaMq.Protocol.Consumer;

// Persisted formats of a POP consumer group's progress on one queue: frozen once shipped.

/// <summary>One delivery: the message at Offset is invisible until VisibleAt (Unix ms) under handle version Version.</summary>
public readonly record struct PopDelivery(long Offset, int Attempt, long Version, long VisibleAt);

/// <summary>
/// Messages handed out (new ones and redeliveries). Offsets below NextReadOffset that are neither
/// delivered nor in flight were skipped by the filter or expired, and are done for the group.
/// AttemptId is a FIFO receive's, so a retry of it gets the same batch.
/// </summary>
public sealed record PopMessagesDelivered(long NextReadOffset, string? AttemptId, IReadOnlyList<PopDelivery> Deliveries) : IAkkaMqMessage;

/// <summary>These offsets are done for the group: acked, forwarded to the DLQ, or deleted by retention.</summary>
public sealed record PopMessagesDone(IReadOnlyList<long> Offsets) : IAkkaMqMessage;

/// <summary>The message at Offset got a new handle Version and stays invisible until VisibleAt.</summary>
public sealed record PopInvisibleTimeChanged(long Offset, long Version, long VisibleAt) : IAkkaMqMessage;

/// <summary>An entry above the consumed offset: in flight, or done out of order (Done).</summary>
public readonly record struct PopEntrySnapshot(long Offset, int Attempt, long Version, long VisibleAt, bool Done);

/// <summary>
/// The whole state: every offset below ConsumedOffset is done; Entries are the offsets in flight or
/// done out of order between it and NextReadOffset; LastBatch is the FIFO batch of AttemptId.
/// </summary>
public sealed record PopQueueSnapshot(long ConsumedOffset, long NextReadOffset, long LastVersion, IReadOnlyList<PopEntrySnapshot> Entries,
    string? AttemptId, IReadOnlyList<PopDelivery> LastBatch) : IAkkaMqMessage;
