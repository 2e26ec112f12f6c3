using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Transaction;

// Transactional messages (RocketMQ's two-phase design):
// 1. A producer sends a half message: a usual SendMessages entry whose properties carry TRAN_MSG=true and PGROUP=its
//    producer group. The broker stores it durably but invisibly and answers with the usual SendAck: QueueId is the real
//    queue, QueueOffset the half offset, and the transaction id is TransactionIds.Of(brokerName, ack.QueueOffset).
// 2. The producer runs its local transaction and sends EndTransaction (Commit, Rollback or Unknown) to the broker gateway.
// 3. A half message left undecided is checked back: the broker sends CheckTransactionState to a live producer of the group
//    (producers register with ProducerHeartbeat; the heartbeat's sender receives the checks), which answers with an
//    EndTransaction whose FromTransactionCheck is true.

/// <summary>RocketMQ's LocalTransactionState: a producer's decision on a half message.</summary>
public enum TransactionResolution
{
    Commit = 0,
    Rollback = 1,
    /// <summary>Not decided yet (RocketMQ's UNKNOW): the half message stays pending and is checked back later.</summary>
    Unknown = 2,
}

/// <summary>Properties and system topics of transactional messages, named as in RocketMQ's MessageConst and TopicValidator.</summary>
public static class TransactionConst
{
    /// <summary>"true" on a half message (PROPERTY_TRANSACTION_PREPARED).</summary>
    public const string TransactionPrepared = TopicMessageTypes.TransactionPrepared;
    /// <summary>The producer group whose live members answer check-backs (PROPERTY_PRODUCER_GROUP); required on a half message.</summary>
    public const string ProducerGroup = "PGROUP";
    /// <summary>Seconds before the first check-back of this half message, instead of transactionTimeOut.</summary>
    public const string CheckImmunityTimeInSeconds = "CHECK_IMMUNITY_TIME_IN_SECONDS";
    /// <summary>How many check-backs the broker sent for the message (on a checked message and in TRANS_CHECK_MAX_TIME_TOPIC).</summary>
    public const string TransactionCheckTimes = "TRANSACTION_CHECK_TIMES";
    /// <summary>On a message in TRANS_CHECK_MAX_TIME_TOPIC: the topic and queue it was sent to.</summary>
    public const string RealTopic = "REAL_TOPIC";
    public const string RealQueueId = "REAL_QID";
    /// <summary>On a committed message and in TRANS_CHECK_MAX_TIME_TOPIC: the transaction id of its half message.</summary>
    public const string TransactionId = "__transactionId__";

    /// <summary>The system topic naming the broker's half messages (they are not stored in a queue of it; ids are built with it).</summary>
    public const string HalfTopic = "RMQ_SYS_TRANS_HALF_TOPIC";
    /// <summary>Where a half message goes after transactionCheckMax check-backs without a decision, for inspection.</summary>
    public const string CheckMaxTimeTopic = "TRANS_CHECK_MAX_TIME_TOPIC";

    /// <summary>True when the properties mark a half message (TRAN_MSG=true).</summary>
    public static bool IsHalf(IReadOnlyDictionary<string, string> properties) =>
        properties.Count > 0 && properties.TryGetValue(TransactionPrepared, out var v) && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The PGROUP property, or null.</summary>
    public static string? ProducerGroupOf(IReadOnlyDictionary<string, string> properties) =>
        properties.TryGetValue(ProducerGroup, out var g) && g.Length > 0 ? g : null;
}

/// <summary>
/// A transaction id is the half message's id: a <see cref="MessageId"/> of the broker name, the half topic, queue 0 and
/// the half offset. So any gateway of the broker group finds the half message from the id alone (gRPC's EndTransaction
/// carries only the id).
/// </summary>
public static class TransactionIds
{
    /// <summary>The transaction id of the half message at halfOffset on brokerName.</summary>
    public static string Of(string brokerName, long halfOffset) => MessageId.Encode(brokerName, TransactionConst.HalfTopic, 0, halfOffset);

