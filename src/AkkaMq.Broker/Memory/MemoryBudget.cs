using System.Diagnostics;
using Akka.Actor;

namespace AkkaMq.Broker.Memory;

/// <summary>
/// Told (on the EventStream) to every queue log when the node is over its memory budget: each
/// gives back the oldest messages of its tail and its read-ahead range (<see cref="MemoryBudget.ShrinkTarget"/>).
/// Node-local: it never crosses the wire.
/// </summary>
public sealed class ShrinkCaches : INoSerializationVerificationNeeded
{
    public static readonly ShrinkCaches Instance = new();
    private ShrinkCaches() { }
}

/// <summary>
/// One byte budget per broker node (akkamq.broker.memory.max-cache-bytes) for what its queue logs
/// hold in memory: tails and read-ahead ranges (caches, which can always be read again from the
/// journal) and pending sends (waiting for or in a journal write, which cannot be dropped).
/// Invariants: caches give back memory before a send is refused; a send is refused only when the
/// pending sends alone would pass the limit, so never an acknowledged message is dropped; one
/// append is always taken while no other send is pending, so a batch larger than the budget
/// cannot stall the node. Thread-safe without locks: each holder charges and releases its own
/// bytes with one Interlocked.Add per batch.
/// </summary>
public sealed class MemoryBudget
{
    /// <summary>Shrink requests closer together than this are merged: the last one still reaches every queue.</summary>
    public static readonly TimeSpan ShrinkInterval = TimeSpan.FromMilliseconds(500);

    private readonly Action? _requestShrink;
    private readonly long _shrinkIntervalTicks;
    private long _cached;
    private long _pending;
    private int _holders;
    private long _lastShrinkAt = long.MinValue / 2;
    private long _refused;
    private int _deferred;

    /// <param name="limit">Bytes the node's caches and pending sends may hold together.</param>
    /// <param name="requestShrink">Asks every holder to give back memory (the extension publishes <see cref="ShrinkCaches"/>).</param>
    /// <param name="shrinkInterval">Least time between two shrink requests; null for <see cref="ShrinkInterval"/>.</param>
    public MemoryBudget(long limit, Action? requestShrink = null, TimeSpan? shrinkInterval = null)
    {
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "the memory budget must be at least one byte");
        Limit = limit;
        _requestShrink = requestShrink;
        _shrinkIntervalTicks = (long)((shrinkInterval ?? ShrinkInterval).TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>The budget in bytes.</summary>
    public long Limit { get; }

    /// <summary>Bytes held by tails and read-ahead ranges.</summary>
    public long Cached => Volatile.Read(ref _cached);

    /// <summary>Bytes of sends waiting for or in a journal write.</summary>
    public long Pending => Volatile.Read(ref _pending);

    public long Used => Cached + Pending;

    /// <summary>Used / Limit; above 1 while caches are giving back memory.</summary>
    public double UsedRatio => (double)Used / Limit;

    public bool IsOver => Used > Limit;

    /// <summary>Queue logs holding caches now.</summary>
    public int Holders => Volatile.Read(ref _holders);

    /// <summary>Appends refused because pending sends filled the budget, since the node started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Asks the GC for a gen2 once caches gave back enough (set once, at start); null: never.</summary>
    public GivenBackCollector? Collector { get; init; }

    public void AddHolder() => Interlocked.Increment(ref _holders);

    public void RemoveHolder() => Interlocked.Decrement(ref _holders);

    /// <summary>A cache grew (positive) or shrank (negative) by delta bytes; growing past the limit asks every holder to give back.</summary>
    public void ChargeCache(long delta)
    {
        if (delta == 0) return;
        var cached = Interlocked.Add(ref _cached, delta);
        if (delta > 0 && cached + Pending > Limit) RequestShrink();
        else if (delta < 0) Collector?.Note(-delta);
    }

    /// <summary>
    /// Takes bytes for one append of sends, unless the pending sends would pass the limit (caches do
    /// not count: they give back first). The first append while nothing is pending is always taken.
    /// </summary>
    public bool TryChargePending(long bytes)
    {
        var pending = Interlocked.Add(ref _pending, bytes);
        if (pending > Limit && pending != bytes)
        {
            Interlocked.Add(ref _pending, -bytes);
            Interlocked.Increment(ref _refused);
            RequestShrink();
            return false;
        }
        if (pending + Cached > Limit) RequestShrink();
        return true;
    }

    /// <summary>Sends of bytes were persisted or failed.</summary>
    public void ReleasePending(long bytes)
    {
        if (bytes != 0) Interlocked.Add(ref _pending, -bytes);
    }

    /// <summary>
    /// What a cache holding `held` bytes keeps when asked to give back: all of it while the node is
    /// within the budget; otherwise its share of what pending sends leave, or more if giving back
    /// the excess alone already brings the node within the budget (the oldest messages go first).
    /// </summary>
    public long ShrinkTarget(long held)
    {
        var pending = Pending;
        var excess = Cached + pending - Limit;
        if (excess <= 0) return held;
        var share = Math.Max(0, Limit - pending) / Math.Max(1, Holders);
        return Math.Max(0, Math.Min(held, Math.Max(share, held - excess)));
    }

    /// <summary>The refusal of a send, naming the budget and what holds it.</summary>
    public string BusyError(string topic, int queueId) =>
        $"broker busy, memory budget exhausted: akkamq.broker.memory.max-cache-bytes is {Limit} bytes and {Pending} are held by pending sends " +
        $"({Cached} by caches) on this node; send to {topic}:{queueId} refused, retry later";

    /// <summary>Asks every holder to give back (on the EventStream), unless it was asked less than the shrink interval ago.</summary>
    public void RequestShrink()
    {
        if (_requestShrink == null) return;
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastShrinkAt);
        var wait = last + _shrinkIntervalTicks - now;
        if (wait > 0)
        {
            // Merged into the last request: ask once more when the interval is over, in case no later charge does.
            if (Interlocked.CompareExchange(ref _deferred, 1, 0) == 0)
                Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency)).ContinueWith(_ =>
                {
                    Volatile.Write(ref _deferred, 0);
                    if (IsOver) RequestShrink();
                }, TaskScheduler.Default);
            return;
        }
        if (Interlocked.CompareExchange(ref _lastShrinkAt, now, last) != last) return;
        _requestShrink();
    }

    /// <summary>The node's budget (one per ActorSystem, so nodes in one test process stay apart).</summary>
    public static MemoryBudget For(ActorSystem system) => MemoryBudgetExtension.Instance.Apply(system).Budget;
}

/// <summary>Holds the node's <see cref="MemoryBudget"/>, sized from akkamq.broker.memory when the first queue log asks.</summary>
public sealed class MemoryBudgetHolder(MemoryBudget budget) : IExtension
{
    public MemoryBudget Budget { get; } = budget;
}

public sealed class MemoryBudgetExtension : ExtensionIdProvider<MemoryBudgetHolder>
{
    public static readonly MemoryBudgetExtension Instance = new();

    public override MemoryBudgetHolder CreateExtension(ExtendedActorSystem system)
    {
        var settings = MemorySettings.Create(system.Settings.Config.GetConfig("akkamq.broker") ?? Akka.Configuration.Config.Empty);
        var stream = system.EventStream;
        var collector = settings.CollectAfterGivenBack > 0
            ? new GivenBackCollector(settings.CollectAfterGivenBack, static () => GC.CollectionCount(2), GivenBackCollector.Background)
            : null;
        return new MemoryBudgetHolder(new MemoryBudget(settings.MaxCacheBytes, () => stream.Publish(ShrinkCaches.Instance)) { Collector = collector });
    }
}
