using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Pop;

/// <summary>One message of the queue in flight to the group, or done out of order above the consumed offset.</summary>
public sealed class PopEntry
{
    public long Offset { get; init; }
    public int Attempt { get; set; }
    public long Version { get; set; }
    public long VisibleAt { get; set; }
    public bool Done { get; set; }
    /// <summary>On its way to the DLQ (not persisted): neither redelivered nor changed meanwhile.</summary>
    public bool Forwarding { get; set; }
}

public enum PopPlanKind
{
    /// <summary>Nothing to hand out now: the FIFO queue is blocked by a batch in flight, or the in-flight limit is reached.</summary>
    Wait,
    /// <summary>A FIFO receive retried with the same attempt id: the batch it got, unchanged.</summary>
    SameBatch,
    /// <summary>Messages whose invisible time ran out, again, with attempt + 1.</summary>
    Redeliver,
    /// <summary>Messages never handed out, from <see cref="PopQueueState.NextReadOffset"/>.</summary>
    ReadNew,
}

/// <summary>What a receive does; DeadLetters are expired messages past max attempts, for the DLQ whatever the kind.</summary>
public sealed record PopPlan(PopPlanKind Kind, IReadOnlyList<PopEntry> Entries, IReadOnlyList<long> DeadLetters);

/// <summary>How a receipt handle's version stands against the queue's state.</summary>
public enum HandleStanding
{
    /// <summary>The handle of the message's latest delivery or invisible-time change; the message is in flight.</summary>
    Current,
    /// <summary>The message is done for the group (acked, dead-lettered, skipped): acking again changes nothing.</summary>
    AlreadyDone,
    /// <summary>A later delivery or change replaced this handle.</summary>
    Stale,
    /// <summary>No message at that offset was handed out yet.</summary>
    NotDelivered,
}

/// <summary>
/// A POP consumer group's progress on one queue, as plain decisions (the actor persists and serves).
/// Every offset below <see cref="ConsumedOffset"/> is done; between it and <see cref="NextReadOffset"/>
/// only the offsets in <see cref="Entries"/> are in flight or done out of order, the rest were skipped
/// by the filter. The consumed offset moves up as acks fill the gaps, so memory follows the messages
/// in flight (at most <see cref="MaxInFlight"/>), never the backlog. Each delivery and each
/// invisible-time change takes a new handle version, so an older handle of a message is stale.
/// </summary>
public sealed class PopQueueState
{
    /// <summary>Messages of one queue in flight to one group; beyond it the group gets redeliveries only, so memory stays bounded.</summary>
    public const int MaxInFlight = 2048;

    private readonly SortedDictionary<long, PopEntry> _entries = new();
    private string? _attemptId;
    private IReadOnlyList<PopDelivery> _lastBatch = Array.Empty<PopDelivery>();

    public long ConsumedOffset { get; private set; }
    public long NextReadOffset { get; private set; }
    public long LastVersion { get; private set; }
    public IReadOnlyCollection<PopEntry> Entries => _entries.Values;

    /// <summary>Messages handed out and neither acked nor expired-and-done (invisible, or waiting for redelivery).</summary>
    public int InFlight { get; private set; }

    public bool TryGet(long offset, out PopEntry entry) => _entries.TryGetValue(offset, out entry!);

    /// <summary>A handle version no handle had before.</summary>
    public long NextVersion() => ++LastVersion;

    public PopPlan Plan(long now, int max, bool fifo, string? attemptId, int maxAttempts)
    {
        var dead = new List<long>();
        if (fifo && attemptId != null && attemptId == _attemptId && SameBatchInFlight(out var same))
            return new PopPlan(PopPlanKind.SameBatch, same, dead);
        var redeliver = new List<PopEntry>();
        var blocked = false;
        foreach (var e in _entries.Values)
        {
            if (e.Done) continue;
            if (e.Forwarding || e.VisibleAt > now)
            {
                blocked = true;
                continue;
            }
            if (e.Attempt >= maxAttempts) dead.Add(e.Offset);
            // FIFO takes every expired message of the batch again, in order; blocked ones stop it below.
            else if (redeliver.Count < max) redeliver.Add(e);
        }
        // FIFO: nothing of the queue while any of it is invisible or on its way to the DLQ.
        if (fifo && (blocked || dead.Count > 0)) return new PopPlan(PopPlanKind.Wait, Array.Empty<PopEntry>(), dead);
        if (redeliver.Count > 0) return new PopPlan(PopPlanKind.Redeliver, redeliver, dead);
        return new PopPlan(InFlight >= MaxInFlight ? PopPlanKind.Wait : PopPlanKind.ReadNew, Array.Empty<PopEntry>(), dead);
    }

