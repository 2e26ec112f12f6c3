using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;
using AkkaMq.Proxy.Producer;
using AkkaMq.Proxy.Telemetry;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AkkaMq.Proxy;

// Transactional messages over gRPC: the half message's receipt carries its transaction id, EndTransaction takes the
// producer's decision, and a producer's Telemetry stream carries the check-backs of its topics (GrpcProducer).
public sealed partial class MessagingServiceImpl
{
    public override Task<EndTransactionResponse> EndTransaction(EndTransactionRequest request, ServerCallContext context) =>
        Run(nameof(EndTransaction), async ct =>
        {
            var checkedRequest = EndTransactionCheck.Check(request, _broker.Broker.BrokerName);
            if (checkedRequest.Refusal is { } refusal) return new EndTransactionResponse { Status = refusal };
            var reply = await _broker.EndTransactionAsync(checkedRequest.Request!, ct);
            return new EndTransactionResponse { Status = reply.Code == ResponseCode.Success ? ProxyStatus.Ok() : ProxyStatus.FromBroker(reply.Code, reply.Error) };
        }, r => r.Status, s => new EndTransactionResponse { Status = s }, context);

    /// <summary>The transaction id of a stored half message (the receipt's transaction_id); empty for other messages.</summary>
    private string TransactionIdOf(Apache.Rocketmq.V2.Message message, Protocol.Broker.SendAck ack) =>
        message.SystemProperties?.MessageType == MessageType.Transaction ? TransactionIds.Of(_broker.Broker.BrokerName, ack.QueueOffset) : "";
}
