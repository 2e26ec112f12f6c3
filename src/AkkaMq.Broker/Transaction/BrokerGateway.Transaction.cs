using Akka.Actor;
using Akka.Event;
using AkkaMq.Broker.Processor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker;

// Transactional messages at the gateway: half messages of a send batch go to the broker group's transaction entity
// (TransactionLog) instead of their queue; EndTransaction and the half-message listing are checked here and kept there.
// Producer heartbeats go to the group's ProducerGroupManager (BrokerGateway.Clients.cs), through which check-backs pass.
public sealed partial class BrokerGateway
{
    private void ServingTransactions()
    {
        Receive<EndTransaction>(m =>
        {
            if (AwaitTopicRefresh(m.Topic, m)) return;
            if (CheckEndTransaction(m) is { } failure) Reply(m, Sender, failure);
            else _region.Forward(m);
        });
        Receive<QueryHalfMessages>(m =>
        {
            if (_validator.CheckBroker(m.BrokerName) is { } failure) Reply(m, Sender, failure);
            else if (m.MaxNum < 0) Reply(m, Sender, ResponseCode.MessageIllegal, $"maxNum must not be negative, not {m.MaxNum}");
            else _region.Forward(m);
        });
    }

    private RequestFailure? CheckEndTransaction(EndTransaction m)
    {
        if (_validator.CheckBroker(m.BrokerName) is { } wrongBroker) return wrongBroker;
        if (Validators.CheckGroup(m.ProducerGroup) is { } groupError) return new RequestFailure(ResponseCode.MessageIllegal, $"producer group: {groupError}");
        if (Validators.CheckTopic(m.Topic) is { } topicError) return new RequestFailure(ResponseCode.MessageIllegal, topicError);
        if (!Enum.IsDefined(m.Resolution)) return new RequestFailure(ResponseCode.MessageIllegal, $"{(int)m.Resolution} is not Commit, Rollback or Unknown");
        if (!TransactionIds.TryParse(BrokerName, m.TransactionId, out _))
            return new RequestFailure(ResponseCode.InvalidTransactionId, $"'{m.TransactionId}' is not a transaction id of broker '{BrokerName}'");
        return null;
    }

    /// <summary>A half message of a send batch: it needs its producer group (PGROUP) and cannot be delayed.</summary>
    private static RequestFailure? CheckHalf(SendEntry e, long deliverAt)
    {
        if (TransactionConst.ProducerGroupOf(e.Message.Properties) is not { } group)
            return new RequestFailure(ResponseCode.MessageIllegal,
                $"a transactional message ({TransactionConst.TransactionPrepared}=true) needs its producer group in property {TransactionConst.ProducerGroup}");
        if (Validators.CheckGroup(group) is { } groupError) return new RequestFailure(ResponseCode.MessageIllegal, $"producer group: {groupError}");
        return deliverAt > 0 ? new RequestFailure(ResponseCode.MessageIllegal, "a transactional message cannot be delayed (DELAY or TIMER_DELIVER_MS)") : null;
    }

    /// <summary>The transaction entity checks back its undecided half messages: it must run after a restart too.</summary>
    private void WakeTransactions() => _region.Tell(new PrepareHalfMessages(BrokerName, Array.Empty<SendEntry>()), Self);
}
