namespace AkkaMq.Protocol.Consumer;

// Persisted formats of the broker's delayed-message schedule: frozen once shipped.

/// <summary>A delayed message waiting in the schedule: due at DeliverAt into Topic:QueueId.</summary>
public sealed record ScheduledMessage(long Id, long DeliverAt, string Topic, int QueueId, long BornTimestamp, string? Tags, string? Keys,
    IReadOnlyDictionary<string, string> Properties, byte[] Body);

public sealed record ScheduledMessagesAdded(IReadOnlyList<ScheduledMessage> Messages) : IAkkaMqMessage;

/// <summary>These scheduled messages are stored in their real queues now.</summary>
public sealed record ScheduledMessagesDelivered(IReadOnlyList<long> Ids) : IAkkaMqMessage;

public sealed record ScheduleLogSnapshot(long NextId, IReadOnlyList<ScheduledMessage> Pending) : IAkkaMqMessage;
