namespace AkkaMq.Protocol.Consumer;

// Persisted formats of the broker's delayed-message schedule: frozen once shipped.

/// <summary>A delayed message waiting in the schedule: due at DeliverAt into Topic:QueueId.</summary>
public sealed record ScheduledMessage(long Id, long DeliverAt, string Topic, int QueueId, long BornTimestamp, string? Tags, string? Keys,
    IReadOnlyDictionary<string, string> Properties, byte[] Body);

public sealed record ScheduledMessagesAdded(IReadOnlyList<ScheduledMessage> Messages) : IAkkaMqMessage;

/// <summary>These scheduled messages are stored in their real queues now.</summary>
public sealed record ScheduledMessagesDelivered(IReadOnlyList<long> Ids) : IAkkaMqMessage;

public sealed record ScheduleLogSnapshot(long NextId, IReadOnlyList<ScheduledMessage> Pending) : IAkkaMqMessage;

// The timer wheel (issue 19): bodies live in the slot journals ("timer|{broker}|{slot}", as ScheduledMessagesAdded
// events, a ScheduledMessagesDelivered tombstone before each deletion); the schedule's own journal holds only these.

/// <summary>A second of delivery time (Bucket = deliverAt / precision) and the wheel slot whose journal holds it.</summary>
public readonly record struct TimerBucket(long Bucket, int Slot);

/// <summary>These buckets hold delayed messages from now on (written before their first message). NextId and
/// LastSeqNr are the schedule's counters at that time, so a restart never reuses them.</summary>
public sealed record TimerBucketsOpened(long NextId, long LastSeqNr, IReadOnlyList<TimerBucket> Buckets) : IAkkaMqMessage;

/// <summary>Every message of these buckets is stored in its real queue, and their slot journals are deleted.</summary>
public sealed record TimerBucketsDelivered(IReadOnlyList<long> Buckets) : IAkkaMqMessage;

/// <summary>The timer wheel's state: its counters and the buckets still holding messages. Replaces ScheduleLogSnapshot.</summary>
public sealed record TimerWheelSnapshot(long NextId, long LastSeqNr, IReadOnlyList<TimerBucket> Pending) : IAkkaMqMessage;
