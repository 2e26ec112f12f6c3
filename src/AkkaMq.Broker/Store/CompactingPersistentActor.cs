using Akka.Event;
using Akka.Persistence;

namespace AkkaMq.Broker.Store;

/// <summary>
/// A persistent actor whose journal is compacted: once a snapshot is stored, the events it covers
/// and the older snapshots are deleted, so the journal holds one snapshot and the events after it.
/// Events go only after their snapshot is stored, so recovery at any point finds the same state;
/// the journal keeps the highest sequence number through deletion (Akka.Persistence.Sql keeps that
/// row, marked deleted), so a new incarnation never reuses one. A failed deletion is logged once
/// (until one succeeds), the actor keeps serving, and the next snapshot's deletion covers the rest.
/// </summary>
public abstract class CompactingPersistentActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _compactionLog = Context.GetLogger();
    private bool _snapshotFailing;
    private bool _deleteEventsFailing;
    private bool _deleteSnapshotsFailing;
    private bool _deleteInFlight;
    private long _deleteNextTo;

    protected CompactingPersistentActor()
    {
        Command<SaveSnapshotSuccess>(s =>
        {
            _snapshotFailing = false;
            DeleteEventsTo(s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f =>
        {
            if (!_snapshotFailing) _compactionLog.Warning("Snapshot of {0} at {1} failed, its journal is not compacted until one succeeds: {2}",
                PersistenceId, f.Metadata.SequenceNr, f.Cause.Message);
            _snapshotFailing = true;
        });
        Command<DeleteMessagesSuccess>(_ =>
        {
            _deleteEventsFailing = false;
            DeleteFinished();
        });
        Command<DeleteMessagesFailure>(f =>
        {
            DeleteFinished();
            if (!_deleteEventsFailing) _compactionLog.Warning("Deleting the events of {0} up to {1} failed; the next snapshot tries again: {2}",
                PersistenceId, f.ToSequenceNr, f.Cause.Message);
            _deleteEventsFailing = true;
        });
        Command<DeleteSnapshotsSuccess>(_ => _deleteSnapshotsFailing = false);
        Command<DeleteSnapshotsFailure>(f =>
        {
            if (!_deleteSnapshotsFailing) _compactionLog.Warning("Deleting the old snapshots of {0} failed; the next snapshot tries again: {1}",
                PersistenceId, f.Cause.Message);
            _deleteSnapshotsFailing = true;
        });
    }

    /// <summary>One deletion at a time: two of one id at once deadlock on PostgreSQL; a later snapshot's waits and covers the earlier.</summary>
    private void DeleteEventsTo(long seqNr)
    {
        if (_deleteInFlight)
        {
            _deleteNextTo = Math.Max(_deleteNextTo, seqNr);
            return;
        }
        _deleteInFlight = true;
        DeleteMessages(seqNr);
    }

    private void DeleteFinished()
    {
        _deleteInFlight = false;
        if (_deleteNextTo == 0) return;
        var next = _deleteNextTo;
        _deleteNextTo = 0;
        DeleteEventsTo(next);
    }
}
