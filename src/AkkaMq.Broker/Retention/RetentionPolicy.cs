using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Retention;

/// <summary>One step of retention in a queue: delete journal events up to ToSeqNr; the queue's min offset becomes NewMinOffset.</summary>
/// <param name="More">Events beyond this step are expired too: another step may follow at once.</param>
public readonly record struct RetentionCut(long ToSeqNr, long NewMinOffset, bool More);

/// <summary>
/// Which events of a queue retention deletes. A queue's store times never go backwards, so the
/// expired events are a prefix of its journal. The cut is taken at a sparse index entry (or at the
/// end, when every message expired), so the new min offset is always the first offset of an event
/// and no message stored at or after the cutoff is deleted. An entry is a cut point once the event
/// before it is known to be expired: its own entry says so (index stride 1), or else the entry's
/// own store time does; so up to one index stride of expired events may wait for a later step. A
/// step deletes at most maxBatchEvents events unless the first cut alone is longer.
/// </summary>
public static class RetentionPolicy
{
    /// <param name="index">The queue's sparse index; its first entry starts at minOffset.</param>
    /// <param name="journalDeletedTo">Events up to this sequence number are known to be deleted (0 after a restart).</param>
    /// <param name="cutoff">Messages stored before this (Unix ms) are expired.</param>
    public static RetentionCut? Plan(IReadOnlyList<QueueIndexEntry> index, long minOffset, long committedOffset, long lastStoreTimestamp,
        long lastSeqNr, long journalDeletedTo, long cutoff, int maxBatchEvents)
    {
        var first = index.Count > 0 ? index[0].SeqNr : journalDeletedTo + 1;
        if (committedOffset > minOffset)
        {
            var allExpired = lastStoreTimestamp < cutoff;
            if (allExpired && lastSeqNr - first + 1 <= maxBatchEvents) return new RetentionCut(lastSeqNr, committedOffset, false);
            var best = -1;
            for (var k = 1; k < index.Count; k++)
            {
                if (!ExpiredBefore(index, k, cutoff) || (best > 0 && index[k].SeqNr - first > maxBatchEvents)) break;
                best = k;
            }
            if (best > 0)
            {
                var more = allExpired || (best + 1 < index.Count && ExpiredBefore(index, best + 1, cutoff));
                return new RetentionCut(index[best].SeqNr - 1, index[best].Offset, more);
            }
            // Expired as a whole, but no index point to split it at.
            if (allExpired) return new RetentionCut(lastSeqNr, committedOffset, false);
        }
        else if (lastSeqNr > journalDeletedTo)
            return new RetentionCut(lastSeqNr, minOffset, false); // every event lies below the min: a delete left undone
        // Events below the min that a delete left behind (a restart between the min's move and the delete).
        return index.Count > 0 && first - 1 > journalDeletedTo ? new RetentionCut(first - 1, minOffset, false) : null;
    }

    /// <summary>
    /// retention.bytes (Kafka's per-partition limit): the step deleting a queue's oldest messages until
    /// the rest is within limitBytes, at the queue's average message size. The cut is the first index
    /// entry at or past the messages that must go, so up to one index stride more may go; when no entry
    /// is that far, the last entry, and the queue stays over the limit by less than a stride until a later
    /// entry exists. A step deletes at most maxBatchEvents events unless the first cut alone is longer (then More).
    /// </summary>
    public static RetentionCut? PlanBytes(IReadOnlyList<QueueIndexEntry> index, long minOffset, long committedOffset, long lastSeqNr,
        long storedBytes, long limitBytes, int maxBatchEvents)
    {
        var count = committedOffset - minOffset;
        if (count <= 0 || storedBytes <= limitBytes || limitBytes < 0) return null;
        var average = (double)storedBytes / count;
        var target = minOffset + Math.Min(count, (long)Math.Ceiling((storedBytes - limitBytes) / average));
        var first = index.Count > 0 ? index[0].SeqNr : lastSeqNr;
        var all = target >= committedOffset;
        if (all && (lastSeqNr - first + 1 <= maxBatchEvents || index.Count < 2)) return new RetentionCut(lastSeqNr, committedOffset, false);
        if (index.Count < 2) return null;
        // The furthest entry a step may reach (always at least the second).
        var reach = 1;
        while (reach + 1 < index.Count && index[reach + 1].SeqNr - first <= maxBatchEvents) reach++;
        if (all) return new RetentionCut(index[reach].SeqNr - 1, index[reach].Offset, true);
        var k = 1;
        while (k < index.Count - 1 && index[k].Offset < target) k++; // no entry reaches the target: the last one
        return k > reach
            ? new RetentionCut(index[reach].SeqNr - 1, index[reach].Offset, true)
            : new RetentionCut(index[k].SeqNr - 1, index[k].Offset, false);
    }

    /// <summary>Every event before index entry k was stored before the cutoff.</summary>
    private static bool ExpiredBefore(IReadOnlyList<QueueIndexEntry> index, int k, long cutoff) =>
        index[k].StoreTimestamp < cutoff || (index[k - 1].SeqNr == index[k].SeqNr - 1 && index[k - 1].StoreTimestamp < cutoff);

    /// <summary>
    /// The cutoff a queue must be cleaned past before a step can delete anything: the store time
    /// that makes its second index entry a cut point, or that of its last message; now for an empty
    /// queue (later messages are stored later). A cleaner may skip the queue while its cutoff is at or before this.
    /// </summary>
    /// <summary>
    /// The cutoff of a pass under disk pressure (RocketMQ deletes its oldest files before their time):
    /// the oldest tenth of what is stored between oldest and now, a quarter once past
    /// diskSpaceCleanForciblyRatio. Always past oldest, so each pass deletes something while anything is stored.
    /// </summary>
    public static long PressureCutoff(long oldest, long now, bool forcibly)
    {
        var span = Math.Max(0, now - oldest);
        return oldest + Math.Max(1, forcibly ? span / 4 : span / 10);
    }

    public static long NextExpiry(IReadOnlyList<QueueIndexEntry> index, long minOffset, long committedOffset, long lastStoreTimestamp, long now)
    {
        if (committedOffset <= minOffset) return now;
        if (index.Count < 2) return lastStoreTimestamp;
        var second = index[0].SeqNr == index[1].SeqNr - 1 ? index[0].StoreTimestamp : index[1].StoreTimestamp;
        return Math.Min(second, lastStoreTimestamp);
    }
}
