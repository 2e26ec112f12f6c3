using AkkaMq.Protocol;

namespace AkkaMq.Client;

/// <summary>One send from its request to its result: where it went last and which batch holds it.</summary>
internal sealed class PendingSend
{
    public required ProducerActor.Send Request;
    public required long Id;
    public required long Deadline;
    public int Attempt;
    public MessageQueue Queue;
    public string? LastBroker;
    public long BatchId;
    public bool Finished;
    public LinkedListNode<PendingSend>? DeadlineNode;

    /// <summary>True when the caller left the queue to the producer (no fixed queue, no sharding key): it may go to another broker.</summary>
    public bool Movable => Request.Queue == null && Request.ShardingKey == null;
}
