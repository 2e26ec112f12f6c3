using AkkaMq.Protocol;

namespace AkkaMq.Client;

/// <summary>
/// The sends of <see cref="AkkaMqProducer"/> as an interface, for constructor injection (AkkaMq.Hosting
/// registers one per app) and for test doubles. Thread-safe: one producer serves the whole app.
/// </summary>
public interface IAkkaMqProducer
{
    /// <summary>Sync send: completes when the broker has stored the message durably (per its flush mode).</summary>
    Task<SendResult> SendAsync(Message message, CancellationToken ct = default);

    /// <summary>Sync send to a queue the caller chose.</summary>
    Task<SendResult> SendAsync(Message message, MessageQueue queue, CancellationToken ct = default);

    /// <summary>Ordered send: messages with the same sharding key go to the same queue, in order.</summary>
    Task<SendResult> SendOrderlyAsync(Message message, string shardingKey, CancellationToken ct = default);

    /// <summary>Async send: returns at once; the callback gets the result or the error (on a thread-pool thread).</summary>
    void Send(Message message, Action<SendResult?, Exception?> callback);

    /// <summary>One-way send: no acknowledgement, no retry.</summary>
    void SendOneway(Message message);
}
