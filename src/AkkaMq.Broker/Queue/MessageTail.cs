using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// The newest messages of a queue in a ring buffer, bounded by count and by body bytes, so that
/// consumers keeping up are served without touching the journal.
/// </summary>
public sealed class MessageTail
{
    public readonly record struct Entry(long Offset, long StoreTimestamp, StoredMessage Message);

    private readonly Entry[] _ring;
    private readonly long _maxBytes;
    private int _head; // index of the oldest entry
    private long _bytes;

    public MessageTail(int maxMessages, long maxBytes)
    {
        _ring = new Entry[maxMessages];
        _maxBytes = maxBytes;
    }

    public int Count { get; private set; }
    public long Bytes => _bytes;
    public long FirstOffset => Count == 0 ? long.MaxValue : _ring[_head].Offset;

    public void Append(long offset, long storeTimestamp, StoredMessage message)
    {
        // Offsets in the tail are dense; a gap (should not happen) restarts it.
        if (Count > 0 && offset != this[Count - 1].Offset + 1) Clear();
        if (Count == _ring.Length) RemoveOldest();
        _ring[(_head + Count) % _ring.Length] = new Entry(offset, storeTimestamp, message);
        Count++;
        _bytes += message.Body.Length;
        while (_bytes > _maxBytes && Count > 1) RemoveOldest();
    }

    public Entry this[int i] => _ring[(_head + i) % _ring.Length];

    /// <summary>Position of offset in the tail, or -1 if it is not held.</summary>
    public int IndexOf(long offset)
    {
        if (Count == 0) return -1;
        var i = offset - _ring[_head].Offset;
        return i >= 0 && i < Count ? (int)i : -1;
    }

    private void RemoveOldest()
    {
        _bytes -= _ring[_head].Message.Body.Length;
        _ring[_head] = default;
        _head = (_head + 1) % _ring.Length;
        Count--;
    }

    public void Clear()
    {
        while (Count > 0) RemoveOldest();
        _head = 0;
    }
}
