namespace AkkaMq.Protocol;

/// <summary>
/// A message as a producer sends it. The body is opaque bytes (text, JSON or binary) and is
/// never re-encoded anywhere on its way through the broker.
/// </summary>
public sealed class Message
{
    public Message(string topic, byte[] body, string? tags = null, string? keys = null,
        IReadOnlyDictionary<string, string>? properties = null)
    {
        Topic = topic;
        Body = body;
        Tags = tags;
        Keys = keys;
        Properties = properties ?? EmptyProperties;
    }

    public static readonly IReadOnlyDictionary<string, string> EmptyProperties = new Dictionary<string, string>();

    public string Topic { get; }
    public byte[] Body { get; }
    /// <summary>One tag, used by consumers' subscription expressions (RocketMQ's TAGS).</summary>
    public string? Tags { get; }
    /// <summary>Business keys, separated by spaces as in RocketMQ (KEYS).</summary>
    public string? Keys { get; }
    public IReadOnlyDictionary<string, string> Properties { get; }

    public static Message FromText(string topic, string text, string? tags = null, string? keys = null,
        IReadOnlyDictionary<string, string>? properties = null)
        => new(topic, System.Text.Encoding.UTF8.GetBytes(text), tags, keys, properties);
}

/// <summary>A stored message as the broker serves it.</summary>
public sealed record MessageExt(
    string Topic,
    string BrokerName,
    int QueueId,
    long QueueOffset,
    string? Tags,
    string? Keys,
    IReadOnlyDictionary<string, string> Properties,
    byte[] Body,
    long BornTimestamp,
    long StoreTimestamp)
{
    public string MsgId => MessageId.Encode(BrokerName, Topic, QueueId, QueueOffset);
    public MessageQueue Queue => new(Topic, BrokerName, QueueId);
}

/// <summary>Identifies one queue of a topic on one broker group.</summary>
public readonly record struct MessageQueue(string Topic, string BrokerName, int QueueId)
{
    public override string ToString() => $"{Topic}@{BrokerName}:{QueueId}";
}
