using AkkaMq.Protocol;

namespace AkkaMq.Client;

/// <summary>
/// The outcome of <see cref="AkkaMqTransactionProducer.SendMessageInTransactionAsync"/>: where the half message was
/// stored, its transaction id, and what the local transaction decided (the broker got that decision, or asks again
/// for Unknown).
/// </summary>
public sealed record TransactionSendResult(SendStatus SendStatus, string MsgId, MessageQueue MessageQueue, long QueueOffset,
    string TransactionId, LocalTransactionState LocalTransactionState);
