using Akka.Configuration;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;

namespace AkkaMq.Client.Tests;

/// <summary>Messages, queues and settings for the push consumer's unit tests (no ActorSystem).</summary>
internal static class ConsumerTestData
{
    public static readonly MessageQueue Mq = new("TopicA", "broker-a", 0);

    public static PushConsumerSettings Settings => PushConsumerSettings.Create(Config.Empty);

    public static MessageExt Msg(long offset, int bodyBytes = 10, MessageQueue? mq = null, IReadOnlyDictionary<string, string>? properties = null)
    {
        var q = mq ?? Mq;
        return new MessageExt(q.Topic, q.BrokerName, q.QueueId, offset, null, null, properties ?? Message.EmptyProperties,
            new byte[bodyBytes], 0, 0);
    }

    public static List<MessageExt> Msgs(long from, int count)
    {
        var list = new List<MessageExt>(count);
        for (var i = 0; i < count; i++) list.Add(Msg(from + i));
        return list;
    }

    /// <summary>A queue whose start offset is known and which holds the given messages.</summary>
    public static ProcessQueue QueueWith(IEnumerable<MessageExt> msgs, long nextOffset = 0)
    {
        var pq = new ProcessQueue(Mq, "*") { NextOffset = nextOffset };
        foreach (var m in msgs) pq.PutMessage(m);
        return pq;
    }

    public static long[] Offsets(IEnumerable<MessageExt> msgs) => msgs.Select(m => m.QueueOffset).ToArray();
}
