using Akka.Actor;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Topics;

// deleteTopic's purge stays inside the node serving the broker group: the topic table, the queue
// logs and the offset logs it addresses all live in the group's shard. None crosses the wire.

/// <summary>
/// To one consumer offset log, through the broker region: remove every committed offset of the
/// group on the topic (the topic was deleted). Answered with <see cref="ConsumerOffsetsPurged"/> once durable.
/// </summary>
public sealed record PurgeConsumerOffsets(string BrokerName, string ConsumerGroup, string Topic) : INoSerializationVerificationNeeded
{
    public string EntityId => EntityIds.ConsumerOffsets(BrokerName, ConsumerGroup, Topic);
}

/// <param name="Removed">How many queues' offsets went (0 when the group had none left).</param>
public sealed record ConsumerOffsetsPurged(string ConsumerGroup, string Topic, int Removed) : INoSerializationVerificationNeeded;

/// <summary>From a <see cref="TopicPurger"/> to its topic table: the topic's messages and offsets are gone, or why not (Error).</summary>
public sealed record TopicPurgeFinished(string Topic, long DeletedMessages, int Groups, string? Error) : INoSerializationVerificationNeeded;
