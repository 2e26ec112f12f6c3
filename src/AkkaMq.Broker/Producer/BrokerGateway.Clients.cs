using Akka.Event;
using AkkaMq.Broker.Processor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker;

// Client connections: producer heartbeats and producerConnection, and the heartbeats of gRPC (POP) consumers.
public sealed partial class BrokerGateway
{
    private void ServingClients()
    {
        Receive<ProducerHeartbeat>(m => ForwardProducerRequest(m, m.BrokerName, m.ProducerGroup, m.ClientId));
        Receive<UnregisterProducer>(m => ForwardProducerRequest(m, m.BrokerName, m.ProducerGroup, m.ClientId));
        Receive<GetProducerConnection>(m => ForwardToGroup(m, m.BrokerName, m.ProducerGroup, null, null));
        Receive<PopConsumerHeartbeat>(m =>
        {
            if (m.BrokerName == BrokerName)
            {
                // As a native clustering consumer's heartbeat: an unknown group is created when auto-creation allows it.
                var failure = SubscriptionGroupTable.CheckHeartbeat(m.ConsumerGroup, MessageModel.Clustering, out var toCreate);
                CreateSubscriptionGroup(toCreate);
                if (failure != null)
                {
                    Reply(m, Sender, failure.Value);
                    return;
                }
            }
            ForwardToGroup(m, m.BrokerName, m.ConsumerGroup, m.ClientId, null);
        });
    }

    /// <summary>To the group's manager, forwarded so the sender stays the check-back target; an empty client id is refused.</summary>
    private void ForwardProducerRequest<T>(T m, string brokerName, string group, string clientId) where T : IBrokerShardCommand, IBrokerRequest
    {
        if (string.IsNullOrWhiteSpace(clientId) && _validator.CheckGroupRequest(brokerName, group, null, null) == null)
        {
            var failure = new RequestFailure(ResponseCode.MessageIllegal, $"producer of group '{group}' sent an empty client id");
            if (!Reply(m, Sender, failure)) _log.Warning("Dropped {0}: {1}", m.GetType().Name, failure.Error);
            return;
        }
        ForwardToGroup(m, brokerName, group, clientId, null);
    }
}
