using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Broker.Storage;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Retention;

/// <summary>
/// Retention by time for the broker group this node serves (RocketMQ's CleanCommitLogService):
/// every cleanResourceInterval, within deleteWhen's hours, it asks each queue of the group's topic
/// table, one queue at a time, to delete what was stored before now - fileReservedTime (or the
/// topic's own retention.time attribute, which replaces it for that topic). A queue
/// deletes one batch per request, so a long backlog goes in steps and the queue keeps serving sends
/// between them. Over diskMaxUsedSpaceRatio every tick runs a pass at any hour that deletes the
/// oldest messages across queues before their time (<see cref="RetentionPolicy.PressureCutoff"/>).
/// <see cref="CleanExpired"/> starts a pass with a given cutoff at any hour. A topic's retention.bytes
/// (per queue) is enforced in every pass, and outside deleteWhen's hours a tick still runs a pass over
/// the topics that have one, as a size limit is about space, not the hour. Only the
/// node serving the group (its lowest live brokerId) cleans, as its queue logs live there.
/// </summary>
public sealed class RetentionCleaner : ReceiveActor, IWithTimers
{
    public const string Name = "broker-retention";

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record StepTimeout(long Step);

    private sealed class Pass(long cutoff, IActorRef? requester, long? now = null, bool bytesOnly = false)
    {
        /// <summary>Only topics with retention.bytes are visited (a tick outside deleteWhen's hours).</summary>
        public readonly bool BytesOnly = bytesOnly;
        public readonly List<long?> Bytes = new();
        public readonly long Cutoff = cutoff;
        public readonly IActorRef? Requester = requester;
        /// <summary>Set for a pass by time: a topic's retention.time then replaces fileReservedTime.</summary>
        public readonly long? Now = now;
        public readonly List<(string Topic, int QueueId)> Queues = new();
        public readonly List<long> Cutoffs = new();
        public int Next;
        public int Asked;
        public long Deleted;
    }

    private static readonly TimeSpan StepTimeoutAfter = TimeSpan.FromSeconds(30);

