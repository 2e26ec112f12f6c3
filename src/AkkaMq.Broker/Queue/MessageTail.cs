using System.Runtime.CompilerServices;
using AkkaMq.Broker.Memory;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// The newest messages of a queue, bounded by count and by body bytes, so that consumers keeping
/// up are served without touching the journal.
/// </summary>
/// <remarks>
/// Bodies are copied into reused 64 KiB chunks instead of being held as the arrays they arrived
/// in. A held array lives just long enough to be copied from gen0 to gen1 and again to gen2
/// before eviction lets it die; under load that copying was most of the node's gen1 collections
/// (measured in bench/results/HISTORY.md, sitting s13). Chunks are allocated once and then
/// cycle, so the write path leaves only short-lived garbage. Bodies larger than a quarter chunk
/// keep their own array (few objects, many bytes: cheap for the GC). A read copies the body out,
/// so nothing handed to a pull ever points into a chunk that is reused later.
/// With a node <see cref="MemoryBudget"/>, the tail charges what it holds (chunks, own arrays,
/// slots, and an estimate per message for its tags, keys and properties) in steps of at least
/// <see cref="SettleBytes"/>, and gives back its oldest messages when the node is over budget.
/// </remarks>
public sealed class MessageTail
{
    private const int ChunkBytes = 64 * 1024;
    private const int OwnArrayAbove = ChunkBytes / 4;
    private const int InitialSlots = 64;
    private const int SpareChunks = 2;
    /// <summary>Charged per held message for its tags, keys and properties (an estimate: they are shared with the sent message).</summary>
    public const int PerMessageBytes = 128;
    /// <summary>The budget is charged once the tail's size moved this far from what was charged: no Interlocked per message.</summary>
    public const int SettleBytes = 8 * 1024;
    private static readonly int SlotBytes = Unsafe.SizeOf<Slot>();

    internal sealed class Chunk(byte[] data, bool own)
    {
        public readonly byte[] Data = data;
        public readonly bool Own = own;   // one message's own array, never reused
        public int Used;
        public int Live;
    }

    internal struct Slot
    {
        public long StoreTimestamp;
        public long BornTimestamp;
        public string? Tags;
        public string? Keys;
        public IReadOnlyDictionary<string, string> Properties;
        public Chunk? Chunk;
        public int Position;
        public int Length;
    }

    /// <summary>
    /// One held message. Cheap to take: the body is copied only by <see cref="Message"/> or
    /// <see cref="CopyBody"/>. Read it before the tail changes again, as its chunk is then reused.
    /// </summary>
    public readonly struct Entry
    {
        private readonly Slot _slot;

        internal Entry(long offset, in Slot slot)
        {
            Offset = offset;
            _slot = slot;
        }

        public long Offset { get; }
        public long StoreTimestamp => _slot.StoreTimestamp;
        public long BornTimestamp => _slot.BornTimestamp;
        public string? Tags => _slot.Tags;
        public string? Keys => _slot.Keys;
        public IReadOnlyDictionary<string, string> Properties => _slot.Properties;
        public int BodyLength => _slot.Length;

        public byte[] CopyBody() =>
            _slot.Length == 0 ? Array.Empty<byte>() : _slot.Chunk!.Data.AsSpan(_slot.Position, _slot.Length).ToArray();

        public StoredMessage Message => new(Tags, Keys, Properties, CopyBody(), BornTimestamp);
    }

    private readonly int _maxMessages;
    private readonly long _maxBytes;
    private Slot[] _ring;
    private int _head; // index of the oldest entry
    private long _firstOffset;
    private long _bytes;
    private Chunk? _write;
    private readonly Stack<Chunk> _spare = new();
    private readonly MemoryBudget? _budget;
    private long _chunkBytes; // shared chunks allocated and not dropped (in use, spare or the write chunk)
    private long _ownBytes;   // bodies held in their own arrays
    private long _charged;    // what the budget was last charged

    public MessageTail(int maxMessages, long maxBytes, MemoryBudget? budget = null)
    {
        _maxMessages = Math.Max(1, maxMessages);
        _maxBytes = maxBytes;
        // Grows to maxMessages as messages come, so an idle queue costs little.
        _ring = new Slot[Math.Min(_maxMessages, InitialSlots)];
        _budget = budget;
        _budget?.AddHolder();
        Settle();
    }

    /// <summary>Bytes the tail holds as the budget counts them.</summary>
    public long Footprint => _chunkBytes + _ownBytes + (long)_ring.Length * SlotBytes + (long)Count * PerMessageBytes;

    public int Count { get; private set; }
    public long Bytes => _bytes;
    public long FirstOffset => Count == 0 ? long.MaxValue : _firstOffset;

