using Akka.Actor;
using AkkaMq.Broker.Memory;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// The range after the last pull that was served from the journal, read in the background so
/// that a consumer catching up finds its next pull in memory (the journal read of the range
/// after it overlaps with the transfer). At most one range exists. While it loads, pulls for its
/// first offset wait for it (up to maxWaiting); once loaded it serves pulls for offsets inside it,
/// and a pull reaching its end drops it so that the range after it can be read. Also remembers
/// where recent journal reads stopped (offset to sequence number), so the next read starts there.
/// A loaded range is charged to the node's <see cref="MemoryBudget"/>; no range starts while the
/// node is over it, and one no pull waits for is dropped when the node asks caches to give back.
/// </summary>
public sealed class ReadAheadCache
{
    /// <summary>A pull waiting for the range to load.</summary>
    public readonly record struct WaitingPull(PullMessage Request, SubscriptionExpression Filter, IActorRef ReplyTo);

    /// <summary>The queue log's timer message: range Id was not used for a while.</summary>
    public sealed record Unused(long Id) : INoSerializationVerificationNeeded;

    private sealed class Range
    {
        public required long Id;
        public required long From;
        public long To;
        public long NextSeqNr;
        public List<MessagesAppended>? Events;
        public long Bytes; // charged to the budget
        public readonly List<WaitingPull> Waiting = new();
    }

    private const int MaxCursors = 64;

    private readonly bool _enabled;
    private readonly int _maxWaiting;
    private readonly Dictionary<long, long> _cursors = new();
    private Range? _range;
    private long _nextId;
    private readonly MemoryBudget? _budget;

    public ReadAheadCache(bool enabled, int maxWaiting, MemoryBudget? budget = null)
    {
        _enabled = enabled;
        _maxWaiting = maxWaiting;
        _budget = budget;
    }

    /// <summary>Bytes of the loaded range as the budget counts them.</summary>
    public long Bytes => _range?.Bytes ?? 0;

    /// <summary>A range is loading or loaded.</summary>
    public bool IsActive => _range != null;

    /// <summary>The id of the current range; 0 when there is none.</summary>
    public long Id => _range?.Id ?? 0;

    /// <summary>Pulls waiting for the range to load.</summary>
    public int WaitingCount => _range?.Waiting.Count ?? 0;

    /// <summary>A journal read stopped before offset, held in the event at seqNr or later.</summary>
    public void NoteCursor(long offset, long seqNr)
    {
        if (_cursors.Count >= MaxCursors) _cursors.Clear();
        _cursors[offset] = seqNr;
    }

    /// <summary>Where a journal read of offset can start exactly, if a recent read stopped there.</summary>
    public bool TryGetCursor(long offset, out long seqNr) => _cursors.TryGetValue(offset, out seqNr);

    /// <summary>
    /// Starts a range at offset unless reading ahead is off, a range exists, offset is at or past
    /// the committed end, or the tail (starting at tailFirstOffset) holds it already.
    /// </summary>
    public bool TryBegin(long offset, long committedOffset, long tailFirstOffset, out long id)
    {
        id = 0;
        // Nothing beyond the end, and offsets the tail holds need no journal read.
        if (!_enabled || _range != null || offset >= committedOffset || offset >= tailFirstOffset) return false;
        // Over the memory budget pulls read the journal themselves: nothing is read ahead.
        if (_budget is { IsOver: true }) return false;
        _range = new Range { Id = ++_nextId, From = offset };
        id = _range.Id;
        return true;
    }

