using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Transaction;

// Delivery of a half message's copy: into its real queue on commit, into TRANS_CHECK_MAX_TIME_TOPIC at check max.
// Exactly once: the resolution is persisted only after the copy's write is acked, and a half message that may already
// have a copy (recovered after a crash, or a failed or unanswered write) is first looked for by a CopyFinder.
public sealed partial class TransactionLog
{
    private sealed class Delivery
    {
        public required long Attempt;
        public required HalfMessageOutcome Outcome;
        public required SendEntry Copy;
        public readonly List<(IActorRef To, EndTransaction Request)> Waiters = new();
    }

    private sealed record DeliveryTimedOut(long HalfOffset, long Attempt) : INoSerializationVerificationNeeded;

    private readonly Dictionary<long, (long HalfOffset, HalfMessageOutcome Outcome)> _attempts = new(); // kept after a failure, for a late ack
    private long _nextAttempt;
    private bool _checkMaxTopicCreated;

    private void ServeDeliveries()
    {
        Command<SendAcks>(OnCopyAcks);
        Command<CopyFinder.Result>(OnCopySearched);
        Command<DeliveryTimedOut>(OnDeliveryTimedOut);
        Command<UpdateTopicConfigReply>(r =>
        {
            if (r.Code != ResponseCode.Success) _log.Warning("Transactions of {0}: creating topic {1} failed: {2}", _brokerName, r.Topic, r.Error);
        });
    }

    /// <summary>Starts (or joins) the delivery of p's copy; waiter, when given, gets the EndTransactionReply.</summary>
    private void Deliver(PendingHalf p, HalfMessageOutcome outcome, IActorRef? waiter, EndTransaction? request)
    {
        if (p.InFlight is Delivery running)
        {
            if (waiter == null) return;
            if (running.Outcome == outcome) running.Waiters.Add((waiter, request!));
            else ReplyFailure(request!, waiter, $"transaction {p.TransactionId} is being moved to {TransactionConst.CheckMaxTimeTopic} after transactionCheckMax check-backs");
            return;
        }
        if (p.InFlight != null)
        {
            if (waiter != null) ReplyFailure(request!, waiter, $"transaction {p.TransactionId} is being rolled back or dropped");
            return;
        }
        var attempt = ++_nextAttempt;
        var d = new Delivery { Attempt = attempt, Outcome = outcome, Copy = CopyOf(p, attempt, outcome) };
        if (waiter != null) d.Waiters.Add((waiter, request!));
        p.InFlight = d;
        _attempts[attempt] = (p.HalfOffset, outcome);
        Timers.StartSingleTimer("delivery-" + attempt, new DeliveryTimedOut(p.HalfOffset, attempt), _settings.DeliveryTimeout);
        if (outcome == HalfMessageOutcome.CheckMaxReached && !_checkMaxTopicCreated)
        {
            _checkMaxTopicCreated = true;
            _region.Tell(new UpdateTopicConfig(_brokerName, TopicConfig.Create(TransactionConst.CheckMaxTimeTopic, 1)));
        }
        if (p.MaybeStored)
            Context.ActorOf(CopyFinder.Props(_region, _brokerName, d.Copy.Message.Topic, d.Copy.QueueId, d.Copy.Message.Properties[MessageConst.UniqKey],
                p.TransactionId, attempt, _settings.DeliveryTimeout));
        else Store(d);
    }

    private void Store(Delivery d) => _region.Tell(new AppendMessages(_brokerName, d.Copy.Message.Topic, d.Copy.QueueId, new[] { d.Copy }));

    /// <summary>
    /// The copy: the half message's body, tags, keys and properties plus __transactionId__ (and UNIQ_KEY = the transaction
    /// id when the producer set none, so the key index finds it); at check max also REAL_TOPIC, REAL_QID and the check count.
    /// </summary>
    private SendEntry CopyOf(PendingHalf p, long attempt, HalfMessageOutcome outcome)
    {
        var m = p.Entry.Message;
        var props = new Dictionary<string, string>(m.Properties) { [TransactionConst.TransactionId] = p.TransactionId };
        props.TryAdd(MessageConst.UniqKey, p.TransactionId);
        var topic = m.Topic;
        var queueId = p.Entry.QueueId;
        if (outcome == HalfMessageOutcome.CheckMaxReached)
        {
            props[TransactionConst.RealTopic] = topic;
            props[TransactionConst.RealQueueId] = queueId.ToString();
            props[TransactionConst.TransactionCheckTimes] = p.CheckCount.ToString();
            topic = TransactionConst.CheckMaxTimeTopic;
            queueId = 0;
        }
        return new SendEntry(attempt, queueId, false, p.Entry.BornTimestamp, new Message(topic, m.Body, m.Tags, m.Keys, props));
    }