    private readonly string _brokerName;
    private readonly RetentionSettings _settings;
    private readonly IActorRef _region;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<(string, int), long> _nextExpiry = new();
    // Queues last found within their retention.bytes, with their max offset and the limit then.
    private readonly Dictionary<(string, int), (long MaxOffset, long Limit)> _withinLimit = new();
    private readonly Stats.BrokerStats _stats = Stats.BrokerStatsExtension.For(Context.System);
    private readonly Queue<(long Cutoff, IActorRef Requester)> _waiting = new();
    private Pass? _pass;
    private long _step;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string brokerName, RetentionSettings settings, IActorRef region, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new RetentionCleaner(brokerName, settings, region, clock));

    public RetentionCleaner(string brokerName, RetentionSettings settings, IActorRef region, TimeProvider clock)
    {
        _brokerName = brokerName;
        _settings = settings;
        _region = region;
        _clock = clock;
        Receive<Tick>(_ => OnTick());
        Receive<CleanExpired>(m =>
        {
            _waiting.Enqueue((m.CutoffTimestamp, Sender));
            StartWaiting();
        });
        Receive<TopicConfigs>(OnTopics);
        Receive<ExpiredMessagesCleaned>(OnCleaned);
        Receive<StepTimeout>(t =>
        {
            if (_pass == null || t.Step != _step) return;
            if (_pass.Queues.Count == 0)
            {
                _log.Warning("Retention: the topic table of {0} did not answer within {1}", _brokerName, StepTimeoutAfter);
                Finish();
                return;
            }
            _log.Warning("Retention: no answer from queue {0} of {1} within {2}; going on with the next", Current(), _brokerName, StepTimeoutAfter);
            _pass.Next++;
            AskNext();
        });
    }

    protected override void PreStart()
    {
        // Disk pressure deletes even with fileReservedTime off, so the tick always runs.
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.CleanResourceInterval);
    }

    private void OnTick()
    {
        if (_pass != null) return;
        if (DiskSpace.For(Context.System).Current is { Pressure: >= DiskPressure.OverMaxUsed } disk)
        {
            var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            // Until a pass has told which queue holds what, a survey pass (cutoff 0) deletes nothing and learns it.
            var cutoff = OldestStored() is { } oldest ? RetentionPolicy.PressureCutoff(oldest, now, disk.Pressure > DiskPressure.OverMaxUsed) : 0;
            Start(cutoff, null);
            return;
        }
        if (!_settings.DeleteWhen.Matches(_clock.GetLocalNow().Hour))
        {
            Start(0, null, bytesOnly: true);
            return;
        }
        // With fileReservedTime off only topics with their own retention.time have a cutoff.
        var utcNow = _clock.GetUtcNow();
        Start(_settings.FileReservedTime is { } reserved ? (utcNow - reserved).ToUnixTimeMilliseconds() : 0, null, utcNow.ToUnixTimeMilliseconds());
    }

    private void StartWaiting()
    {
        while (_pass == null && _waiting.Count > 0)
        {
            var (cutoff, requester) = _waiting.Dequeue();
            Start(cutoff, requester);
        }
    }

    private void Start(long cutoff, IActorRef? requester, long? now = null, bool bytesOnly = false)
    {
        if (!ServesGroup())
        {
            if (bytesOnly) return;
            requester?.Tell(new CleanPassFinished(cutoff, 0, 0, $"this node does not serve broker group {_brokerName}: its serving node cleans"));
            return;
        }
        _pass = new Pass(cutoff, requester, now, bytesOnly);
        _region.Tell(new GetTopicConfigs(_brokerName));
        Timers.StartSingleTimer("step", new StepTimeout(++_step), StepTimeoutAfter);
    }

    private void OnTopics(TopicConfigs m)
    {
        if (_pass == null || _pass.Queues.Count > 0) return;
        var known = new HashSet<(string, int)>();
        foreach (var t in m.Configs)
        {
            if (_pass.BytesOnly && t.RetentionBytes == null)
            {
                for (var q = 0; q < Math.Max(t.ReadQueueNums, t.WriteQueueNums); q++) known.Add((t.TopicName, q));
                continue;
            }
            var cutoff = _pass.Now is { } now && t.RetentionTime is { } own ? now - (long)own.TotalMilliseconds : _pass.Cutoff;
            for (var q = 0; q < Math.Max(t.ReadQueueNums, t.WriteQueueNums); q++)
            {
                _pass.Queues.Add((t.TopicName, q));
                _pass.Cutoffs.Add(cutoff);
                _pass.Bytes.Add(t.RetentionBytes);
                known.Add((t.TopicName, q));
            }
        }
        // Deleted topics leave the table: forget their queues.
        foreach (var key in _nextExpiry.Keys.Where(k => !known.Contains(k)).ToList()) _nextExpiry.Remove(key);
        foreach (var key in _withinLimit.Keys.Where(k => !known.Contains(k)).ToList()) _withinLimit.Remove(key);
        AskNext();
    }

    private (string Topic, int QueueId) Current() => _pass!.Queues[_pass.Next];

    /// <summary>The oldest store time any known queue still holds (its next expiry), or null before the first pass.</summary>
    private long? OldestStored()
    {
        long? oldest = null;
        foreach (var next in _nextExpiry.Values)
            if (oldest == null || next < oldest) oldest = next;
        return oldest;
    }

    private void AskNext()
    {
        var pass = _pass!;
        while (pass.Next < pass.Queues.Count)
        {
            var q = pass.Queues[pass.Next];
            // A queue that holds nothing stored before the cutoff is not woken (it may be passivated).
            var cutoff = pass.Cutoffs[pass.Next];
            if (_nextExpiry.TryGetValue(q, out var next) && cutoff <= next && WithinLimit(q, pass.Bytes[pass.Next]))
            {
                pass.Next++;
                continue;
            }
            pass.Asked++;
            _region.Tell(new CleanExpiredMessages(_brokerName, q.Topic, q.QueueId, cutoff, pass.Bytes[pass.Next]));
            Timers.StartSingleTimer("step", new StepTimeout(++_step), StepTimeoutAfter);
            return;
        }
        Finish();
    }

    /// <summary>No size limit, or the queue was found within it and has taken no message since (the limit unchanged).</summary>
    private bool WithinLimit((string Topic, int QueueId) q, long? limit) =>
        limit is not { } l || (_withinLimit.TryGetValue(q, out var w) && w.Limit == l && w.MaxOffset == _stats.Queue(q.Topic, q.QueueId).MaxOffsetValue);

    private void OnCleaned(ExpiredMessagesCleaned r)
    {
        if (_pass == null || _pass.Next >= _pass.Queues.Count || Current() != (r.Topic, r.QueueId)) return;
        _pass.Deleted += r.DeletedMessages;
        _nextExpiry[(r.Topic, r.QueueId)] = r.NextExpiry;
        if (_pass.Bytes[_pass.Next] is { } limit && r.Error == null && !r.More)
            _withinLimit[(r.Topic, r.QueueId)] = (_stats.Queue(r.Topic, r.QueueId).MaxOffsetValue, limit);
        else _withinLimit.Remove((r.Topic, r.QueueId));
        if (r.Error != null) _log.Warning("Retention of queue {0}:{1} of {2}: {3}", r.Topic, r.QueueId, _brokerName, r.Error);
        if (r.More && r.Error == null)
        {
            _region.Tell(new CleanExpiredMessages(_brokerName, r.Topic, r.QueueId, _pass.Cutoffs[_pass.Next], _pass.Bytes[_pass.Next]));
            Timers.StartSingleTimer("step", new StepTimeout(++_step), StepTimeoutAfter);
            return;
        }
        _pass.Next++;
        AskNext();
    }

    private void Finish()
    {
        var pass = _pass!;
        _pass = null;
        Timers.Cancel("step");
        if (pass.Deleted > 0 && pass.BytesOnly)
            _log.Info("Retention deleted {0} messages from {1} queues of {2} over their topic's retention.bytes", pass.Deleted, pass.Asked, _brokerName);
        else if (pass.Deleted > 0)
            _log.Info("Retention deleted {0} messages stored before {1} from {2} queues of {3}", pass.Deleted,
                DateTimeOffset.FromUnixTimeMilliseconds(pass.Cutoff).ToString("u"), pass.Asked, _brokerName);
        pass.Requester?.Tell(new CleanPassFinished(pass.Cutoff, pass.Asked, pass.Deleted, null));
        StartWaiting();
    }

    /// <summary>Whether this node is the one the group's shard lives on (BrokerGroupAllocationStrategy's choice).</summary>
    private bool ServesGroup()
    {
        var cluster = Cluster.Get(Context.System);
        var role = BrokerRegion.GroupRole(_brokerName);
        Member? best = null;
        var bestId = long.MaxValue;
        foreach (var m in cluster.State.Members)
        {
            if (m.Status != MemberStatus.Up || !m.HasRole(role) || cluster.State.Unreachable.Contains(m)) continue;
            var id = BrokerRegion.BrokerIdOf(m.Roles) ?? long.MaxValue - 1;
            if (id < bestId) { bestId = id; best = m; }
        }
        return best != null && best.Address.Equals(cluster.SelfAddress);
    }
}
