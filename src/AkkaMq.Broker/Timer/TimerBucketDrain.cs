using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaMq.Broker.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Timer;

/// <summary>
/// Delivers one bucket of the timer wheel: reads its slot journal up to the seal a page at a time,
/// stores each message in its real queue once its time has come (never before), hands messages of
/// later buckets sharing the slot back to the schedule to be written again, then writes a small
/// tombstone and deletes the slot journal up to it. Tells its parent the outcome and stops. A crash
/// before the deletion delivers the bucket again after restart: at least once, never early.
/// </summary>
internal sealed class TimerBucketDrain : ReceiveActor, IWithTimers
{
    internal sealed record Job(string PersistenceId, TimerBucket Bucket, long BucketEnd, long SealSeqNr, long TombstoneSeqNr, IActorRef Journal,
        IActorRef Region, string BrokerName, Func<long> Now, ScheduleSettings Settings) : INoSerializationVerificationNeeded;

    /// <summary>To the parent: write these again (they belong to later buckets); answered with Carried.</summary>
    internal sealed record Carry(IReadOnlyList<ScheduledMessage> Messages) : INoSerializationVerificationNeeded;

    internal sealed record Carried(string? Error) : INoSerializationVerificationNeeded;

    internal sealed record Drained(TimerBucket Bucket, int Delivered, string? Error) : INoSerializationVerificationNeeded;

