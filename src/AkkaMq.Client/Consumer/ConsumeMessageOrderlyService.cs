using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// RocketMQ's ConsumeMessageOrderlyService: one listener call at a time per queue, its lowest
/// cached messages first. A clustering member consumes a queue only while it holds the broker
/// lock (renewed within lockMaxLiveTime); a failed batch is retried in place after
/// suspendCurrentQueueTime and nothing after it is handed out meanwhile.
/// </summary>
internal sealed class ConsumeMessageOrderlyService : IConsumeMessageService
{
    private readonly IConsumeServiceHost _host;
    private readonly IOffsetStore _offsets;
    private readonly MessageListenerOrderly _listener;
    private readonly int _batchMaxSize;
    private readonly TimeSpan _consumeTimeout;
    private readonly TimeSpan _suspendCurrentQueueTime;
    private readonly TimeSpan _lockMaxLiveTime;
    private readonly bool _clustering;

    public ConsumeMessageOrderlyService(IConsumeServiceHost host, IOffsetStore offsets, MessageListenerOrderly listener, PushConsumerSettings settings)
    {
        _host = host;
        _offsets = offsets;
        _listener = listener;
        _batchMaxSize = settings.ConsumeMessageBatchMaxSize;
        _consumeTimeout = settings.ConsumeTimeout;
        _suspendCurrentQueueTime = settings.SuspendCurrentQueueTime;
        _lockMaxLiveTime = settings.LockMaxLiveTime;
        // A broadcasting member reads every queue anyway: no broker locks.
        _clustering = settings.MessageModel == MessageModel.Clustering;
    }

    public void SubmitConsumeRequest(ProcessQueue pq, List<MessageExt> fresh) => TryConsume(pq);

    public void OnConsumed(ConsumeRequest request, bool success)
    {
        var pq = request.Pq;
        pq.Consuming = false;
        if (pq.Dropped)
        {
            // Given up during the call: count it if it succeeded, then commit and free the lock for the next owner.
            // Not through the offset store: that would put the queue back into the offsets this client
            // commits periodically, over the new owner's.
            if (success) pq.RemoveMessages(request.Msgs);
            if (_clustering) _host.CommitThenUnlock(pq);
            return;
        }
        if (success)
        {
            pq.RemoveMessages(request.Msgs);
            _offsets.UpdateOffset(pq);
            TryConsume(pq);
        }
        else
        {
            // SUSPEND_CURRENT_QUEUE_A_MOMENT: the same messages again after a pause, nothing after them meanwhile.
            _host.ConsumeLater("suspend:" + pq.Mq, request, _suspendCurrentQueueTime);
        }
    }

    public void ConsumeAgain(ConsumeRequest request)
    {
        if (!request.Pq.Dropped) TryConsume(request.Pq);
    }

    public void OnSendBackDone(ConsumeRequest request, IReadOnlyList<MessageExt> failed) =>
        throw new InvalidOperationException("orderly consumption retries in place and sends nothing back");

    public void OnLocked(ProcessQueue pq) => TryConsume(pq);

    private void TryConsume(ProcessQueue pq)
    {
        if (_host.Stopping || pq.Dropped || pq.Consuming || pq.CachedCount == 0) return;
        if (_clustering && !pq.IsLockValid(Environment.TickCount64, _lockMaxLiveTime))
        {
            if (pq.Locked)
            {
                pq.Locked = false;
                _host.Lock(pq);
            }
            return;
        }
        var batch = pq.TakeMessages(_batchMaxSize);
        pq.Consuming = true;
        _host.Consuming(new ConsumeRequest { Pq = pq, Msgs = batch }, ConsumeListeners.Run(_listener, ConsumeListeners.ForListener(batch), pq.Mq, _consumeTimeout));
    }
}
