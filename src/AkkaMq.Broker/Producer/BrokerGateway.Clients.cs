using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker;

// Client connections: producer heartbeats and producerConnection, and the heartbeats of gRPC (POP) consumers.
public sealed partial class BrokerGateway
{
    private void ServingClients()
    {
        Receive<ProducerHeartbeat>(m => ForwardToGroup(m, m.BrokerName, m.ProducerGroup, m.ClientId, null));
        Receive<UnregisterProducer>(m => ForwardToGroup(m, m.BrokerName, m.ProducerGroup, m.ClientId, null));
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
}
