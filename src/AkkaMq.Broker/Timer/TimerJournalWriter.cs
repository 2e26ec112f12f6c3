using Akka.Actor;
using Akka.Persistence;

namespace AkkaMq.Broker.Timer;

/// <summary>
/// Writes one batch of slot journal events (one AtomicWrite of one event per slot) at a time through the journal
/// protocol, and tells its parent which slots were stored. A child of its own, because the journal
/// answers the writer it is given, and the schedule's own persistence must not see these answers.
/// </summary>
internal sealed class TimerJournalWriter : ReceiveActor
{
    internal sealed record Write(long BatchNo, IReadOnlyList<AtomicWrite> Writes) : INoSerializationVerificationNeeded;

    /// <summary>Failed holds the persistence ids not stored, with the reason.</summary>
    internal sealed record Written(long BatchNo, IReadOnlyDictionary<string, string> Failed) : INoSerializationVerificationNeeded;

    private readonly IActorRef _journal;
    private readonly Dictionary<string, string> _failed = new();
    private long _batchNo = -1;
    private int _awaiting;

    public static Props Props(IActorRef journal) => Akka.Actor.Props.Create(() => new TimerJournalWriter(journal));

    public TimerJournalWriter(IActorRef journal)
    {
        _journal = journal;
        Receive<Write>(w =>
        {
            _batchNo = w.BatchNo;
            _failed.Clear();
            _awaiting = w.Writes.Count; // one event per AtomicWrite
            _journal.Tell(new WriteMessages(w.Writes, Self, 1));
        });
        Receive<WriteMessagesSuccessful>(_ => { });
        Receive<WriteMessagesFailed>(_ => { }); // each message's own answer follows
        Receive<WriteMessageSuccess>(_ => Answered(null, null));
        Receive<WriteMessageRejected>(m => Answered(m.Persistent.PersistenceId, m.Cause.Message));
        Receive<WriteMessageFailure>(m => Answered(m.Persistent.PersistenceId, m.Cause.Message));
    }

    private void Answered(string? failedPid, string? error)
    {
        if (failedPid != null) _failed[failedPid] = error ?? "journal write failed";
        if (--_awaiting > 0) return;
        Context.Parent.Tell(new Written(_batchNo, new Dictionary<string, string>(_failed)));
    }
}
