using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// The queue's key index (RocketMQ's IndexFile): message keys to queue offsets, built on append
/// and on recovery, saved in the queue's snapshot. Bounded: at most MaxKeys keys (the oldest key
/// is forgotten first) and MaxOffsetsPerKey offsets per key (the newest are kept).
/// </summary>
public sealed class MessageKeyIndex
{
    private sealed class Slot
    {
        public long[] Offsets = null!;
        public int Count;
    }

    private readonly Dictionary<string, Slot> _map = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new(); // keys in first-seen order, for eviction

    public MessageKeyIndex(int maxKeys, int maxOffsetsPerKey)
    {
        MaxKeys = maxKeys;
        MaxOffsetsPerKey = maxOffsetsPerKey;
    }

    public int MaxKeys { get; }
    public int MaxOffsetsPerKey { get; }
    public int Count => _map.Count;

    /// <summary>Indexes a message's KEYS (space separated, as in RocketMQ) at offset.</summary>
    public void Add(string? keys, long offset)
    {
        if (string.IsNullOrEmpty(keys) || MaxKeys == 0) return;
        if (keys.IndexOf(' ') < 0)
        {
            AddKey(keys, offset); // the common single key: no allocation
            return;
        }
        var start = 0;
        for (var i = 0; i <= keys.Length; i++)
        {
            if (i < keys.Length && keys[i] != ' ') continue;
            if (i > start) AddKey(keys.Substring(start, i - start), offset);
            start = i + 1;
        }
    }

    private void AddKey(string key, long offset)
    {
        if (_map.TryGetValue(key, out var slot))
        {
            var n = slot.Count;
            if (slot.Offsets[n - 1] == offset) return; // same key twice in one message
            if (n < slot.Offsets.Length)
            {
                slot.Offsets[n] = offset;
                slot.Count = n + 1;
            }
            else if (n < MaxOffsetsPerKey)
            {
                var grown = new long[Math.Min(MaxOffsetsPerKey, n * 2)];
                Array.Copy(slot.Offsets, grown, n);
                grown[n] = offset;
                slot.Offsets = grown;
                slot.Count = n + 1;
            }
            else
            {
                Array.Copy(slot.Offsets, 1, slot.Offsets, 0, n - 1);
                slot.Offsets[n - 1] = offset;
            }
            return;
        }
        while (_map.Count >= MaxKeys && _order.Count > 0) _map.Remove(_order.Dequeue());
        _map[key] = new Slot { Offsets = new[] { offset }, Count = 1 };
        _order.Enqueue(key);
    }

    /// <summary>The newest offsets (at most max) of messages carrying key, oldest first.</summary>
    public IReadOnlyList<long> Lookup(string key, int max)
    {
        if (!_map.TryGetValue(key, out var slot)) return Array.Empty<long>();
        var n = slot.Count;
        var take = Math.Min(n, Math.Max(1, max));
        var result = new long[take];
        Array.Copy(slot.Offsets, n - take, result, 0, take);
        return result;
    }

    /// <summary>Forgets offsets below minOffset (deleted by retention), and keys left without any.</summary>
    public void DropBefore(long minOffset)
    {
        var kept = _order.Count;
        for (var i = 0; i < kept; i++)
        {
            var key = _order.Dequeue();
            var slot = _map[key];
            var gone = 0;
            while (gone < slot.Count && slot.Offsets[gone] < minOffset) gone++; // offsets are ascending
            if (gone == slot.Count)
            {
                _map.Remove(key);
                continue;
            }
            if (gone > 0)
            {
                Array.Copy(slot.Offsets, gone, slot.Offsets, 0, slot.Count - gone);
                slot.Count -= gone;
            }
            _order.Enqueue(key);
        }
    }

    /// <summary>The whole index in first-seen order, for a snapshot.</summary>
    public KeyIndexEntry[] ToEntries()
    {
        var entries = new KeyIndexEntry[_order.Count];
        var i = 0;
        foreach (var key in _order)
        {
            var slot = _map[key];
            var offsets = new long[slot.Count];
            Array.Copy(slot.Offsets, offsets, slot.Count);
            entries[i++] = new KeyIndexEntry(key, offsets);
        }
        return entries;
    }

    public void Restore(IReadOnlyList<KeyIndexEntry> entries)
    {
        _map.Clear();
        _order.Clear();
        foreach (var e in entries)
            for (var i = 0; i < e.Offsets.Count; i++) AddKey(e.Key, e.Offsets[i]);
    }
}
