using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;
using AkkaMq.Proxy.Producer;
using AkkaMq.Proxy.Telemetry;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AkkaMq.Proxy;

// Transactional messages over gRPC: the half message's receipt carries its transaction id, EndTransaction takes the
// producer's decision, and a producer's Telemetry stream carries the check-backs of its topics (GrpcTransactionProducer).
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

    /// <summary>
    /// A producer's Settings: its member of the topics' producer groups is started (first Settings) or told the topics
    /// again. Consumers have none.
    /// </summary>
    private IActorRef? TransactionProducer(IActorRef? producer, Apache.Rocketmq.V2.Settings settings, TelemetryWriter writer, ServerCallContext context)
    {
        if (settings.PubSubCase != Apache.Rocketmq.V2.Settings.PubSubOneofCase.Publishing) return producer;
        var topics = settings.Publishing.Topics.Select(t => t.Name).Where(t => Validators.CheckTopic(t) == null).Distinct().ToList();
        if (producer == null)
        {
            var clientId = context.RequestHeaders.GetValue("x-mq-client-id") is { Length: > 0 } id ? id : "grpc-" + Guid.NewGuid().ToString("N");
            producer = _broker.System.ActorOf(GrpcTransactionProducer.Props(_broker.Broker.BrokerName, clientId, writer));
        }
        producer.Tell(new GrpcTransactionProducer.Topics(topics));
        return producer;
    }
}
