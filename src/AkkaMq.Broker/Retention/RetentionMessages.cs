using Akka.Actor;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Retention;

// Retention's messages stay inside the node serving the broker group: the cleaner runs there, and
// so does the queue log it addresses through the local shard region. None crosses the wire.

/// <summary>
/// To the <see cref="RetentionCleaner"/>: delete, queue by queue, every message of this broker
/// group stored before CutoffTimestamp (Unix ms), whatever deleteWhen says (a disk-pressure clean).
/// Answered with <see cref="CleanPassFinished"/> once every queue was cleaned.
/// </summary>
public sealed record CleanExpired(long CutoffTimestamp) : INoSerializationVerificationNeeded;

/// <param name="Queues">Queues asked to delete (queues known to hold nothing that old are skipped).</param>
/// <param name="Error">Why nothing was cleaned (e.g. this node does not serve the group), or null.</param>
public sealed record CleanPassFinished(long CutoffTimestamp, int Queues, long DeletedMessages, string? Error) : INoSerializationVerificationNeeded;

/// <summary>
/// To one queue log, through the broker region: delete one batch of the messages stored before
/// CutoffTimestamp, or of the oldest ones while the queue stores more than RetentionBytes (the
/// topic's retention.bytes, null for none). Answered with <see cref="ExpiredMessagesCleaned"/> once
/// the batch's journal rows are deleted.
/// </summary>
public sealed record CleanExpiredMessages(string BrokerName, string Topic, int QueueId, long CutoffTimestamp, long? RetentionBytes = null)
    : INoSerializationVerificationNeeded
{
    public string EntityId => EntityIds.Queue(BrokerName, Topic, QueueId);
}

/// <param name="More">More expired messages wait: ask again.</param>
/// <param name="NextExpiry">Until a cutoff passes this (Unix ms) the queue has nothing to delete.</param>
public sealed record ExpiredMessagesCleaned(string Topic, int QueueId, long DeletedMessages, long MinOffset, bool More, long NextExpiry,
    string? Error) : INoSerializationVerificationNeeded;
