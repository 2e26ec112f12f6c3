using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>Where a push consumer starts on a queue it takes (RocketMQ's RebalancePushImpl.computePullFromWhere).</summary>
internal static class PullFromWhere
{
    /// <summary>The committed offset; else, for a retry topic its first offset, and otherwise first / last / by timestamp.</summary>
    public static async Task<long> ComputeAsync(IOffsetStore offsets, AkkaMqPullConsumer consumer, MessageQueue mq, ConsumeFromWhere where, long timestamp)
    {
        var committed = await offsets.ReadOffsetFromStoreAsync(mq);
        if (committed >= 0) return committed;
        // A retry topic holds only this group's own failures: read it from its start, whatever consumeFromWhere says.
        if (mq.Topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal)) return await consumer.MinOffsetAsync(mq);
        return where switch
        {
            ConsumeFromWhere.ConsumeFromFirstOffset => await consumer.MinOffsetAsync(mq),
            ConsumeFromWhere.ConsumeFromTimestamp => await consumer.SearchOffsetAsync(mq, timestamp),
            _ => await consumer.MaxOffsetAsync(mq),
        };
    }
}
