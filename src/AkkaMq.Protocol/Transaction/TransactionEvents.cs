using AkkaMq.Protocol.Broker;

namespace AkkaMq.Protocol.Transaction;

// Persisted events and snapshot of a broker group's transaction entity (its journal holds the half messages).

/// <summary>How a half message left the pending set.</summary>
public enum HalfMessageOutcome
{
    Committed = 0,
    RolledBack = 1,
    /// <summary>transactionCheckMax check-backs without a decision: stored in TRANS_CHECK_MAX_TIME_TOPIC.</summary>
    CheckMaxReached = 2,
    /// <summary>Older than the broker's retention (fileReservedTime): dropped.</summary>
    Expired = 3,
}

/// <summary>Half messages stored at BaseOffset + index, durable before their senders are acked.</summary>
public sealed record HalfMessagesStored(long BaseOffset, long StoreTimestamp, IReadOnlyList<SendEntry> Entries) : IAkkaMqMessage;

/// <summary>One decided half message; QueueId and QueueOffset locate the stored copy (commit, check max), -1 otherwise.</summary>
public sealed record HalfResolution(long HalfOffset, HalfMessageOutcome Outcome, int QueueId, long QueueOffset);

public sealed record HalfMessagesResolved(IReadOnlyList<HalfResolution> Resolutions) : IAkkaMqMessage;

/// <summary>A check-back was sent at Timestamp for each of these half offsets (their check counts grow by one).</summary>
public sealed record HalfMessagesChecked(long Timestamp, IReadOnlyList<long> HalfOffsets) : IAkkaMqMessage;

/// <summary>A pending half message in a snapshot.</summary>
public sealed record PendingHalfMessage(long HalfOffset, long StoreTimestamp, int CheckCount, long LastCheckTimestamp, SendEntry Entry);

/// <summary>The entity's state: the next half offset, the pending half messages and the latest resolutions (to answer repeats).</summary>
public sealed record TransactionLogSnapshot(long NextOffset, IReadOnlyList<PendingHalfMessage> Pending, IReadOnlyList<HalfResolution> Recent) : IAkkaMqMessage;
