using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// RocketMQ's MQClientInstance.resetOffset for one broker's notice: each owned queue it names is replaced by an
/// empty <see cref="ProcessQueue"/> pulling from the new offset, and the offset store takes that offset. The old
/// queue is dropped, so what it cached or is still consuming can never write the old position back.
/// Queues this member does not own are left to their owner (the broker already holds the new offsets for them).
/// </summary>
internal static class ConsumerOffsetReset
{
    /// <returns>The queues put in place, to be pulled now.</returns>
    public static List<ProcessQueue> Apply(ResetConsumerClientOffset notice, IDictionary<MessageQueue, ProcessQueue> owned, IOffsetStore offsets)
    {
        var replaced = new List<ProcessQueue>();
        foreach (var (queueId, offset) in notice.Offsets)
        {
            var mq = new MessageQueue(notice.Topic, notice.BrokerName, queueId);
            if (offset < 0 || !owned.TryGetValue(mq, out var pq)) continue;
            var next = pq.ResetInto(offset);
            owned[mq] = next;
            offsets.UpdateOffset(mq, offset, increaseOnly: false);
            replaced.Add(next);
        }
        return replaced;
    }
}
