using Akka.Actor;
using AkkaMq.Broker.Memory;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// The group commit of one queue log. Sends wait in arrival order while journal writes are in
/// flight and leave as batches of at most maxBatchMessages and maxBatchBytes (always at least one
/// message), each persisted as one <see cref="MessagesAppended"/> event; at most maxInflightWrites
/// batches are in flight. The journal completes writes in order, so the oldest batch in flight is
/// always the next to persist. Every send that is not oneway is answered exactly once: acked with
/// its offset when its batch is durable, or failed when the journal write fails. Each append's
/// bytes are charged to the node's <see cref="MemoryBudget"/> at once (one Interlocked.Add) and
/// released when its batch is acked or failed; an append the budget cannot take is refused whole.
/// </summary>
public sealed class GroupCommitBuffer
{
    private readonly record struct PendingSend(SendEntry Entry, IActorRef Sender, long ArrivedAt);

    private readonly string _brokerName;
    private readonly int _queueId;
    private readonly int _maxPendingMessages;
    private readonly int _maxInflightWrites;
    private readonly int _maxBatchMessages;
    private readonly long _maxBatchBytes;
    private readonly Queue<PendingSend> _pending = new();
    private readonly Queue<List<PendingSend>> _writing = new(); // batches in journal order
    private readonly MemoryBudget? _budget;
    private long _charged; // bytes of the sends held here, charged to the budget
    private bool _refusedByBudget;

    /// <summary>Sized by the queue log's settings, charging the node's budget (null: none).</summary>
    public GroupCommitBuffer(string brokerName, int queueId, QueueLogSettings s, MemoryBudget? budget)
        : this(brokerName, queueId, s.MaxPendingMessages, s.MaxInflightWrites, s.MaxBatchMessages, s.MaxBatchBytes) => _budget = budget;

    public GroupCommitBuffer(string brokerName, int queueId, int maxPendingMessages, int maxInflightWrites, int maxBatchMessages,
        long maxBatchBytes)
    {
        _brokerName = brokerName;
        _queueId = queueId;
        _maxPendingMessages = maxPendingMessages;
        _maxInflightWrites = maxInflightWrites;
        _maxBatchMessages = maxBatchMessages;
        _maxBatchBytes = maxBatchBytes;
    }

    /// <summary>Sends waiting for a batch.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Batches handed to the journal and not yet persisted.</summary>
    public int InflightWrites => _writing.Count;

    /// <summary>Nothing waits and nothing is being written.</summary>
    public bool IsDrained => _pending.Count == 0 && _writing.Count == 0;

    /// <summary>Queues the entries of one append; false (and nothing queued) when they would pass the pending limit.</summary>
    public bool TryEnqueue(IReadOnlyList<SendEntry> entries, IActorRef sender, long arrivedAt)
    {
        _refusedByBudget = false;
        if (_pending.Count + entries.Count > _maxPendingMessages) return false;
        if (_budget != null)
        {
            var bytes = SizeOf(entries);
            if (!_budget.TryChargePending(bytes))
            {
                _refusedByBudget = true;
                return false;
            }
            _charged += bytes;
        }
        for (var i = 0; i < entries.Count; i++) _pending.Enqueue(new PendingSend(entries[i], sender, arrivedAt));
        return true;
    }

    /// <summary>Queues the entries of one append, or refuses them all with SYSTEM_BUSY naming the limit that was hit.</summary>
    public bool EnqueueOrReject(IReadOnlyList<SendEntry> entries, IActorRef sender, long arrivedAt, string topic)
    {
        if (TryEnqueue(entries, sender, arrivedAt)) return true;
        var why = _refusedByBudget ? _budget!.BusyError(topic, _queueId) : $"broker busy: {_pending.Count} messages wait for queue {topic}:{_queueId}";
        Reject(sender, entries, ResponseCode.SystemBusy, why);
        return false;
    }

    /// <summary>The queue log stops: what is still charged leaves the budget (its senders were answered or are lost with the actor).</summary>
    public void ReleaseBudget()
    {
        _budget?.ReleasePending(_charged);
        _charged = 0;
    }

