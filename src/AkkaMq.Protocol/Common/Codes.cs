namespace AkkaMq.Protocol;

/// <summary>Outcome codes of broker and NameServer requests, numbered as RocketMQ's ResponseCode.</summary>
public enum ResponseCode
{
    Success = 0,
    SystemError = 1,
    SystemBusy = 2,
    RequestCodeNotSupported = 3,
    FlushDiskTimeout = 10,
    MessageIllegal = 13,
    ServiceNotAvailable = 14,
    NoPermission = 16,
    TopicNotExist = 17,
    TopicExistAlready = 18,
    PullNotFound = 19,
    QueryNotFound = 22,
    SubscriptionParseFailed = 23,
    ConsumerGroupIllegal = 26,
    OffsetIllegal = 27,
    ConsumerNotOnline = 206,
    SendTimeout = 1001,
    // Codes of RocketMQ 5 that remoting has no number for: the values are apache.rocketmq.v2.Code's.
    /// <summary>A message whose type (normal, FIFO, delay, transaction) is not the type of its topic (message.type).</summary>
    MessagePropertyConflictWithType = 40014,
    /// <summary>An unknown consumer group while autoCreateSubscriptionGroup is off (v2's CONSUMER_GROUP_NOT_FOUND).</summary>
    SubscriptionGroupNotExist = 40403,
    // POP consumption: no remoting code exists, so these carry RocketMQ 5's v2 Code numbers.
    IllegalInvisibleTime = 40011,
    InvalidReceiptHandle = 40013,
    IllegalPollingTime = 40018,
    /// <summary>A transaction id that names no pending half message of this broker, or a decision that contradicts an earlier one (v2's INVALID_TRANSACTION_ID).</summary>
    InvalidTransactionId = 40008,
    // Authentication and ACLs: v2's UNAUTHORIZED (who are you) and FORBIDDEN (not allowed).
    Unauthorized = 40100,
    Forbidden = 40300,
}

public enum SendStatus
{
    SendOk = 0,
    FlushDiskTimeout = 1,
}

public enum PullStatus
{
    Found = 0,
    NoNewMsg = 1,
    NoMatchedMsg = 2,
    OffsetIllegal = 3,
}

/// <summary>Queue permissions as RocketMQ's PermName bits.</summary>
public static class Perm
{
    public const int Inherit = 1;
    public const int Write = 2;
    public const int Read = 4;
    public const int ReadWrite = Read | Write;

    public static bool IsReadable(int perm) => (perm & Read) == Read;
    public static bool IsWriteable(int perm) => (perm & Write) == Write;
    public static bool IsValid(int perm) => perm is >= 0 and <= 7;
    public static string ToText(int perm) => $"{(IsReadable(perm) ? 'R' : '-')}{(IsWriteable(perm) ? 'W' : '-')}{((perm & Inherit) != 0 ? 'X' : '-')}";
}

/// <summary>
/// A topic's queue layout on one broker group, and its attributes (<see cref="TopicAttributes"/>). In a stored config
/// or a reply, Attributes are the topic's attributes; in UpdateTopicConfig and CreateTopic they are RocketMQ's
/// alteration map ("+name" → value, "-name" → ""), and an empty map keeps the attributes the topic has.
/// </summary>
public sealed record TopicConfig(string TopicName, int ReadQueueNums, int WriteQueueNums, int Perm)
{
    public const int DefaultQueueNums = 4;
    public static TopicConfig Create(string topic, int queues = DefaultQueueNums) => new(topic, queues, queues, Protocol.Perm.ReadWrite);

    private readonly System.Collections.Immutable.ImmutableSortedDictionary<string, string> _attributes = TopicAttributes.Empty;

    /// <summary>Sorted by name, so equal maps serialize to equal bytes; empty by default.</summary>
    [Newtonsoft.Json.JsonConverter(typeof(TopicAttributesJsonConverter))]
    public IReadOnlyDictionary<string, string> Attributes
    {
        get => _attributes;
        init => _attributes = TopicAttributes.Sorted(value);
    }

    /// <summary>retention.time, or null: the broker's fileReservedTime applies.</summary>
    public TimeSpan? RetentionTime => TopicAttributes.RetentionTimeOf(_attributes);

    /// <summary>retention.bytes per queue, or null: no size limit.</summary>
    public long? RetentionBytes => TopicAttributes.RetentionBytesOf(_attributes);

    public TopicMessageType MessageType => TopicAttributes.MessageTypeOf(_attributes);

    public bool Equals(TopicConfig? other) =>
        other is not null && TopicName == other.TopicName && ReadQueueNums == other.ReadQueueNums && WriteQueueNums == other.WriteQueueNums
        && Perm == other.Perm && _attributes.Count == other._attributes.Count
        && _attributes.All(kv => other._attributes.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override int GetHashCode() => HashCode.Combine(TopicName, ReadQueueNums, WriteQueueNums, Perm, _attributes.Count);
}

/// <summary>Where a new consumer group starts when it has no committed offset.</summary>
public enum ConsumeFromWhere
{
    ConsumeFromLastOffset = 0,
    ConsumeFromFirstOffset = 1,
    ConsumeFromTimestamp = 2,
}

/// <summary>An error reply or a client-side failure with RocketMQ's code.</summary>
public class AkkaMqException : Exception
{
    public AkkaMqException(ResponseCode code, string message) : base($"{CodeName(code)}: {message}") => Code = code;
    public ResponseCode Code { get; }

    public static string CodeName(ResponseCode code) => code switch
    {
        ResponseCode.TopicNotExist => "TOPIC_NOT_EXIST",
        ResponseCode.MessageIllegal => "MESSAGE_ILLEGAL",
        ResponseCode.NoPermission => "NO_PERMISSION",
        ResponseCode.ServiceNotAvailable => "SERVICE_NOT_AVAILABLE",
        ResponseCode.SystemBusy => "SYSTEM_BUSY",
        ResponseCode.SystemError => "SYSTEM_ERROR",
        ResponseCode.FlushDiskTimeout => "FLUSH_DISK_TIMEOUT",
        ResponseCode.QueryNotFound => "QUERY_NOT_FOUND",
        ResponseCode.SubscriptionParseFailed => "SUBSCRIPTION_PARSE_FAILED",
        ResponseCode.ConsumerGroupIllegal => "CONSUMER_GROUP_ILLEGAL",
        ResponseCode.OffsetIllegal => "OFFSET_ILLEGAL",
        ResponseCode.SendTimeout => "SEND_TIMEOUT",
        ResponseCode.TopicExistAlready => "TOPIC_EXIST_ALREADY",
        ResponseCode.PullNotFound => "PULL_NOT_FOUND",
        ResponseCode.ConsumerNotOnline => "CONSUMER_NOT_ONLINE",
        ResponseCode.MessagePropertyConflictWithType => "MESSAGE_PROPERTY_CONFLICT_WITH_TYPE",
        ResponseCode.SubscriptionGroupNotExist => "SUBSCRIPTION_GROUP_NOT_EXIST",
        ResponseCode.IllegalInvisibleTime => "ILLEGAL_INVISIBLE_TIME",
        ResponseCode.InvalidReceiptHandle => "INVALID_RECEIPT_HANDLE",
        ResponseCode.IllegalPollingTime => "ILLEGAL_POLLING_TIME",
        ResponseCode.Unauthorized => "UNAUTHORIZED",
        ResponseCode.Forbidden => "FORBIDDEN",
        _ => code.ToString().ToUpperInvariant(),
    };
}
