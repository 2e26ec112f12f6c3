using Akka.Actor;
using AkkaMq.Broker.Pop;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker;

// POP consumption at the gateway: requests are checked here, then served by the queue's POP entity
// (PopConsumerLog); a receive of any queue goes round the topic's queues (PopReceiveRound).
public sealed partial class BrokerGateway
{
    private int _popRotation;

    private void ServingPop()
    {
        Receive<PopMessage>(OnPop);
        Receive<AckMessage>(m => ForwardByHandle(m, m.BrokerName, m.ConsumerGroup, m.Topic, m.ReceiptHandle));
        Receive<ChangeInvisibleTime>(m =>
        {
            if (PopRequestCheck.CheckInvisibleTime(m.InvisibleMillis) is { } failure) Reply(m, Sender, failure);
            else ForwardByHandle(m, m.BrokerName, m.ConsumerGroup, m.Topic, m.ReceiptHandle);
        });
        Receive<ForwardToDeadLetterQueue>(m => ForwardByHandle(m, m.BrokerName, m.ConsumerGroup, m.Topic, m.ReceiptHandle));
    }

    private void OnPop(PopMessage m)
    {
        if (AwaitTopicRefresh(m.Topic, m)) return;
        var queue = m.QueueId == PopLimits.AnyQueue ? 0 : m.QueueId;
        if ((_validator.CheckQueueRead(m.BrokerName, m.Topic, queue, m.ConsumerGroup, _topics) ?? PopRequestCheck.Check(m)) is { } failure)
        {
            Reply(m, Sender, failure);
            return;
        }
        if (m.QueueId != PopLimits.AnyQueue)
        {
            _region.Forward(m);
            return;
        }
        _topics.TryGet(m.Topic, out var config);
        var order = PopRequestCheck.QueueOrder(Math.Max(config!.ReadQueueNums, config.WriteQueueNums), m.AttemptId, _popRotation++);
        Context.ActorOf(PopReceiveRound.Props(_region, m, order, Sender));
    }

    /// <summary>An ack, change or forward: the handle must be one this broker group issued for the topic and group; its queue's entity decides the rest.</summary>
    private void ForwardByHandle<T>(T m, string brokerName, string group, string topic, string handle) where T : IBrokerShardCommand, IBrokerRequest
    {
        if (AwaitTopicRefresh(topic, m)) return;
        if (_validator.CheckBroker(brokerName) is { } wrongBroker)
        {
            Reply(m, Sender, wrongBroker);
            return;
        }
        if (ReceiptHandle.Check(handle, brokerName, topic, group, out var h) is { } error)
        {
            Reply(m, Sender, ResponseCode.InvalidReceiptHandle, error);
            return;
        }
        if (_validator.CheckQueueRead(brokerName, topic, h.QueueId, group, _topics) is { } failure) Reply(m, Sender, failure);
        else _region.Forward(m);
    }
}