    /// <summary>Bytes an append holds while pending, as the budget counts them: bodies and an estimate per message.</summary>
    public static long SizeOf(IReadOnlyList<SendEntry> entries)
    {
        long bytes = 0;
        for (var i = 0; i < entries.Count; i++) bytes += entries[i].Message.Body.Length + MessageTail.PerMessageBytes;
        return bytes;
    }

    private void Release(List<PendingSend> sends)
    {
        if (_budget == null) return;
        long bytes = 0;
        for (var i = 0; i < sends.Count; i++) bytes += sends[i].Entry.Message.Body.Length + MessageTail.PerMessageBytes;
        _budget.ReleasePending(bytes);
        _charged -= bytes;
    }

    /// <summary>
    /// The next batch to persist, counted as in flight from now on; null when nothing waits or
    /// the in-flight limit is reached.
    /// </summary>
    public StoredMessage[]? TakeBatch()
    {
        if (_writing.Count >= _maxInflightWrites || _pending.Count == 0) return null;
        var batch = new List<PendingSend>(Math.Min(_pending.Count, _maxBatchMessages));
        long bytes = 0;
        while (_pending.Count > 0 && batch.Count < _maxBatchMessages)
        {
            var next = _pending.Peek();
            if (batch.Count > 0 && bytes + next.Entry.Message.Body.Length > _maxBatchBytes) break;
            bytes += next.Entry.Message.Body.Length;
            batch.Add(_pending.Dequeue());
        }
        var stored = new StoredMessage[batch.Count];
        for (var i = 0; i < stored.Length; i++)
        {
            var msg = batch[i].Entry.Message;
            stored[i] = new StoredMessage(msg.Tags, msg.Keys, msg.Properties, msg.Body, batch[i].Entry.BornTimestamp);
        }
        _writing.Enqueue(batch);
        return stored;
    }

    /// <summary>When the first send of the oldest batch in flight arrived (for the send latency).</summary>
    public long OldestArrivedAt => _writing.Peek()[0].ArrivedAt;

    /// <summary>The oldest batch in flight persisted at baseOffset: acks its senders, one reply per run of one sender's entries.</summary>
    public void AckOldest(long baseOffset)
    {
        var batch = _writing.Dequeue();
        Release(batch);
        // Acks go out per run of entries from one sender: one reply message per producer batch.
        List<SendAck>? acks = null;
        IActorRef? to = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var (entry, sender, _) = batch[i];
            if (!ReferenceEquals(sender, to))
            {
                if (acks is { Count: > 0 }) to!.Tell(new SendAcks(_brokerName, acks));
                acks = null;
                to = sender;
            }
            if (entry.Oneway) continue;
            // Sized for the rest of the batch (usually one sender), so it never regrows.
            (acks ??= new List<SendAck>(batch.Count - i)).Add(new SendAck(entry.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, _queueId, baseOffset + i));
        }
        if (acks is { Count: > 0 }) to!.Tell(new SendAcks(_brokerName, acks));
    }

    /// <summary>Fails every send in flight or waiting, oldest first; the buffer is empty afterwards.</summary>
    public void FailAll(string error)
    {
        var failed = new List<PendingSend>();
        while (_writing.Count > 0) failed.AddRange(_writing.Dequeue());
        while (_pending.Count > 0) failed.Add(_pending.Dequeue());
        Release(failed);
        foreach (var p in failed)
            if (!p.Entry.Oneway)
                p.Sender.Tell(new SendAcks(_brokerName, new[] { new SendAck(p.Entry.CorrelationId, ResponseCode.SystemError, error, SendStatus.SendOk, _queueId, -1) }));
    }

    /// <summary>Answers an append that was not queued: one reply for all its entries that are not oneway.</summary>
    public void Reject(IActorRef to, IReadOnlyList<SendEntry> entries, ResponseCode code, string error)
    {
        var acks = new List<SendAck>(entries.Count);
        foreach (var e in entries)
            if (!e.Oneway) acks.Add(new SendAck(e.CorrelationId, code, error, SendStatus.SendOk, e.QueueId, -1));
        if (acks.Count > 0) to.Tell(new SendAcks(_brokerName, acks));
    }
}
