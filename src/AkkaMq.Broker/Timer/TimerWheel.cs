using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Timer;

/// <summary>
/// The schedule's decisions, as RocketMQ 5's timer wheel: delivery time is cut into buckets of one
/// precision each; a bucket's messages live in the journal of its wheel slot (bucket mod slots),
/// never in memory. This class holds only which buckets still hold messages, which are being
/// delivered, and the sequence numbers of the slot journals. Invariants: a bucket is delivered
/// (forgotten) only by a drain that saw every write to it; sequence numbers only grow, across
/// slots and restarts, so a drain's seal tells the writes it read from the ones after it.
/// </summary>
public sealed class TimerWheel
{
    private readonly long _precisionMs;
    private readonly int _slots;
    private readonly SortedDictionary<long, int> _pending = new(); // bucket -> slot
    private readonly Dictionary<int, long> _draining = new(); // slot -> bucket
    private readonly HashSet<long> _writtenWhileDraining = new();
    private long _lastSeqNr;

    public TimerWheel(long precisionMs, int slots)
    {
        if (precisionMs < 1 || slots < 1) throw new ArgumentOutOfRangeException(nameof(precisionMs), "precision and slots must be positive");
        _precisionMs = precisionMs;
        _slots = slots;
    }

    public int PendingBuckets => _pending.Count;
    public int DrainingBuckets => _draining.Count;
    public long LastSeqNr => _lastSeqNr;
    public bool IsDraining(int slot) => _draining.ContainsKey(slot);

    public long BucketOf(long deliverAt) => Math.DivRem(deliverAt, _precisionMs, out var rem) - (rem < 0 ? 1 : 0);
    public long StartOf(long bucket) => bucket * _precisionMs;
    public long EndOf(long bucket) => (bucket + 1) * _precisionMs;

    /// <summary>The slot a bucket's messages go to: the one it was opened with, or bucket mod slots for a new one.</summary>
    public int SlotOf(long bucket) => _pending.TryGetValue(bucket, out var slot) ? slot : (int)(((bucket % _slots) + _slots) % _slots);

    public bool IsOpen(long bucket) => _pending.ContainsKey(bucket);

    public void Open(TimerBucket b) => _pending[b.Bucket] = b.Slot;

    public void Delivered(long bucket) => _pending.Remove(bucket);

    public IReadOnlyList<TimerBucket> Pending()
    {
        var list = new List<TimerBucket>(_pending.Count);
        foreach (var (bucket, slot) in _pending) list.Add(new TimerBucket(bucket, slot));
        return list;
    }

    /// <summary>Never below a number already used (recovered counters, or the clock's microseconds at start).</summary>
    public void SeedSeqNr(long atLeast) => _lastSeqNr = Math.Max(_lastSeqNr, atLeast);

    /// <summary>The next sequence number of any slot journal: the clock's microseconds, or one past the last, so a
    /// restart (whose own counter may be older than the last write) still goes on above every number written.</summary>
    public long NextSeqNr(long nowMicros) => _lastSeqNr = Math.Max(_lastSeqNr + 1, nowMicros);

    /// <summary>A write to this bucket gets its sequence number now: if its drain has already sealed, it must run again.</summary>
    public void Written(long bucket, int slot)
    {
        if (_draining.TryGetValue(slot, out var draining) && draining == bucket) _writtenWhileDraining.Add(bucket);
    }

    /// <summary>
    /// The buckets to start delivering now: pending, starting no later than now + lead, whose slot is
    /// neither delivering nor being written, up to maxDraining at once, earliest first.
    /// </summary>
    public List<TimerBucket> ToDrain(long now, long leadMs, int maxDraining, IReadOnlySet<int> slotsBeingWritten)
    {
        var list = new List<TimerBucket>();
        foreach (var (bucket, slot) in _pending)
        {
            if (_draining.Count + list.Count >= maxDraining || StartOf(bucket) > now + leadMs) break;
            if (_draining.ContainsKey(slot) || slotsBeingWritten.Contains(slot)) continue;
            if (list.Exists(b => b.Slot == slot)) continue; // two buckets of one slot: the later waits for the first's drain
            list.Add(new TimerBucket(bucket, slot));
        }
        return list;
    }

    public void BeginDrain(TimerBucket b)
    {
        _draining[b.Slot] = b.Bucket;
        _writtenWhileDraining.Remove(b.Bucket);
    }

    /// <summary>Ends a drain. True when the bucket is now delivered (to be persisted); false when it stays pending
    /// (the drain failed, or a write reached the bucket after its seal: a new drain reads that one).</summary>
    public bool EndDrain(TimerBucket b, bool succeeded)
    {
        _draining.Remove(b.Slot);
        var again = _writtenWhileDraining.Remove(b.Bucket);
        if (!succeeded || again) return false;
        _pending.Remove(b.Bucket);
        return true;
    }
}
