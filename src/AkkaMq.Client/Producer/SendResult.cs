using AkkaMq.Protocol;

namespace AkkaMq.Client;

/// <summary>The outcome of an acknowledged send: status, broker-assigned message id, queue and offset.</summary>
public sealed record SendResult(SendStatus SendStatus, string MsgId, MessageQueue MessageQueue, long QueueOffset);

public enum CommunicationMode { Sync, Async, Oneway }
