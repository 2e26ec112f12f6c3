namespace AkkaMq.Broker.Memory;

/// <summary>
/// Asks the GC for a background gen2 collection once the caches have given back a set number of
/// bytes since the last gen2. What a tail gives back is old: it dies in gen2, where the GC
/// otherwise leaves it until gen2's own allocation budget runs out, so the heap (and RSS) would
/// grow past the memory budget by a slack that grows with it. Invariants: at most one request per
/// gen2 collection; a gen2 the GC ran by itself starts the count again. Thread-safe without locks.
/// </summary>
public sealed class GivenBackCollector
{
    private readonly Func<int> _gen2Count;
    private readonly Action _collect;
    private long _givenBack;
    private int _seenGen2;
    private int _requestedAt = -1;

    /// <param name="threshold">Bytes given back after which a gen2 is asked for; 0 or less never asks.</param>
    /// <param name="gen2Count">Gen2 collections so far (<see cref="GC.CollectionCount"/> of 2).</param>
    /// <param name="collect">Starts a background gen2 (<see cref="Background"/>).</param>
    public GivenBackCollector(long threshold, Func<int> gen2Count, Action collect)
    {
        Threshold = threshold;
        _gen2Count = gen2Count;
        _collect = collect;
        _seenGen2 = gen2Count();
    }

    public long Threshold { get; }

    /// <summary>Gen2 collections this collector asked for.</summary>
    public int Requested { get; private set; }

    /// <summary>Bytes given back since the last gen2 this collector saw.</summary>
    public long GivenBack => Interlocked.Read(ref _givenBack);

    /// <summary>Caches gave back bytes; asks for a gen2 if that makes the threshold and none was asked for since the last gen2.</summary>
    public void Note(long bytes)
    {
        if (Threshold <= 0 || bytes <= 0) return;
        var gen2 = _gen2Count();
        var seen = Volatile.Read(ref _seenGen2);
        if (gen2 != seen && Interlocked.CompareExchange(ref _seenGen2, gen2, seen) == seen)
            Interlocked.Exchange(ref _givenBack, 0); // a gen2 ran: what was given back before it is gone
        if (Interlocked.Add(ref _givenBack, bytes) < Threshold) return;
        // One request per gen2: the next one may only come after a gen2 has run.
        var last = Volatile.Read(ref _requestedAt);
        if (last == gen2 || Interlocked.CompareExchange(ref _requestedAt, gen2, last) != last) return;
        Requested++;
        _collect();
    }

    /// <summary>A background (concurrent, non-compacting) gen2 on a pool thread, so no actor waits for it.</summary>
    public static void Background() =>
        ThreadPool.UnsafeQueueUserWorkItem(static _ => GC.Collect(2, GCCollectionMode.Forced, blocking: false, compacting: false), null);
}
