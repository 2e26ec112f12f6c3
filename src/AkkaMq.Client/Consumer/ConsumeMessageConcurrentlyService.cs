using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// RocketMQ's ConsumeMessageConcurrentlyService: batches of up to consumeMessageBatchMaxSize from
/// any queue, at most consumeThreadMax listener calls at once, in the order they were pulled.
/// A consumed batch moves its queue's offset up to the lowest message still cached; a failed one
/// goes back to the broker (clustering) or is handed to the listener again here after a pause.
/// </summary>
internal sealed class ConsumeMessageConcurrentlyService(IConsumeServiceHost host, IOffsetStore offsets, MessageListenerConcurrently listener,
    PushConsumerSettings settings) : IConsumeMessageService
{
    private readonly int _consumeThreadMax = settings.ConsumeThreadMax;
    private readonly int _batchMaxSize = settings.ConsumeMessageBatchMaxSize;
    private readonly bool _broadcasting = settings.MessageModel == MessageModel.Broadcasting;
    private readonly Queue<ConsumeRequest> _waiting = new();
    private int _running;

    /// <summary>Listener calls under way.</summary>
    public int Running => _running;

    /// <summary>Batches waiting for a free listener slot.</summary>
    public int Waiting => _waiting.Count;

    public void SubmitConsumeRequest(ProcessQueue pq, List<MessageExt> fresh)
    {
        for (var i = 0; i < fresh.Count; i += _batchMaxSize)
            Enqueue(new ConsumeRequest { Pq = pq, Msgs = fresh.GetRange(i, Math.Min(_batchMaxSize, fresh.Count - i)) });
    }

    public void OnConsumed(ConsumeRequest request, bool success)
    {
        _running--;
        if (!request.Pq.Dropped)
        {
            if (success) Remove(request.Pq, request.Msgs);
            else SendBack(request);
        }
        Dispatch();
    }

    public void ConsumeAgain(ConsumeRequest request)
    {
        if (!request.Pq.Dropped) Enqueue(request);
    }

    public void OnSendBackDone(ConsumeRequest request, IReadOnlyList<MessageExt> failed)
    {
        var pq = request.Pq;
        if (pq.Dropped) return;
        if (failed.Count == 0)
        {
            Remove(pq, request.Msgs);
            return;
        }
        // The broker holds a durable copy of the others: they may be passed; the rest is consumed again here.
        var failedOffsets = new HashSet<long>();
        foreach (var msg in failed) failedOffsets.Add(msg.QueueOffset);
        var taken = new List<MessageExt>(request.Msgs.Count);
        foreach (var msg in request.Msgs)
            if (!failedOffsets.Contains(msg.QueueOffset)) taken.Add(msg);
        Remove(pq, taken);
        host.ConsumeLater(request, new ConsumeRequest { Pq = pq, Msgs = failed }, ConsumeListeners.LocalReconsumeDelay);
    }

    public void OnLocked(ProcessQueue pq) { }

    private void Enqueue(ConsumeRequest request)
    {
        _waiting.Enqueue(request);
        Dispatch();
    }

    private void Dispatch()
    {
        while (_running < _consumeThreadMax && _waiting.Count > 0)
        {
            var request = _waiting.Dequeue();
            if (request.Pq.Dropped) continue;
            _running++;
            host.Consuming(request, ConsumeListeners.Run(listener, ConsumeListeners.ForListener(request.Msgs), request.Pq.Mq, settings.ConsumeTimeout));
        }
    }

    private void Remove(ProcessQueue pq, IReadOnlyList<MessageExt> msgs)
    {
        pq.RemoveMessages(msgs);
        offsets.UpdateOffset(pq);
    }

    /// <summary>
    /// RECONSUME_LATER (clustering): each message goes back to the broker, which stores it in the
    /// retry topic with the next delay (or the DLQ); once that copy is durable the original may be
    /// passed. Broadcasting, which has no retry topic, retries locally after a pause.
    /// </summary>
    private void SendBack(ConsumeRequest request)
    {
        if (_broadcasting || !host.SendMessageBack(request))
            host.ConsumeLater(request, request, ConsumeListeners.LocalReconsumeDelay);
    }
}