    private sealed class Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private readonly Job _job;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Read but not yet handed to their queue, earliest first; pages are read ahead while these stay under MaxHeldBytes.
    private readonly PriorityQueue<ScheduledMessage, (long, long)> _due = new();
    private const long MaxHeldBytes = 16 << 20;
    private long _heldBytes;
    private readonly List<ScheduledMessage> _carry = new();
    private readonly Dictionary<long, (ScheduledMessage Message, long SentAt)> _inflight = new();
    private long _fromSeqNr;
    private long _lastSeqNr;
    private int _pageEvents;
    private bool _reading;
    private bool _lastPage;
    private bool _carrying;
    private long _nextCorrelation;
    private int _delivered;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Job job) => Akka.Actor.Props.Create(() => new TimerBucketDrain(job));

    public TimerBucketDrain(Job job)
    {
        _job = job;
        Receive<ReplayedMessage>(m => OnEvent(m.Persistent));
        Receive<RecoverySuccess>(_ => PageRead());
        Receive<ReplayMessagesFailure>(f => Finish($"reading {_job.PersistenceId} failed: {f.Cause.Message}"));
        Receive<Tick>(_ => DeliverDue());
        Receive<SendAcks>(OnAcks);
        Receive<Carried>(c =>
        {
            if (c.Error != null) { Finish($"writing messages of later buckets again failed: {c.Error}"); return; }
            _carrying = false;
            MaybeNextPage();
        });
        Receive<WriteMessagesSuccessful>(_ => { });
        Receive<WriteMessagesFailed>(_ => { });
        Receive<WriteMessageSuccess>(_ => _job.Journal.Tell(new DeleteMessagesTo(_job.PersistenceId, _job.TombstoneSeqNr, Self)));
        Receive<WriteMessageRejected>(m => Finish($"tombstone refused: {m.Cause.Message}"));
        Receive<WriteMessageFailure>(m => Finish($"tombstone not written: {m.Cause.Message}"));
        Receive<DeleteMessagesSuccess>(_ => Finish(null));
        Receive<DeleteMessagesFailure>(f => Finish($"deleting {_job.PersistenceId} failed: {f.Cause.Message}"));
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("tick", Tick.Instance, _job.Settings.TickInterval);
        ReadPage();
    }

    private void ReadPage()
    {
        _reading = true;
        _pageEvents = 0;
        _job.Journal.Tell(new ReplayMessages(_fromSeqNr, _job.SealSeqNr, _job.Settings.DrainPageEvents, _job.PersistenceId, Self));
    }

    private void OnEvent(IPersistentRepresentation p)
    {
        _pageEvents++;
        _lastSeqNr = p.SequenceNr;
        if (p.Payload is not ScheduledMessagesAdded added) return; // a tombstone of an earlier turn
        foreach (var m in added.Messages)
        {
            if (m.DeliverAt >= _job.BucketEnd)
            {
                _carry.Add(m);
                continue;
            }
            _due.Enqueue(m, (m.DeliverAt, m.Id));
            _heldBytes += m.Body.Length + 64;
        }
    }

    private void PageRead()
    {
        _reading = false;
        _lastPage = _pageEvents < _job.Settings.DrainPageEvents || _lastSeqNr >= _job.SealSeqNr;
        _fromSeqNr = _lastSeqNr + 1;
        if (_carry.Count > 0)
        {
            _carrying = true;
            Context.Parent.Tell(new Carry(_carry.ToArray()));
            _carry.Clear();
        }
        DeliverDue();
    }

    private void DeliverDue()
    {
        if (_reading || Storage.DiskSpace.For(Context.System).RefusesWrites) return; // disk full: due messages wait, late but kept
        var now = _job.Now();
        var redeliverMs = (long)_job.Settings.RedeliverAfter.TotalMilliseconds;
        List<(long Id, ScheduledMessage Message)>? send = null;
        foreach (var (id, (m, sentAt)) in _inflight)
            if (now - sentAt >= redeliverMs) (send ??= new()).Add((id, m));
        while (_due.TryPeek(out var next, out _) && next.DeliverAt <= now && _inflight.Count + (send?.Count ?? 0) < 5000)
        {
            _due.Dequeue();
            _heldBytes -= next.Body.Length + 64;
            (send ??= new()).Add((_nextCorrelation++, next));
        }
        if (send != null)
        {
            var byQueue = new Dictionary<(string, int), List<SendEntry>>();
            foreach (var (id, m) in send)
            {
                _inflight[id] = (m, now);
                if (!byQueue.TryGetValue((m.Topic, m.QueueId), out var list)) byQueue[(m.Topic, m.QueueId)] = list = new List<SendEntry>();
                // The delay properties stay on the message as a record; the queue stores it as is.
                list.Add(new SendEntry(id, m.QueueId, false, m.BornTimestamp, new Message(m.Topic, m.Body, m.Tags, m.Keys, m.Properties)));
            }
            foreach (var ((topic, queueId), entries) in byQueue)
                _job.Region.Tell(new AppendMessages(_job.BrokerName, topic, queueId, entries), Self);
        }
        MaybeNextPage();
    }

    private void OnAcks(SendAcks m)
    {
        var failed = 0;
        string? error = null;
        foreach (var a in m.Acks)
        {
            if (!_inflight.ContainsKey(a.CorrelationId)) continue;
            if (a.Code == ResponseCode.Success)
            {
                _inflight.Remove(a.CorrelationId);
                _delivered++;
                continue;
            }
            failed++; // retried after redeliver-after, as RocketMQ's schedule service waits after a failed put
            error ??= a.Error;
        }
        if (failed > 0)
            _log.Warning("{0} delayed message(s) of {1} not stored yet ({2}); retrying in {3} s", failed, _job.BrokerName, error, _job.Settings.RedeliverAfter.TotalSeconds);
        MaybeNextPage();
    }

    private void MaybeNextPage()
    {
        if (_reading || _carrying) return;
        if (!_lastPage)
        {
            if (_heldBytes < MaxHeldBytes) ReadPage();
            return;
        }
        if (_due.Count > 0 || _inflight.Count > 0) return;
        _reading = true; // done reading: the tombstone, then the deletion
        var tombstone = new Persistent(new ScheduledMessagesDelivered(Array.Empty<long>()), _job.TombstoneSeqNr, _job.PersistenceId, string.Empty,
            false, ActorRefs.NoSender, string.Empty);
        _job.Journal.Tell(new WriteMessages(new[] { new AtomicWrite(tombstone) }, Self, 1));
    }

    private void Finish(string? error)
    {
        Context.Parent.Tell(new Drained(_job.Bucket, _delivered, error));
        Context.Stop(Self);
    }
}