    private bool SameBatchInFlight(out IReadOnlyList<PopEntry> batch)
    {
        var list = new List<PopEntry>(_lastBatch.Count);
        batch = list;
        foreach (var d in _lastBatch)
        {
            if (!_entries.TryGetValue(d.Offset, out var e) || e.Done || e.Forwarding || e.Version != d.Version) return false;
            list.Add(e);
        }
        return list.Count > 0;
    }

    /// <summary>Expired messages past max attempts, for the DLQ (checked by the actor's tick too, when no receive comes).</summary>
    public List<long> DeadLetters(long now, int maxAttempts)
    {
        var dead = new List<long>();
        foreach (var e in _entries.Values)
            if (!e.Done && !e.Forwarding && e.VisibleAt <= now && e.Attempt >= maxAttempts) dead.Add(e.Offset);
        return dead;
    }

    /// <summary>Whether a message in flight has become visible again (a waiting receive can take it).</summary>
    public bool AnyExpired(long now)
    {
        foreach (var e in _entries.Values)
            if (!e.Done && !e.Forwarding && e.VisibleAt <= now) return true;
        return false;
    }

    public HandleStanding Check(ReceiptHandle handle, out PopEntry? entry)
    {
        entry = null;
        if (handle.Offset >= NextReadOffset) return HandleStanding.NotDelivered;
        if (!_entries.TryGetValue(handle.Offset, out var e)) return HandleStanding.AlreadyDone;
        entry = e;
        if (e.Version != handle.Version) return HandleStanding.Stale;
        return e.Done ? HandleStanding.AlreadyDone : HandleStanding.Current;
    }

    // ---------------------------------------------------------------- events (applied live and in recovery)

    public void Apply(PopMessagesDelivered e)
    {
        foreach (var d in e.Deliveries)
        {
            if (!_entries.TryGetValue(d.Offset, out var entry)) _entries[d.Offset] = entry = new PopEntry { Offset = d.Offset };
            else if (entry.Done) continue;
            entry.Attempt = d.Attempt;
            entry.Version = d.Version;
            entry.VisibleAt = d.VisibleAt;
            LastVersion = Math.Max(LastVersion, d.Version);
        }
        if (e.NextReadOffset > NextReadOffset) NextReadOffset = e.NextReadOffset;
        if (e.AttemptId != null)
        {
            _attemptId = e.AttemptId;
            _lastBatch = e.Deliveries;
        }
        Advance();
    }

    public void Apply(PopMessagesDone e)
    {
        foreach (var offset in e.Offsets)
            if (_entries.TryGetValue(offset, out var entry))
            {
                entry.Done = true;
                entry.Forwarding = false;
            }
        Advance();
    }

    public void Apply(PopInvisibleTimeChanged e)
    {
        if (_entries.TryGetValue(e.Offset, out var entry) && !entry.Done)
        {
            entry.Version = e.Version;
            entry.VisibleAt = e.VisibleAt;
        }
        LastVersion = Math.Max(LastVersion, e.Version);
    }

    public PopQueueSnapshot ToSnapshot()
    {
        var entries = new List<PopEntrySnapshot>(_entries.Count);
        foreach (var e in _entries.Values) entries.Add(new PopEntrySnapshot(e.Offset, e.Attempt, e.Version, e.VisibleAt, e.Done));
        return new PopQueueSnapshot(ConsumedOffset, NextReadOffset, LastVersion, entries, _attemptId, _lastBatch);
    }

    public void Restore(PopQueueSnapshot s)
    {
        _entries.Clear();
        foreach (var e in s.Entries)
            _entries[e.Offset] = new PopEntry { Offset = e.Offset, Attempt = e.Attempt, Version = e.Version, VisibleAt = e.VisibleAt, Done = e.Done };
        NextReadOffset = s.NextReadOffset;
        ConsumedOffset = s.ConsumedOffset;
        LastVersion = s.LastVersion;
        _attemptId = s.AttemptId;
        _lastBatch = s.LastBatch;
        Advance();
    }

    // Done entries at the bottom leave: the consumed offset moves up to the first message still in flight.
    private void Advance()
    {
        var inFlight = 0;
        List<long>? gone = null;
        var bottom = true;
        foreach (var e in _entries.Values)
        {
            if (bottom && e.Done) (gone ??= new()).Add(e.Offset);
            else bottom = false;
            if (!e.Done) inFlight++;
        }
        if (gone != null) foreach (var o in gone) _entries.Remove(o);
        InFlight = inFlight;
        ConsumedOffset = _entries.Count > 0 ? _entries.Keys.First() : Math.Max(ConsumedOffset, NextReadOffset);
    }
}