    /// <summary>
    /// Range id finished loading: keeps its events (an empty read drops the range) and serves the
    /// pulls that waited for it again; ignored if id is not the current range.
    /// </summary>
    public void Loaded(long id, List<MessagesAppended> events, long nextSeqNr, IPullHost host)
    {
        if (_range?.Id != id) return;
        var waiting = _range.Waiting.ToArray();
        if (events.Count == 0)
        {
            _range = null;
        }
        else
        {
            var last = events[^1];
            _range.Events = events;
            _range.To = last.BaseOffset + last.Messages.Count;
            if (_budget != null) _budget.ChargeCache(_range.Bytes = SizeOf(events));
            _range.NextSeqNr = nextSeqNr;
            _range.Waiting.Clear();
        }
        foreach (var (request, filter, replyTo) in waiting) host.Serve(request, filter, request.QueueOffset, replyTo);
    }

    /// <summary>The queue stops: answers the pulls waiting for the range with what the queue holds now.</summary>
    public void ReleaseWaiting(long minOffset, long committedOffset, IPullHost host)
    {
        if (_range == null) return;
        foreach (var (request, filter, replyTo) in _range.Waiting)
            replyTo.Tell(host.Collect(request, filter, request.QueueOffset).Result(minOffset, committedOffset));
    }

    /// <summary>Retention deleted the offsets below minOffset: forgets cursors there, and a loaded range wholly below it.</summary>
    public void DropBefore(long minOffset)
    {
        foreach (var offset in _cursors.Keys.Where(o => o < minOffset).ToList()) _cursors.Remove(offset);
        if (_range is { Events: not null } r && r.To <= minOffset && r.Waiting.Count == 0) Drop();
    }

    /// <summary>The node is over its memory budget: drops the loaded range unless pulls wait for it; true if it did.</summary>
    public bool GiveBack()
    {
        if (_range is not { Events: not null, Waiting.Count: 0 }) return false;
        Drop();
        return true;
    }

    /// <summary>The queue log stops: the range's bytes leave the budget.</summary>
    public void ReleaseBudget()
    {
        if (_range != null) Drop();
    }

    private void Drop()
    {
        if (_range is { Bytes: > 0 } r) _budget?.ChargeCache(-r.Bytes);
        _range = null;
    }

    private static long SizeOf(List<MessagesAppended> events)
    {
        long bytes = 0;
        foreach (var e in events)
            for (var i = 0; i < e.Messages.Count; i++) bytes += e.Messages[i].Body.Length + MessageTail.PerMessageBytes;
        return bytes;
    }

    /// <summary>Range id was not used for a while: drops it, unless pulls wait for it.</summary>
    public void DropIfUnused(long id)
    {
        if (_range?.Id == id && _range.Waiting.Count == 0) Drop();
    }

    /// <summary>Queues the pull if the range is loading and starts at its offset (and there is room).</summary>
    public bool TryWait(PullMessage request, SubscriptionExpression filter, long offset, IActorRef replyTo)
    {
        var r = _range;
        if (r is not { Events: null } || offset != r.From || r.Waiting.Count >= _maxWaiting) return false;
        r.Waiting.Add(new WaitingPull(request, filter, replyTo));
        return true;
    }

    /// <summary>The range is loaded and holds offset.</summary>
    public bool Holds(long offset) => _range is { Events: not null } r && offset >= r.From && offset < r.To;

    /// <summary>Offers the range's messages from offset to the collector, until it is full.</summary>
    public void Fill(PullCollector c, long offset)
    {
        foreach (var e in _range!.Events!)
        {
            if (e.BaseOffset + e.Messages.Count <= offset) continue;
            var full = false;
            for (var i = (int)Math.Max(0, offset - e.BaseOffset); i < e.Messages.Count; i++)
                if (!c.Offer(e.BaseOffset + i, e.StoreTimestamp, e.Messages[i])) { full = true; break; }
            if (full) break;
        }
    }

    /// <summary>
    /// A pull served from the range stopped at nextOffset. If that is the end of the range, drops
    /// it and returns where the range after it begins (offset and the event to read from).
    /// </summary>
    public bool Consumed(long nextOffset, out long to, out long nextSeqNr)
    {
        var r = _range!;
        to = r.To;
        nextSeqNr = r.NextSeqNr;
        if (nextOffset < r.To) return false;
        Drop();
        return true;
    }
}