    public void Append(long offset, long storeTimestamp, StoredMessage message)
    {
        // Offsets in the tail are dense; a gap (should not happen) restarts it.
        if (Count > 0 && offset != _firstOffset + Count) Clear();
        if (Count == _maxMessages) RemoveOldest();
        if (Count == _ring.Length) Grow();
        if (Count == 0) _firstOffset = offset;
        var body = message.Body;
        var slot = new Slot
        {
            StoreTimestamp = storeTimestamp,
            BornTimestamp = message.BornTimestamp,
            Tags = message.Tags,
            Keys = message.Keys,
            Properties = message.Properties,
            Length = body.Length,
        };
        // Over the budget with no chunk to write into, a new chunk would be given back at once: keep the array.
        if (body.Length > OwnArrayAbove || (_write == null && _budget is { IsOver: true }))
        {
            slot.Chunk = new Chunk(body, own: true) { Live = 1 };
            _ownBytes += body.Length;
        }
        else if (body.Length > 0)
        {
            var chunk = WritableChunk(body.Length);
            slot.Chunk = chunk;
            slot.Position = chunk.Used;
            body.CopyTo(chunk.Data.AsSpan(chunk.Used));
            chunk.Used += body.Length;
            chunk.Live++;
        }
        _ring[(_head + Count) % _ring.Length] = slot;
        Count++;
        _bytes += body.Length;
        while (_bytes > _maxBytes && Count > 1) RemoveOldest();
        if (_budget != null && Math.Abs(Footprint - _charged) >= SettleBytes)
        {
            Settle();
            if (_budget.IsOver) GiveBack();
        }
    }

    /// <summary>
    /// The node is over its memory budget: drops the spare chunks, then the oldest messages (pulls
    /// of them read the journal), down to what <see cref="MemoryBudget.ShrinkTarget"/> leaves; true if it gave back anything.
    /// </summary>
    public bool GiveBack()
    {
        if (_budget == null || _charged < 0) return false;
        Settle();
        var before = _charged;
        var target = _budget.ShrinkTarget(_charged);
        if (_charged <= target) return false;
        DropSpares();
        while (Count > 0 && Footprint > target)
        {
            RemoveOldest();
            if (_spare.Count > 0) DropSpares(); // a chunk freed now is given back, not kept
        }
        if (Count == 0) _head = 0;
        if (Count == 0 && _write != null)
        {
            _write = null;
            _chunkBytes -= ChunkBytes;
        }
        if (_ring.Length > InitialSlots && Count <= _ring.Length / 4) Resize(Math.Max(InitialSlots, Count * 2));
        Settle();
        return _charged < before;
    }

    /// <summary>The queue log stops: its bytes leave the budget (the tail is not used afterwards).</summary>
    public void ReleaseBudget()
    {
        if (_budget == null || _charged < 0) return;
        _budget.ChargeCache(-_charged);
        _budget.RemoveHolder();
        _charged = -1;
    }

    private void Settle()
    {
        if (_budget == null || _charged < 0) return;
        var footprint = Footprint;
        _budget.ChargeCache(footprint - _charged);
        _charged = footprint;
    }

    private void DropSpares()
    {
        _chunkBytes -= (long)_spare.Count * ChunkBytes;
        _spare.Clear();
    }

    public Entry this[int i]
    {
        get
        {
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i));
            return new Entry(_firstOffset + i, in _ring[(_head + i) % _ring.Length]);
        }
    }

    /// <summary>Position of offset in the tail, or -1 if it is not held.</summary>
    public int IndexOf(long offset)
    {
        if (Count == 0) return -1;
        var i = offset - _firstOffset;
        return i >= 0 && i < Count ? (int)i : -1;
    }

    /// <summary>
    /// The offset of the first held message stored at or after timestamp; -1 when none is, or when
    /// the oldest held message is, as older messages outside the tail may then be too.
    /// </summary>
    public long OffsetStoredAtOrAfter(long timestamp)
    {
        if (Count == 0 || this[0].StoreTimestamp >= timestamp) return -1;
        for (var i = 0; i < Count; i++)
            if (this[i].StoreTimestamp >= timestamp) return this[i].Offset;
        return -1;
    }

    /// <summary>Forgets the messages below offset (retention moved the queue's min offset past them).</summary>
    public void DropBefore(long offset)
    {
        while (Count > 0 && _firstOffset < offset) RemoveOldest();
    }

    public void Clear()
    {
        while (Count > 0) RemoveOldest();
        _head = 0;
    }

    private Chunk WritableChunk(int length)
    {
        if (_write != null && _write.Used + length <= ChunkBytes) return _write;
        if (_write is { Live: 0 })
        {
            _write.Used = 0;
            return _write;
        }
        if (_spare.Count > 0) _write = _spare.Pop();
        else
        {
            _write = new Chunk(new byte[ChunkBytes], own: false);
            _chunkBytes += ChunkBytes;
        }
        _write.Used = 0;
        return _write;
    }

    private void RemoveOldest()
    {
        ref var slot = ref _ring[_head];
        _bytes -= slot.Length;
        if (slot.Chunk is { } chunk && --chunk.Live == 0)
        {
            if (chunk.Own) _ownBytes -= chunk.Data.Length;
            else if (chunk == _write) chunk.Used = 0;
            else if (_spare.Count < SpareChunks) _spare.Push(chunk);
            else _chunkBytes -= ChunkBytes;
        }
        slot = default;
        _head = (_head + 1) % _ring.Length;
        _firstOffset++;
        Count--;
    }

    private void Grow() => Resize(Math.Min(_maxMessages, _ring.Length * 2));

    private void Resize(int slots)
    {
        var ring = new Slot[slots];
        for (var i = 0; i < Count; i++) ring[i] = _ring[(_head + i) % _ring.Length];
        _ring = ring;
        _head = 0;
    }
}
