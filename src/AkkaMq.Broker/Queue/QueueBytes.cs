using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// The bytes a queue stores from its min offset on (message bodies), for retention.bytes. Appends add
/// exactly; a retention step's deleted range is not read back, so it is taken off at the queue's
/// average message size, and the figure is exact again whenever the queue is emptied. It is kept in
/// the queue's snapshot (<see cref="QueueLogSizedSnapshot"/>); after a snapshot of an older format the
/// messages it covers are counted at the average of the ones replayed after it.
/// </summary>
public sealed class QueueBytes
{
    private long _uncountedTo = -1; // offsets [min, this) came from an older snapshot and are not counted yet

    public long Stored { get; private set; }

    public static long SizeOf(StoredMessage m) => m.Body.Length;

    /// <summary>From a snapshot: its figure, or null for an older format that had none (nextOffset is the snapshot's).</summary>
    public void Restore(long? storedBytes, long nextOffset)
    {
        Stored = storedBytes ?? 0;
        _uncountedTo = storedBytes == null ? nextOffset : -1;
    }

    public void Appended(MessagesAppended e)
    {
        var msgs = e.Messages;
        for (var i = 0; i < msgs.Count; i++) Stored += SizeOf(msgs[i]);
    }

    /// <summary>Recovery is complete: estimates what an older snapshot left uncounted.</summary>
    public void Recovered(long minOffset, long committedOffset)
    {
        if (_uncountedTo < 0) return;
        var replayed = committedOffset - _uncountedTo;
        var uncounted = _uncountedTo - minOffset;
        if (replayed > 0 && uncounted > 0) Stored += (long)((double)Stored / replayed * uncounted);
        _uncountedTo = -1;
    }

    /// <summary>Retention moved the min offset from oldMin to newMin.</summary>
    public void Dropped(long oldMin, long newMin, long committedOffset)
    {
        if (newMin >= committedOffset) Stored = 0;
        else if (newMin > oldMin) Stored -= (long)((double)Stored * (newMin - oldMin) / (committedOffset - oldMin));
    }
}
