using AkkaMq.Protocol;

namespace AkkaMq.Client;

/// <summary>What the producer's local transaction decided (RocketMQ's LocalTransactionState).</summary>
public enum LocalTransactionState
{
    /// <summary>The local transaction committed: the half message becomes visible to consumers.</summary>
    Commit = 0,
    /// <summary>The local transaction rolled back: the half message is discarded, never delivered.</summary>
    Rollback = 1,
    /// <summary>Not decided yet: the broker asks a producer of the group again later (check-back).</summary>
    Unknown = 2,
}

/// <summary>
/// The application's side of a transactional send (RocketMQ's TransactionListener). The producer calls
/// <see cref="ExecuteLocalTransaction"/> once the half message is stored, and <see cref="CheckLocalTransaction"/>
/// when the broker asks about a half message left undecided (by this producer, or by a peer of its group that died).
/// A throw counts as <see cref="LocalTransactionState.Unknown"/>.
/// </summary>
public interface ITransactionListener
{
    /// <summary>Runs the local transaction for a half message just stored; arg is the caller's, passed through.</summary>
    Task<LocalTransactionState> ExecuteLocalTransaction(Message message, object? arg);

    /// <summary>Looks up how the local transaction of a half message ended (by its keys, properties or transaction id).</summary>
    Task<LocalTransactionState> CheckLocalTransaction(MessageExt message);
}
