using Akka.Configuration;
using AkkaMq.Client.Consumer.Rebalance;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>Push consumer settings, read from <c>akkamq.client.consumer</c>; RocketMQ's names where it has them.</summary>
public sealed record PushConsumerSettings(
    MessageModel MessageModel,
    ConsumeFromWhere ConsumeFromWhere,
    long ConsumeTimestamp,
    string AllocateMessageQueueStrategy,
    string InstanceName,
    int ConsumeThreadMax,
    int ConsumeMessageBatchMaxSize,
    int PullBatchSize,
    int PullThresholdForQueue,
    long PullThresholdSizeForQueue,
    TimeSpan BrokerSuspendMaxTime,
    TimeSpan PullTimeDelayWhenFlowControl,
    TimeSpan PullTimeDelayWhenException,
    TimeSpan ConsumeTimeout,
    TimeSpan HeartbeatBrokerInterval,
    TimeSpan RebalanceInterval,
    TimeSpan PersistConsumerOffsetInterval,
    int MaxReconsumeTimes,
    TimeSpan SuspendCurrentQueueTime,
    TimeSpan LockRenewInterval,
    TimeSpan LockMaxLiveTime,
    string OffsetStoreDir)
{
    public static PushConsumerSettings Create(Config root)
    {
        var c = root.WithFallback(ClientSettings.DefaultConfig).GetConfig("akkamq.client.consumer");
        const string p = "akkamq.client.consumer.";
        var model = c.GetString("messageModel") switch
        {
            "CLUSTERING" => MessageModel.Clustering,
            "BROADCASTING" => MessageModel.Broadcasting,
            var other => throw new ConfigurationException($"{p}messageModel must be CLUSTERING or BROADCASTING, not '{other}'"),
        };
        var where = c.GetString("consumeFromWhere") switch
        {
            "CONSUME_FROM_LAST_OFFSET" => ConsumeFromWhere.ConsumeFromLastOffset,
            "CONSUME_FROM_FIRST_OFFSET" => ConsumeFromWhere.ConsumeFromFirstOffset,
            "CONSUME_FROM_TIMESTAMP" => ConsumeFromWhere.ConsumeFromTimestamp,
            var other => throw new ConfigurationException($"{p}consumeFromWhere must be CONSUME_FROM_LAST_OFFSET, CONSUME_FROM_FIRST_OFFSET or CONSUME_FROM_TIMESTAMP, not '{other}'"),
        };
        var strategy = c.GetString("allocateMessageQueueStrategy");
        try { AllocateMessageQueueStrategies.ByName(strategy); }
        catch (ArgumentException e) { throw new ConfigurationException($"{p}allocateMessageQueueStrategy: {e.Message}"); }

        var s = new PushConsumerSettings(model, where, c.GetLong("consumeTimestamp"), strategy, c.GetString("instanceName"),
            c.GetInt("consumeThreadMax"), c.GetInt("consumeMessageBatchMaxSize"), c.GetInt("pullBatchSize"),
            c.GetInt("pullThresholdForQueue"), (long)c.GetByteSize("pullThresholdSizeForQueue")!,
            c.GetTimeSpan("brokerSuspendMaxTime"), c.GetTimeSpan("pullTimeDelayWhenFlowControl"), c.GetTimeSpan("pullTimeDelayWhenException"),
            c.GetTimeSpan("consumeTimeout"), c.GetTimeSpan("heartbeatBrokerInterval"), c.GetTimeSpan("rebalanceInterval"),
            c.GetTimeSpan("persistConsumerOffsetInterval"), c.GetInt("maxReconsumeTimes"), c.GetTimeSpan("suspendCurrentQueueTime"),
            c.GetTimeSpan("lockRenewInterval"), c.GetTimeSpan("lockMaxLiveTime"), c.GetString("offsetStoreDir") ?? "");
        s.Validate();
        return s;
    }

    /// <summary>Throws naming the first bad value; also run on Start, after code changed the settings.</summary>
    public void Validate()
    {
        const string p = "akkamq.client.consumer.";
        if (ConsumeThreadMax < 1) throw new ConfigurationException($"{p}consumeThreadMax must be at least 1, not {ConsumeThreadMax}");
        if (ConsumeMessageBatchMaxSize is < 1 or > 1024) throw new ConfigurationException($"{p}consumeMessageBatchMaxSize must be 1..1024, not {ConsumeMessageBatchMaxSize}");
        if (PullBatchSize is < 1 or > 1024) throw new ConfigurationException($"{p}pullBatchSize must be 1..1024, not {PullBatchSize}");
        if (PullThresholdForQueue < 1) throw new ConfigurationException($"{p}pullThresholdForQueue must be at least 1, not {PullThresholdForQueue}");
        if (PullThresholdSizeForQueue < 1) throw new ConfigurationException($"{p}pullThresholdSizeForQueue must be positive");
        if (BrokerSuspendMaxTime < TimeSpan.Zero) throw new ConfigurationException($"{p}brokerSuspendMaxTime must not be negative");
        if (ConsumeTimeout <= TimeSpan.Zero) throw new ConfigurationException($"{p}consumeTimeout must be positive");
        if (MaxReconsumeTimes < -1) throw new ConfigurationException($"{p}maxReconsumeTimes must be -1 (the group's retryMaxTimes) or more, not {MaxReconsumeTimes}");
        foreach (var (name, v) in new[] { ("heartbeatBrokerInterval", HeartbeatBrokerInterval), ("rebalanceInterval", RebalanceInterval),
                     ("persistConsumerOffsetInterval", PersistConsumerOffsetInterval), ("lockRenewInterval", LockRenewInterval),
                     ("lockMaxLiveTime", LockMaxLiveTime), ("pullTimeDelayWhenFlowControl", PullTimeDelayWhenFlowControl),
                     ("pullTimeDelayWhenException", PullTimeDelayWhenException), ("suspendCurrentQueueTime", SuspendCurrentQueueTime) })
            if (v <= TimeSpan.Zero) throw new ConfigurationException($"{p}{name} must be positive");
        if (Validators.CheckGroup(InstanceName) is { } e) throw new ConfigurationException($"{p}instanceName: {e.Replace("consumer group name", "instance name")}");
        AllocateMessageQueueStrategies.ByName(AllocateMessageQueueStrategy);
    }
}
