using AkkaMq.Protocol;

namespace AkkaMq.Client.Consumer;

public enum ConsumeConcurrentlyStatus
{
    /// <summary>Consumed: the offset may move past the messages.</summary>
    ConsumeSuccess = 0,
    /// <summary>Deliver again later (through the group's retry topic); a throw or a timeout means the same.</summary>
    ReconsumeLater = 1,
}

public enum ConsumeOrderlyStatus
{
    Success = 0,
    /// <summary>Retry the same messages in place after suspendCurrentQueueTime; later messages of the queue wait.</summary>
    SuspendCurrentQueueAMoment = 1,
}

public sealed class ConsumeConcurrentlyContext
{
    public ConsumeConcurrentlyContext(MessageQueue messageQueue) => MessageQueue = messageQueue;
    public MessageQueue MessageQueue { get; }
}

public sealed class ConsumeOrderlyContext
{
    public ConsumeOrderlyContext(MessageQueue messageQueue) => MessageQueue = messageQueue;
    public MessageQueue MessageQueue { get; }
}

/// <summary>Listener called concurrently from the consumer's worker pool (RocketMQ's MessageListenerConcurrently).</summary>
public delegate Task<ConsumeConcurrentlyStatus> MessageListenerConcurrently(IReadOnlyList<MessageExt> msgs, ConsumeConcurrentlyContext context);

/// <summary>Listener called one batch at a time per queue, in queue order (RocketMQ's MessageListenerOrderly).</summary>
public delegate Task<ConsumeOrderlyStatus> MessageListenerOrderly(IReadOnlyList<MessageExt> msgs, ConsumeOrderlyContext context);