    private bool TryCurrent(long attempt, out PendingHalf p, out Delivery d)
    {
        d = null!;
        p = null!;
        return _attempts.TryGetValue(attempt, out var a) && _table.TryGet(a.HalfOffset, out p) && p.InFlight is Delivery x && (d = x).Attempt == attempt;
    }

    private void OnCopySearched(CopyFinder.Result r)
    {
        if (!TryCurrent(r.Attempt, out var p, out var d)) return;
        if (r.Failed) Failed(p, d, ResponseCode.SystemBusy, $"broker '{_brokerName}' could not yet tell whether transaction {p.TransactionId} is stored; retry");
        else if (r.Offset >= 0) PersistDelivered(p, d, r.Offset);
        else
        {
            p.MaybeStored = false; // not stored: this write is the only one in flight
            Store(d);
        }
    }

    private void OnCopyAcks(SendAcks m)
    {
        foreach (var ack in m.Acks)
        {
            if (!_attempts.TryGetValue(ack.CorrelationId, out var a) || !_table.TryGet(a.HalfOffset, out var p)) continue;
            if (p.InFlight is Delivery d && d.Attempt == ack.CorrelationId)
            {
                if (ack.Code == ResponseCode.Success) PersistDelivered(p, d, ack.QueueOffset);
                else Failed(p, d, ack.Code, ack.Error ?? "the queue refused the copy");
            }
            else if (ack.Code == ResponseCode.Success && p.InFlight == null)
            {
                // A late ack of a timed-out write: the copy is stored after all.
                var late = new Delivery { Attempt = ack.CorrelationId, Outcome = a.Outcome, Copy = CopyOf(p, ack.CorrelationId, a.Outcome) };
                p.InFlight = late;
                PersistDelivered(p, late, ack.QueueOffset);
            }
        }
    }

    private void OnDeliveryTimedOut(DeliveryTimedOut t)
    {
        if (!TryCurrent(t.Attempt, out var p, out var d)) return;
        Failed(p, d, ResponseCode.SystemBusy, $"the copy of transaction {p.TransactionId} was not confirmed within {_settings.DeliveryTimeout}; retry");
    }

    /// <summary>The copy may or may not be stored: the next delivery looks for it first.</summary>
    private void Failed(PendingHalf p, Delivery d, ResponseCode code, string error)
    {
        Timers.Cancel("delivery-" + d.Attempt);
        p.InFlight = null;
        p.MaybeStored = true;
        _log.Warning("Transactions of {0}: delivering {1} failed: {2}", _brokerName, p.TransactionId, error);
        foreach (var (to, request) in d.Waiters)
            to.Tell(new EndTransactionReply(_brokerName, request.TransactionId, request.Resolution, -1, -1, code, error));
    }

    private void PersistDelivered(PendingHalf p, Delivery d, long queueOffset)
    {
        Timers.Cancel("delivery-" + d.Attempt);
        var resolution = new HalfResolution(p.HalfOffset, d.Outcome, d.Copy.QueueId, queueOffset);
        PersistEvent(new HalfMessagesResolved(new[] { resolution }), _ =>
        {
            _attempts.Remove(d.Attempt);
            Resolved(resolution);
            if (d.Outcome == HalfMessageOutcome.CheckMaxReached)
                _log.Warning("Transactions of {0}: {1} had no decision after {2} check-backs; stored in {3} at offset {4}", _brokerName, p.TransactionId,
                    p.CheckCount, TransactionConst.CheckMaxTimeTopic, queueOffset);
            foreach (var (to, request) in d.Waiters)
                to.Tell(new EndTransactionReply(_brokerName, request.TransactionId, request.Resolution, resolution.QueueId, queueOffset, ResponseCode.Success, null));
        });
    }
}
