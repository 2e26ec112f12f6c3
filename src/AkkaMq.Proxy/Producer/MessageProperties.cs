namespace AkkaMq.Proxy.Producer;

/// <summary>
/// Where a gRPC message's system properties live in an AkkaMq message: properties named as RocketMQ's
/// MessageConst names them, so native consumers and tools read them too.
/// </summary>
public static class MessageProperties
{
    /// <summary>The id the client assigned (RocketMQ's PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX).</summary>
    public const string UniqKey = Protocol.Consumer.MessageConst.UniqKey;

    /// <summary>The FIFO message group (RocketMQ's PROPERTY_SHARDING_KEY).</summary>
    public const string MessageGroup = "__SHARDINGKEY";

    /// <summary>The client host that created the message (RocketMQ's born host).</summary>
    public const string BornHost = "BORN_HOST";

    /// <summary>Names a user property may not take: the broker or the mapping above reads them.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        UniqKey, MessageGroup, BornHost,
        Protocol.Transaction.TransactionConst.TransactionPrepared, Protocol.Transaction.TransactionConst.ProducerGroup,
        Protocol.Consumer.MessageConst.DelayTimeLevel, Protocol.Consumer.MessageConst.TimerDeliverMs,
        Protocol.Consumer.MessageConst.RetryTopic, Protocol.Consumer.MessageConst.OriginMessageId,
        Protocol.Consumer.MessageConst.ReconsumeTime,
    };
}
