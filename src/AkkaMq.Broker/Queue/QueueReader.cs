using Akka.Actor;
using Akka.Persistence;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// Serves one read of old offsets straight from the journal (range replay by sequence number),
/// so the QueueLog never blocks on a read. Answers the requester itself, tells its parent where
/// the next read should start, and stops.
/// </summary>
internal sealed class QueueReader : ReceiveActor
{
    internal sealed record ReadCursor(long Offset, long SeqNr) : INoSerializationVerificationNeeded;

    /// <summary>Read-ahead mode: collect the events holding offsets from FromOffset, up to the limits.</summary>
    internal sealed record ReadAhead(long Id, long FromOffset, int MaxMessages, long MaxBytes);

    /// <summary>Read-ahead answer to the parent: the events read (empty on failure) and the sequence number after the last.</summary>
    internal sealed record ReadAheadLoaded(long Id, List<MessagesAppended> Events, long NextSeqNr) : INoSerializationVerificationNeeded;

    internal sealed record Job(
        string PersistenceId,
        IActorRef Journal,
        long FromSeqNr,
        long ToSeqNr,
        int BatchEvents,
        IActorRef ReplyTo,
        long MinOffset,
        long MaxOffset,
        // Pull mode
        PullCollector? Collector,
        // Search-by-time mode
        QueryQueueOffset? Search,
        // Read-ahead mode (answers the parent)
        ReadAhead? Ahead = null) : INoSerializationVerificationNeeded;

    private readonly Job _job;
    private long _nextSeqNr;
    private long _lastSeqNrInChunk;
    private int _eventsInChunk;
    private long _cursorOffset = -1, _cursorSeqNr = -1;
    private long _foundOffset = -1;
    private List<MessagesAppended>? _ahead;
    private long _aheadMessages, _aheadBytes, _aheadNextSeqNr;

    public static Props Props(Job job) => Akka.Actor.Props.Create(() => new QueueReader(job));

    public QueueReader(Job job)
    {
        _job = job;
        _nextSeqNr = job.FromSeqNr;
        _aheadNextSeqNr = job.FromSeqNr;
        if (job.Ahead != null) _ahead = new List<MessagesAppended>();
        Receive<ReplayedMessage>(m => OnEvent(m.Persistent));
        Receive<RecoverySuccess>(_ =>
        {
            var done = Done() || _eventsInChunk < _job.BatchEvents || _lastSeqNrInChunk >= _job.ToSeqNr;
            if (done) Finish();
            else RequestChunk();
        });
        Receive<ReplayMessagesFailure>(f => Fail($"journal read failed: {f.Cause.Message}"));
        Receive<ReceiveTimeout>(_ => Fail("journal read timed out"));
    }

    protected override void PreStart()
    {
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
        RequestChunk();
    }

    private void RequestChunk()
    {
        _eventsInChunk = 0;
        // Bound the range itself: the SQL journal reads a whole replay batch of rows before it applies max.
        var to = Math.Min(_job.ToSeqNr, _nextSeqNr + _job.BatchEvents - 1);
        _job.Journal.Tell(new ReplayMessages(_nextSeqNr, to, _job.BatchEvents, _job.PersistenceId, Self));
    }

    private bool Done() => _job.Collector?.Full == true || _foundOffset >= 0
        || (_job.Ahead is { } a && (_aheadMessages >= a.MaxMessages || _aheadBytes >= a.MaxBytes));

    private void OnEvent(IPersistentRepresentation p)
    {
        _eventsInChunk++;
        _lastSeqNrInChunk = p.SequenceNr;
        _nextSeqNr = p.SequenceNr + 1;
        if (Done() || p.Payload is not MessagesAppended e) return;
        var msgs = e.Messages;
        if (_job.Collector is { } c)
        {
            for (var i = 0; i < msgs.Count; i++)
            {
                if (!c.Offer(e.BaseOffset + i, e.StoreTimestamp, msgs[i])) break;
            }
            // Where the next pull starts: inside this event, or at the next one.
            var end = e.BaseOffset + msgs.Count;
            if (c.NextOffset < end) { _cursorOffset = c.NextOffset; _cursorSeqNr = p.SequenceNr; }
            else { _cursorOffset = end; _cursorSeqNr = p.SequenceNr + 1; }
        }
        else if (_job.Search is { } s && e.StoreTimestamp >= s.Timestamp && msgs.Count > 0)
        {
            _foundOffset = e.BaseOffset;
        }
        else if (_job.Ahead is { } a)
        {
            _aheadNextSeqNr = p.SequenceNr + 1;
            if (e.BaseOffset + msgs.Count <= a.FromOffset) return;
            _ahead!.Add(e);
            for (var i = (int)Math.Max(0, a.FromOffset - e.BaseOffset); i < msgs.Count; i++)
            {
                _aheadMessages++;
                _aheadBytes += msgs[i].Body.Length;
            }
        }
    }

    private void Finish()
    {
        if (_job.Collector is { } c)
        {
            _job.ReplyTo.Tell(c.Result(_job.MinOffset, _job.MaxOffset));
            if (_cursorSeqNr > 0) Context.Parent.Tell(new ReadCursor(_cursorOffset, _cursorSeqNr));
        }
        else if (_job.Search is { } s)
        {
            var offset = _foundOffset >= 0 ? _foundOffset : _job.MaxOffset;
            _job.ReplyTo.Tell(new QueueOffsetReply(s.Topic, s.QueueId, offset, _job.MinOffset, _job.MaxOffset, -1, ResponseCode.Success, null));
        }
        else if (_job.Ahead is { } a)
        {
            _job.ReplyTo.Tell(new ReadAheadLoaded(a.Id, _ahead!, _aheadNextSeqNr));
        }
        Context.Stop(Self);
    }

    private void Fail(string error)
    {
        if (_job.Collector != null)
            _job.ReplyTo.Tell(_job.Collector.Failure(error, _job.MinOffset, _job.MaxOffset));
        else if (_job.Search is { } s)
            _job.ReplyTo.Tell(new QueueOffsetReply(s.Topic, s.QueueId, -1, _job.MinOffset, _job.MaxOffset, -1, ResponseCode.SystemError, error));
        else if (_job.Ahead is { } a)
            _job.ReplyTo.Tell(new ReadAheadLoaded(a.Id, new List<MessagesAppended>(), _job.FromSeqNr));
        Context.Stop(Self);
    }
}
