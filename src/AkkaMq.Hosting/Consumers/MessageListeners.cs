using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;

namespace AkkaMq.Hosting;

/// <summary>
/// A hosted push consumer's listener (RocketMQ's MessageListenerConcurrently) as a DI service: a new
/// instance comes from a new DI scope for every consume call, so it may take scoped services
/// (a DbContext, a unit of work) in its constructor. Calls run concurrently from the consumer's worker pool.
/// </summary>
public interface IMessageListenerConcurrently
{
    /// <summary>
    /// Consumes a batch (consumeMessageBatchMaxSize, 1 by default). ReconsumeLater, a throw or a timeout
    /// sends the batch back through the group's retry topic. ct is cancelled when the host stops.
    /// </summary>
    Task<ConsumeConcurrentlyStatus> ConsumeMessageAsync(IReadOnlyList<MessageExt> msgs, ConsumeConcurrentlyContext context, CancellationToken ct);
}

/// <summary>
/// A hosted orderly push consumer's listener (RocketMQ's MessageListenerOrderly): one batch at a time per
/// message queue, in queue order; a new DI scope per call as for <see cref="IMessageListenerConcurrently"/>.
/// </summary>
public interface IMessageListenerOrderly
{
    /// <summary>SuspendCurrentQueueAMoment (or a throw) retries the same batch in place; later messages of the queue wait.</summary>
    Task<ConsumeOrderlyStatus> ConsumeMessageAsync(IReadOnlyList<MessageExt> msgs, ConsumeOrderlyContext context, CancellationToken ct);
}
