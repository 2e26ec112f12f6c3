using AkkaMq.Protocol;

namespace AkkaMq.Broker.Topics;

/// <summary>
/// The node-wide cap on queues auto-create may add (akkamq.broker.autoCreateQueueLimit). It counts
/// every queue of the broker group (a topic counts its larger queue number), explicit ones too,
/// but refuses only auto-create of a topic the group does not have: a producer's first send, and the
/// retry topic a consumer heartbeat of a new group would add (any client can name one). updateTopic
/// and the retry/DLQ topics of a send-back are an administrator's or the broker's own decision.
/// </summary>
public static class AutoCreateCap
{
    /// <summary>Queues a topic occupies.</summary>
    public static int QueuesOf(TopicConfig c) => Math.Max(c.ReadQueueNums, c.WriteQueueNums);

    /// <summary>Null when auto-create may add the topic; otherwise the refusal, naming the cap.</summary>
    public static string? Check(IReadOnlyDictionary<string, TopicConfig> topics, TopicConfig created, int limit, string brokerName)
    {
        if (topics.ContainsKey(created.TopicName)) return null;
        long held = 0;
        foreach (var t in topics.Values) held += QueuesOf(t);
        var adds = QueuesOf(created);
        if (held + adds <= limit) return null;
        return $"auto-create of topic '{created.TopicName}' refused: broker {brokerName} holds {held} queues and {adds} more would pass " +
               $"akkamq.broker.autoCreateQueueLimit ({limit}); create the topic with updateTopic or raise the limit";
    }
}
