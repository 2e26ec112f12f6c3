using Akka.Actor;
using AkkaMq.Broker.Queue;

namespace AkkaMq.Broker.Memory;

/// <summary>How a queue log takes part in the node's <see cref="MemoryBudget"/>: kept here so the queue log stays small.</summary>
public static class QueueCaches
{
    /// <summary>The node's budget; the queue log hears <see cref="ShrinkCaches"/> from now on (the EventStream drops it once it stops).</summary>
    public static MemoryBudget Join(ActorSystem system, IActorRef queueLog)
    {
        system.EventStream.Subscribe(queueLog, typeof(ShrinkCaches));
        return MemoryBudget.For(system);
    }

    /// <summary>
    /// The node is over its budget: the tail gives back its oldest messages, the read-ahead range goes.
    /// If that was not enough, ask again: a request merged into this one may have found others over their share.
    /// </summary>
    public static void GiveBack(MessageTail tail, ReadAheadCache ahead, MemoryBudget budget)
    {
        var gave = tail.GiveBack() | ahead.GiveBack();
        if (gave && budget.IsOver) budget.RequestShrink();
    }

    /// <summary>The queue log stopped: everything it held leaves the budget.</summary>
    public static void Release(MessageTail tail, ReadAheadCache ahead, GroupCommitBuffer sends)
    {
        tail.ReleaseBudget();
        ahead.ReleaseBudget();
        sends.ReleaseBudget();
    }
}
