using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Queue;

/// <summary>What <see cref="HeldPulls"/> and <see cref="ReadAheadCache"/> need from the queue log serving pulls.</summary>
public interface IPullHost
{
    /// <summary>A collector for the request from offset, with the queue's pull limits.</summary>
    PullCollector Collect(PullMessage request, SubscriptionExpression filter, long offset);

    /// <summary>Serves the pull from offset wherever it is held: the tail, the read-ahead range or the journal.</summary>
    void Serve(PullMessage request, SubscriptionExpression filter, long offset, IActorRef replyTo);

    /// <summary>Cancels the expiry timer of held pull id.</summary>
    void CancelExpiry(long id);
}
