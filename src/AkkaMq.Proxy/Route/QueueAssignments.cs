using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Route;

/// <summary>
/// A PushConsumer's assignments of a topic (RocketMQ's RouteActivity.queryAssignment): per broker group with readable
/// queues and a gRPC endpoint, one queue with id -1 (the broker's POP then spreads the group's receives over every queue,
/// so any number of consumers shares the topic without a rebalance); for a FIFO group each readable queue on its own,
/// so a queue's messages go to one receive at a time, in order.
/// </summary>
public static class QueueAssignments
{
    public static List<V2.Assignment> Build(V2.Resource topic, TopicRouteData route, bool fifo)
    {
        var assignments = new List<V2.Assignment>();
        foreach (var q in route.QueueDatas)
        {
            if (!Perm.IsReadable(q.Perm) || q.ReadQueueNums < 1) continue;
            var broker = route.BrokerDatas.FirstOrDefault(b => b.BrokerName == q.BrokerName);
            if (broker?.SelectGrpcEndpoint() is not { } endpoint || QueueRoutes.ParseEndpoint(endpoint) is not { } endpoints) continue;
            var v2Broker = new V2.Broker { Name = q.BrokerName, Id = (int)BrokerIdentity.MasterId, Endpoints = endpoints };
            var permission = QueueRoutes.Permission(true, Perm.IsWriteable(q.Perm));
            if (!fifo)
            {
                assignments.Add(Assignment(topic, PopLimits.AnyQueue, permission, v2Broker));
                continue;
            }
            for (var id = 0; id < q.ReadQueueNums; id++) assignments.Add(Assignment(topic, id, permission, v2Broker));
        }
        return assignments;
    }

    private static V2.Assignment Assignment(V2.Resource topic, int queueId, V2.Permission permission, V2.Broker broker) => new()
    {
        MessageQueue = new V2.MessageQueue { Topic = topic.Clone(), Id = queueId, Permission = permission, Broker = broker },
    };
}
