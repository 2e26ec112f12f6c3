using AkkaMq.Protocol;

namespace AkkaMq.Client.Admin;

// Results of the admin operations: plain records, so the CLI renders them as tables or JSON and
// the node's HTTP API returns them as JSON, from one implementation.

public sealed record ClusterBrokerRow(string Cluster, string BrokerName, long BrokerId, string Address, string Role,
    long? BootTimestamp, long? UptimeMillis, double? InTps, double? OutTps, long? MsgPutTotal, long? MsgGetTotal, int TopicCount,
    long LastUpdateTimestamp, string? Error);

public sealed record BrokerStatus(string Cluster, string BrokerName, long BrokerId, string Address, IReadOnlyDictionary<string, string> Values);

public sealed record TopicUpdateResult(string Topic, int ReadQueueNums, int WriteQueueNums, string Perm, IReadOnlyList<string> Brokers)
{
    /// <summary>The attribute changes sent ("+name=value", "-name"); topicRoute shows the attributes that result.</summary>
    public IReadOnlyList<string> AttributeChanges { get; init; } = Array.Empty<string>();
}

public sealed record TopicDeleteResult(string Topic, IReadOnlyList<string> Brokers);

public sealed record TopicRow(string Topic, IReadOnlyList<string> Brokers);

public sealed record RouteQueueRow(string BrokerName, int ReadQueueNums, int WriteQueueNums, string Perm)
{
    /// <summary>The topic's attributes on this broker group (retention.time, retention.bytes, message.type).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = TopicAttributes.Empty;
}

public sealed record RouteBrokerRow(string Cluster, string BrokerName, IReadOnlyDictionary<long, string> BrokerAddrs);

public sealed record TopicRoute(string Topic, IReadOnlyList<RouteQueueRow> QueueDatas, IReadOnlyList<RouteBrokerRow> BrokerDatas);

public sealed record TopicStatusRow(string BrokerName, int QueueId, long MinOffset, long MaxOffset, long LastUpdateTimestamp)
{
    /// <summary>The topic's attributes on the queue's broker group.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = TopicAttributes.Empty;
}

public sealed record ConsumerProgressRow(string Topic, string BrokerName, int QueueId, long BrokerOffset, long ConsumerOffset, long Diff,
    long LastTimestamp);

public sealed record ConsumerProgress(string ConsumerGroup, IReadOnlyList<ConsumerProgressRow> Queues, long DiffTotal);

public sealed record SubscriptionRow(string Topic, string SubExpression);

/// <summary>One connected consumer; Brokers are the broker groups it heartbeats to, LastHeartbeat the latest of them (Unix ms).</summary>
public sealed record ConsumerConnectionRow(string ClientId, string? Address, string MessageModel, IReadOnlyList<SubscriptionRow> Subscriptions,
    long LastHeartbeat, IReadOnlyList<string> Brokers)
{
    /// <summary>DOTNET for AkkaMq's own consumers; the gRPC client's language (JAVA, NODE_JS ...) otherwise.</summary>
    public string Language { get; init; } = "DOTNET";

    /// <summary>The gRPC client's version; null for AkkaMq's own consumers.</summary>
    public string? Version { get; init; }

    /// <summary>CONSUME_PASSIVELY (native push consumer) or CONSUME_POP (gRPC consumer), as RocketMQ's ConsumeType.</summary>
    public string ConsumeType { get; init; } = "CONSUME_PASSIVELY";
}

/// <summary>
/// consumerConnection: the group's live members. ConsumeType is CONSUME_PASSIVELY for native push consumers,
/// CONSUME_POP for gRPC consumers (both joined by "/" when the group has both); Errors names broker groups that did not answer.
/// </summary>
public sealed record ConsumerConnection(string ConsumerGroup, string ConsumeType, string MessageModel, IReadOnlyList<ConsumerConnectionRow> Connections,
    IReadOnlyList<string> Errors);

/// <summary>One live producer: native (language DOTNET) or gRPC; Brokers are the broker groups it heartbeats to, LastHeartbeat the latest (Unix ms).</summary>
public sealed record ProducerConnectionRow(string ClientId, string? Address, string Language, string Version, long LastHeartbeat, IReadOnlyList<string> Brokers);

/// <summary>producerConnection: the group's live producers on the topic's broker groups; Errors names broker groups that did not answer.</summary>
public sealed record ProducerConnection(string ProducerGroup, string Topic, IReadOnlyList<ProducerConnectionRow> Connections, IReadOnlyList<string> Errors);

public sealed record OffsetResetRow(string BrokerName, int QueueId, long OldOffset, long NewOffset);

/// <summary>NotifiedClients: the running consumers the brokers told to take the new offsets (RocketMQ's reset reaches them too).</summary>
public sealed record OffsetReset(string ConsumerGroup, string Topic, IReadOnlyList<OffsetResetRow> Queues)
{
    public IReadOnlyList<string> NotifiedClients { get; init; } = Array.Empty<string>();
}

public sealed record MessageView(string MsgId, string Topic, string BrokerName, int QueueId, long QueueOffset, string? Tags, string? Keys,
    IReadOnlyDictionary<string, string> Properties, int BodyLength, string Body, string BodyEncoding, long BornTimestamp, long StoreTimestamp)
{
    /// <summary>Bodies that are valid UTF-8 are shown as text, others as base64.</summary>
    public static MessageView From(MessageExt m)
    {
        string body, encoding;
        try
        {
            body = new System.Text.UTF8Encoding(false, true).GetString(m.Body);
            encoding = "utf-8";
        }
        catch (System.Text.DecoderFallbackException)
        {
            body = Convert.ToBase64String(m.Body);
            encoding = "base64";
        }
        return new MessageView(m.MsgId, m.Topic, m.BrokerName, m.QueueId, m.QueueOffset, m.Tags, m.Keys, m.Properties, m.Body.Length, body,
            encoding, m.BornTimestamp, m.StoreTimestamp);
    }
}

public sealed record SendMessageResult(string SendStatus, string MsgId, string Topic, string BrokerName, int QueueId, long QueueOffset);
