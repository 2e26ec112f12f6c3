using AkkaMq.Protocol;

namespace AkkaMq.Client;

/// <summary>
/// The transactional send of <see cref="AkkaMqTransactionProducer"/> as an interface, for constructor injection
/// (AkkaMq.Hosting registers one per producer group) and for test doubles.
/// </summary>
public interface IAkkaMqTransactionProducer
{
    /// <summary>The producer group whose live members answer the brokers' check-backs.</summary>
    string ProducerGroup { get; }

    /// <summary>
    /// Stores message as a half message, runs the listener's ExecuteLocalTransaction(message, arg), and tells the
    /// broker its decision. Throws when the half message was not stored (then no local transaction ran).
    /// </summary>
    Task<TransactionSendResult> SendMessageInTransactionAsync(Message message, object? arg = null, CancellationToken ct = default);
}