    /// <summary>The half offset of a transaction id of brokerName; false when it is no transaction id of that broker.</summary>
    public static bool TryParse(string brokerName, string? transactionId, out long halfOffset)
    {
        halfOffset = -1;
        if (!MessageId.TryParse(transactionId, out var id) || id.QueueId != 0) return false;
        if (id.BrokerHash != MessageId.Hash(brokerName) || id.TopicHash != MessageId.Hash(TransactionConst.HalfTopic)) return false;
        halfOffset = id.QueueOffset;
        return true;
    }

    /// <summary>The broker region's entity holding a broker group's half messages and its producers (one per broker group).</summary>
    public static string EntityId(string brokerName) => $"x:{brokerName}";
}

/// <summary>
/// The gateway's half-message part of a send batch, for the broker group's transaction entity. The sender is the
/// producer: it gets SendAcks (QueueOffset = half offset) once the half messages are durable.
/// </summary>
public sealed record PrepareHalfMessages(string BrokerName, IReadOnlyList<SendEntry> Entries) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new SendMessages(BrokerName, Entries).FailureReply(broker, code, error);

    public string EntityId => TransactionIds.EntityId(BrokerName);
}

/// <summary>
/// A producer's decision on a half message (RocketMQ's END_TRANSACTION). Commit stores it in Topic exactly once, even
/// when the request is repeated; Rollback discards it; Unknown leaves it to the check-back. FromTransactionCheck marks
/// the answer to a <see cref="CheckTransactionState"/>.
/// </summary>
public sealed record EndTransaction(string BrokerName, string ProducerGroup, string Topic, string TransactionId,
    TransactionResolution Resolution, bool FromTransactionCheck) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new EndTransactionReply(BrokerName, TransactionId, Resolution, -1, -1, code, error);

    public string EntityId => TransactionIds.EntityId(BrokerName);
}

/// <summary>
/// The outcome of an <see cref="EndTransaction"/>. A commit names the committed message's queue and offset (the same
/// ones again for a repeated commit); -1 otherwise.
/// </summary>
public sealed record EndTransactionReply(string BrokerName, string TransactionId, TransactionResolution Resolution, int QueueId, long QueueOffset,
    ResponseCode Code, string? Error) : IAkkaMqMessage;

/// <summary>
/// Broker to one live producer of the group (RocketMQ's CHECK_TRANSACTION_STATE): what became of this transaction?
/// Message is the half message as stored (its real topic and queue, QueueOffset = half offset); CheckCount counts this
/// check. The producer answers with an <see cref="EndTransaction"/> (FromTransactionCheck = true) to the broker gateway.
/// The transaction entity sends it through the broker region to the group's producer registry (EntityId), which hands it
/// to the next live producer that heartbeated the group (<see cref="ProducerHeartbeat"/>).
/// </summary>
public sealed record CheckTransactionState(string BrokerName, string ProducerGroup, string TransactionId, int CheckCount, MessageExt Message)
    : IBrokerShardCommand
{
    public string EntityId => ProducerEntityIds.ProducerGroup(BrokerName, ProducerGroup);
}

/// <summary>The pending half messages of a broker group (admin), oldest first, at most MaxNum; null filters match all.</summary>
public sealed record QueryHalfMessages(string BrokerName, string? Topic, string? ProducerGroup, int MaxNum) : IBrokerShardCommand, IBrokerRequest
{
    public object? FailureReply(BrokerIdentity broker, ResponseCode code, string error) =>
        new HalfMessageList(BrokerName, 0, 0, Array.Empty<HalfMessageInfo>(), code, error);

    public string EntityId => TransactionIds.EntityId(BrokerName);
}

/// <summary>One pending half message. LastCheckTimestamp is 0 before its first check-back; MsgId is its UNIQ_KEY, if any.</summary>
public sealed record HalfMessageInfo(string Topic, int QueueId, string ProducerGroup, string TransactionId, string? MsgId, string? Keys,
    long StoreTimestamp, int CheckCount, long LastCheckTimestamp, int BodyLength);

/// <summary>Total counts every pending half message matching the filters; Now is the broker's clock, for ages.</summary>
public sealed record HalfMessageList(string BrokerName, long Now, long Total, IReadOnlyList<HalfMessageInfo> Messages,
    ResponseCode Code, string? Error) : IAkkaMqMessage;
