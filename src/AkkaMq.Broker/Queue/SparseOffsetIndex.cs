using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// Maps queue offsets (and store times) to journal sequence numbers, sparsely: one entry per
/// Stride events, at most MaxEntries entries. When full it drops every other entry and doubles
/// the stride, so memory stays bounded whatever the backlog; a lookup lands at most Stride
/// events before the wanted one.
/// </summary>
public sealed class SparseOffsetIndex
{
    private readonly List<QueueIndexEntry> _entries = new();
    private readonly int _maxEntries;
    private long _eventsSinceEntry;

    public SparseOffsetIndex(int maxEntries, int stride = 1)
    {
        _maxEntries = maxEntries;
        Stride = stride;
        _eventsSinceEntry = long.MaxValue / 2;
    }

    public int Stride { get; private set; }
    public int Count => _entries.Count;

    /// <summary>Entries the index has room for without growing: at most MaxEntries + 1.</summary>
    public int Capacity => _entries.Capacity;
    public IReadOnlyList<QueueIndexEntry> Entries => _entries;

    /// <summary>Restores a snapshot taken when the last event had sequence number atSeqNr.</summary>
    public void Restore(IReadOnlyList<QueueIndexEntry> entries, int stride, long atSeqNr)
    {
        _entries.Clear();
        _entries.AddRange(entries);
        Stride = Math.Max(1, stride);
        // Events after the last entry still count towards the next one.
        _eventsSinceEntry = _entries.Count == 0 ? long.MaxValue / 2 : Math.Max(0, atSeqNr - _entries[^1].SeqNr);
    }

    /// <summary>Records an event (in sequence order) that starts at offset.</summary>
    public void Add(long offset, long seqNr, long storeTimestamp)
    {
        if (++_eventsSinceEntry < Stride && _entries.Count > 0) return;
        _eventsSinceEntry = 0;
        // Doubling would take the list to twice MaxEntries for one extra entry: an idle share of the node's base, per queue.
        if (_entries.Count == _entries.Capacity && _entries.Capacity <= _maxEntries)
            _entries.Capacity = (int)Math.Min(Math.Max(4L, _entries.Capacity * 2L), Math.Min(_maxEntries + 1L, Array.MaxLength));
        _entries.Add(new QueueIndexEntry(offset, seqNr, storeTimestamp));
        if (_entries.Count <= _maxEntries) return;
        // Keep the first entry and every second one after it.
        var newestKept = (_entries.Count - 1) % 2 == 0;
        var kept = 0;
        for (var i = 0; i < _entries.Count; i += 2) _entries[kept++] = _entries[i];
        _entries.RemoveRange(kept, _entries.Count - kept);
        // If the entry just added was dropped, the last kept one is a whole old stride back.
        if (!newestKept) _eventsSinceEntry = Stride;
        Stride *= 2;
    }

    /// <summary>Drops the entries of events starting below offset (deleted by retention).</summary>
    public void DropBefore(long offset)
    {
        var n = 0;
        while (n < _entries.Count && _entries[n].Offset < offset) n++;
        _entries.RemoveRange(0, n);
    }

    /// <summary>The last entry whose event starts at or before offset; sequence number 1 if none.</summary>
    public long FloorSeqNrForOffset(long offset)
    {
        int lo = 0, hi = _entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].Offset <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? 1 : _entries[found].SeqNr;
    }

    /// <summary>The last entry stored strictly before timestamp, so no message at or after it is skipped.</summary>
    public long FloorSeqNrForTimestamp(long timestamp)
    {
        int lo = 0, hi = _entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].StoreTimestamp < timestamp) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? 1 : _entries[found].SeqNr;
    }
}
