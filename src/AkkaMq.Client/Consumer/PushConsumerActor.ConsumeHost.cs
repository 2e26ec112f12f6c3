using Akka.Actor;

namespace AkkaMq.Client.Consumer;

// What the consume services reach of the push consumer: its thread, timers and brokers.
internal sealed partial class PushConsumerActor
{
    bool IConsumeServiceHost.Stopping => _stopping;

    void IConsumeServiceHost.Consuming(ConsumeRequest request, Task<bool> consumed) =>
        consumed.PipeTo(Self, success: ok => new ConsumeDone(request, ok));

    void IConsumeServiceHost.ConsumeLater(object key, ConsumeRequest request, TimeSpan delay) =>
        Timers.StartSingleTimer(key, new ConsumeAgain(request), delay);

    bool IConsumeServiceHost.SendMessageBack(ConsumeRequest request)
    {
        if (_broker.TrySendBack(request.Pq.Mq, request.Msgs, _settings.MaxReconsumeTimes) is not { } sent) return false;
        sent.PipeTo(Self, success: failed => new SendBackDone(request, failed));
        return true;
    }

    void IConsumeServiceHost.Lock(ProcessQueue pq) => _broker.Lock(new[] { pq });

    void IConsumeServiceHost.CommitThenUnlock(ProcessQueue pq) => _broker.CommitThenUnlock(pq.Mq, pq.OffsetToCommit);
}
