using AkkaMq.Broker.Stats;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// Dead letters the broker routed to a %DLQ% queue (send-backs past maxReconsumeTimes, which carry
/// ORIGIN_MESSAGE_ID); a producer writing to the DLQ topic directly is not counted. Counted by the
/// DLQ queue once the write is durable, so each stored dead letter counts once.
/// </summary>
internal static class DeadLetters
{
    public static void Count(BrokerStats stats, string dlqGroup, MessagesAppended e)
    {
        foreach (var m in e.Messages)
        {
            if (!m.Properties.ContainsKey(MessageConst.OriginMessageId)) continue;
            stats.SentToDlq(dlqGroup, m.Properties.TryGetValue(MessageConst.RetryTopic, out var t) ? t : "", 1);
        }
    }
}
