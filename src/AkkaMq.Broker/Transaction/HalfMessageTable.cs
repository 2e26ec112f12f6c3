using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Transaction;

/// <summary>One undecided half message and its check-back state.</summary>
public sealed class PendingHalf
{
    public PendingHalf(long halfOffset, long storeTimestamp, SendEntry entry, string transactionId)
    {
        HalfOffset = halfOffset;
        StoreTimestamp = storeTimestamp;
        Entry = entry;
        TransactionId = transactionId;
        ProducerGroup = TransactionConst.ProducerGroupOf(entry.Message.Properties) ?? "";
        ImmunityMillis = TransactionCheckPolicy.ImmunityMillis(entry.Message.Properties);
    }

    public long HalfOffset { get; }
    public long StoreTimestamp { get; }
    public SendEntry Entry { get; }
    public string TransactionId { get; }
    public string ProducerGroup { get; }
    public long ImmunityMillis { get; }
    public int CheckCount { get; set; }
    public long LastCheckTimestamp { get; set; }

    /// <summary>
    /// A copy may already be in its target queue though no resolution says so: the entry was recovered from the journal
    /// (a crash can fall between the copy's write and the resolution's), or a delivery failed or timed out. Its next
    /// delivery looks for that copy first, so it is never stored twice.
    /// </summary>
    public bool MaybeStored { get; set; }

    /// <summary>The delivery (commit or check max) in progress, if any.</summary>
    public object? InFlight { get; set; }
}

/// <summary>
/// The transaction entity's state: undecided half messages by half offset (oldest first), the next half offset, and the
/// latest resolutions, so a repeated EndTransaction gets the first one's answer and nothing is stored twice. Pending
/// bodies stay in memory (bounded by the entity's max-pending limits); resolutions beyond MaxRecent are forgotten.
/// </summary>
public sealed class HalfMessageTable
{
    /// <summary>Resolutions remembered for repeated requests; an older transaction id is answered as unknown (never stored again).</summary>
    public const int MaxRecent = 10_000;

    private readonly string _brokerName;
    private readonly SortedDictionary<long, PendingHalf> _pending = new();
    private readonly Dictionary<long, HalfResolution> _recent = new();
    private readonly Queue<long> _recentOrder = new();

    public HalfMessageTable(string brokerName) => _brokerName = brokerName;

    public long NextOffset { get; private set; }
    public int Count => _pending.Count;
    public long PendingBytes { get; private set; }
    public IEnumerable<PendingHalf> Pending => _pending.Values;

    /// <summary>Offsets for n new half messages; they join the table once durable (<see cref="Stored"/>).</summary>
    public long Reserve(int n)
    {
        var first = NextOffset;
        NextOffset += n;
        return first;
    }

    public void Stored(HalfMessagesStored e)
    {
        for (var i = 0; i < e.Entries.Count; i++) Add(new PendingHalf(e.BaseOffset + i, e.StoreTimestamp, e.Entries[i], TransactionIds.Of(_brokerName, e.BaseOffset + i)));
        NextOffset = Math.Max(NextOffset, e.BaseOffset + e.Entries.Count);
    }

    private void Add(PendingHalf p)
    {
        if (!_pending.TryAdd(p.HalfOffset, p)) return;
        PendingBytes += p.Entry.Message.Body.Length;
    }

    public bool TryGet(long halfOffset, out PendingHalf pending) => _pending.TryGetValue(halfOffset, out pending!);

    public bool TryGetResolved(long halfOffset, out HalfResolution resolution) => _recent.TryGetValue(halfOffset, out resolution!);

    /// <summary>Removes a decided half message and remembers the decision; false when it was not pending.</summary>
    public bool Resolve(HalfResolution r)
    {
        Remember(r);
        if (!_pending.Remove(r.HalfOffset, out var p)) return false;
        PendingBytes -= p.Entry.Message.Body.Length;
        return true;
    }

    private void Remember(HalfResolution r)
    {
        if (_recent.TryAdd(r.HalfOffset, r)) _recentOrder.Enqueue(r.HalfOffset);
        while (_recentOrder.Count > MaxRecent) _recent.Remove(_recentOrder.Dequeue());
    }

    public void Checked(HalfMessagesChecked e)
    {
        foreach (var offset in e.HalfOffsets)
        {
            if (!_pending.TryGetValue(offset, out var p)) continue;
            p.CheckCount++;
            p.LastCheckTimestamp = e.Timestamp;
        }
    }

    /// <summary>After recovery every pending half message may have a copy stored by a delivery the crash interrupted.</summary>
    public void MarkAllMaybeStored()
    {
        foreach (var p in _pending.Values) p.MaybeStored = true;
    }

    public TransactionLogSnapshot ToSnapshot()
    {
        var pending = new List<PendingHalfMessage>(_pending.Count);
        foreach (var p in _pending.Values) pending.Add(new PendingHalfMessage(p.HalfOffset, p.StoreTimestamp, p.CheckCount, p.LastCheckTimestamp, p.Entry));
        var recent = new List<HalfResolution>(_recentOrder.Count);
        foreach (var offset in _recentOrder) recent.Add(_recent[offset]);
        return new TransactionLogSnapshot(NextOffset, pending, recent);
    }

    public void Restore(TransactionLogSnapshot s)
    {
        _pending.Clear();
        _recent.Clear();
        _recentOrder.Clear();
        PendingBytes = 0;
        NextOffset = s.NextOffset;
        foreach (var p in s.Pending)
            Add(new PendingHalf(p.HalfOffset, p.StoreTimestamp, p.Entry, TransactionIds.Of(_brokerName, p.HalfOffset))
                { CheckCount = p.CheckCount, LastCheckTimestamp = p.LastCheckTimestamp });
        foreach (var r in s.Recent) Remember(r);
    }

    /// <summary>The admin listing: pending half messages matching the filters (null matches all), oldest first, at most maxNum; and how many match.</summary>
    public (List<HalfMessageInfo> Messages, long Total) List(string? topic, string? group, int maxNum)
    {
        var list = new List<HalfMessageInfo>();
        long total = 0;
        foreach (var p in _pending.Values)
        {
            var m = p.Entry.Message;
            if (topic != null && m.Topic != topic || group != null && p.ProducerGroup != group) continue;
            total++;
            if (list.Count >= maxNum) continue;
            list.Add(new HalfMessageInfo(m.Topic, p.Entry.QueueId, p.ProducerGroup, p.TransactionId,
                m.Properties.TryGetValue(Protocol.Consumer.MessageConst.UniqKey, out var uniq) ? uniq : null, m.Keys,
                p.StoreTimestamp, p.CheckCount, p.LastCheckTimestamp, m.Body.Length));
        }
        return (list, total);
    }
}
