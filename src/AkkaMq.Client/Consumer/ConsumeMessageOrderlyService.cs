using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// RocketMQ's ConsumeMessageOrderlyService: one listener call at a time per queue, its lowest
/// cached messages first. A clustering member consumes a queue only while it holds the broker
/// lock (renewed within lockMaxLiveTime); a failed batch is retried in place after
/// suspendCurrentQueueTime and nothing after it is handed out meanwhile.
/// </summary>
internal sealed class ConsumeMessageOrderlyService(IConsumeServiceHost host, IOffsetStore offsets, MessageListenerOrderly listener,
    PushConsumerSettings settings) : IConsumeMessageService
{
    // A broadcasting member reads every queue anyway: no broker locks.
    private readonly bool _clustering = settings.MessageModel == MessageModel.Clustering;

    public void SubmitConsumeRequest(ProcessQueue pq, List<MessageExt> fresh) => TryConsume(pq);

    public void OnConsumed(ConsumeRequest request, bool success)
    {
        var pq = request.Pq;
        pq.Consuming = false;
        if (pq.ResetTo != null)
        {
            // An offset reset replaced the queue during the call: the result is void, the queue now in its place goes on.
            pq = pq.Current;
            pq.Consuming = false;
            if (!pq.Dropped) TryConsume(pq);
            else if (_clustering) host.CommitThenUnlock(pq);
            return;
        }
        if (pq.Dropped)
        {
            // Given up during the call: count it if it succeeded, then commit and free the lock for the next owner.
            // Not through the offset store: that would put the queue back into the offsets this client
            // commits periodically, over the new owner's.
            if (success) pq.RemoveMessages(request.Msgs);
            if (_clustering) host.CommitThenUnlock(pq);
            return;
        }
        if (success)
        {
            pq.RemoveMessages(request.Msgs);
            offsets.UpdateOffset(pq);
            TryConsume(pq);
        }
        else
        {
            // SUSPEND_CURRENT_QUEUE_A_MOMENT: the same messages again after a pause, nothing after them meanwhile.
            host.ConsumeLater("suspend:" + pq.Mq, request, settings.SuspendCurrentQueueTime);
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
        if (host.Stopping || pq.Dropped || pq.Consuming || pq.CachedCount == 0) return;
        if (_clustering && !pq.IsLockValid(Environment.TickCount64, settings.LockMaxLiveTime))
        {
            if (pq.Locked)
            {
                pq.Locked = false;
                host.Lock(pq);
            }
            return;
        }
        var batch = pq.TakeMessages(settings.ConsumeMessageBatchMaxSize);
        pq.Consuming = true;
        host.Consuming(new ConsumeRequest { Pq = pq, Msgs = batch }, ConsumeListeners.Run(listener, ConsumeListeners.ForListener(batch), pq.Mq, settings.ConsumeTimeout));
    }
}
