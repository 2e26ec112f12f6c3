using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Producer;

/// <summary>A checked EndTransaction RPC: the broker request, or the status refusing it.</summary>
public readonly record struct CheckedEndTransaction(EndTransaction? Request, V2.Status? Refusal);

/// <summary>
/// Turns a v2 EndTransactionRequest into the broker's <see cref="EndTransaction"/>: over gRPC the producer group is the topic
/// (as RocketMQ's proxy registers gRPC producers), the transaction id must be one of the local broker group's (the receipt
/// of its half message carried it), an unspecified resolution leaves the half message to the check-back (Unknown), and
/// source SOURCE_SERVER_CHECK marks the answer to a RecoverOrphanedTransactionCommand.
/// </summary>
public static class EndTransactionCheck
{
    public static CheckedEndTransaction Check(V2.EndTransactionRequest request, string brokerName)
    {
        var topic = request.Topic?.Name ?? "";
        if (Validators.CheckTopic(topic) is { } topicError) return Refuse(V2.Code.IllegalTopic, topicError);
        if (!TransactionIds.TryParse(brokerName, request.TransactionId, out _))
            return Refuse(V2.Code.InvalidTransactionId,
                $"transaction_id '{request.TransactionId}' is not a transaction of broker group '{brokerName}' (send EndTransaction to the endpoint that stored the half message)");
        var resolution = request.Resolution switch
        {
            V2.TransactionResolution.Commit => TransactionResolution.Commit,
            V2.TransactionResolution.Rollback => TransactionResolution.Rollback,
            _ => TransactionResolution.Unknown,
        };
        var fromCheck = request.Source == V2.TransactionSource.SourceServerCheck;
        return new CheckedEndTransaction(new EndTransaction(brokerName, topic, topic, request.TransactionId, resolution, fromCheck), null);
    }

    private static CheckedEndTransaction Refuse(V2.Code code, string message) => new(null, ProxyStatus.Of(code, message));
}
