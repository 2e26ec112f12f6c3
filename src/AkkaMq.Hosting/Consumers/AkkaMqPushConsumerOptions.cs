using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Hosting;

/// <summary>
/// Options of one hosted push consumer; null keeps the value from <c>akkamq.client.consumer</c> (HOCON).
/// Names are RocketMQ's DefaultMQPushConsumer fields.
/// </summary>
public sealed class AkkaMqPushConsumerOptions
{
    public MessageModel? MessageModel { get; set; }
    /// <summary>Where a group with no committed offset starts.</summary>
    public ConsumeFromWhere? ConsumeFromWhere { get; set; }
    /// <summary>Start time for ConsumeFromTimestamp, in Unix milliseconds.</summary>
    public long? ConsumeTimestamp { get; set; }
    /// <summary>A strategy name of AllocateMessageQueueStrategies (e.g. "AVG", "AVG_BY_CIRCLE").</summary>
    public string? AllocateMessageQueueStrategy { get; set; }
    public string? InstanceName { get; set; }
    public int? ConsumeThreadMax { get; set; }
    public int? ConsumeMessageBatchMaxSize { get; set; }
    public int? PullBatchSize { get; set; }
    public TimeSpan? ConsumeTimeout { get; set; }
    public int? MaxReconsumeTimes { get; set; }
    public TimeSpan? SuspendCurrentQueueTime { get; set; }

    /// <summary>The consumer's settings: these options over the HOCON ones.</summary>
    public PushConsumerSettings ApplyTo(PushConsumerSettings s)
    {
        if (MessageModel is { } model) s = s with { MessageModel = model };
        if (ConsumeFromWhere is { } where) s = s with { ConsumeFromWhere = where };
        if (ConsumeTimestamp is { } timestamp) s = s with { ConsumeTimestamp = timestamp };
        if (AllocateMessageQueueStrategy is { } strategy) s = s with { AllocateMessageQueueStrategy = strategy };
        if (InstanceName is { } instance) s = s with { InstanceName = instance };
        if (ConsumeThreadMax is { } threads) s = s with { ConsumeThreadMax = threads };
        if (ConsumeMessageBatchMaxSize is { } batch) s = s with { ConsumeMessageBatchMaxSize = batch };
        if (PullBatchSize is { } pull) s = s with { PullBatchSize = pull };
        if (ConsumeTimeout is { } timeout) s = s with { ConsumeTimeout = timeout };
        if (MaxReconsumeTimes is { } reconsume) s = s with { MaxReconsumeTimes = reconsume };
        if (SuspendCurrentQueueTime is { } suspend) s = s with { SuspendCurrentQueueTime = suspend };
        return s;
    }
}
