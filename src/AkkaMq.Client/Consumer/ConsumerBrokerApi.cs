using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// A push consumer's requests to its broker groups, each through the group's gateway (the consumer
/// side of RocketMQ's MQClientAPIImpl). Replies to Tells go to the consumer actor; a broker group
/// without a gateway is skipped (false or null), and the next route refresh brings it back.
/// </summary>
internal sealed class ConsumerBrokerApi(string group, string clientId, TimeSpan requestTimeout, IActorRef self)
{
    /// <summary>One gateway per broker group of the subscribed topics; replaced (never changed in place) when routes are fetched.</summary>
    public Dictionary<string, IActorRef> Gateways { get; set; } = new(StringComparer.Ordinal);

    public void Heartbeat(MessageModel messageModel, IReadOnlyList<SubscriptionData> subscriptions)
    {
        foreach (var (broker, gw) in Gateways)
            gw.Tell(new ConsumerHeartbeat(broker, group, clientId, messageModel, subscriptions), self);
    }

    public CommitConsumerOffsets Commit(MessageQueue mq, long offset) =>
        new(mq.BrokerName, group, mq.Topic, new Dictionary<int, long> { [mq.QueueId] = offset });

    /// <summary>Sends a commit without waiting; the reply comes to the consumer actor.</summary>
    public bool TrySend(CommitConsumerOffsets commit)
    {
        if (!Gateways.TryGetValue(commit.BrokerName, out var gw)) return false;
        gw.Tell(commit, self);
        return true;
    }

    /// <summary>Sends a commit and completes with the broker's reply.</summary>
    public Task? TryCommit(CommitConsumerOffsets commit) =>
        Gateways.TryGetValue(commit.BrokerName, out var gw) ? gw.Ask<CommitConsumerOffsetsReply>(commit, requestTimeout) : null;

    /// <summary>Asks each broker group for the locks of its queues in one request.</summary>
    public void Lock(IReadOnlyCollection<ProcessQueue> pqs)
    {
        var byBroker = new Dictionary<string, List<MessageQueue>>(StringComparer.Ordinal);
        foreach (var pq in pqs)
        {
            if (!byBroker.TryGetValue(pq.Mq.BrokerName, out var mqs)) byBroker[pq.Mq.BrokerName] = mqs = new List<MessageQueue>();
            mqs.Add(pq.Mq);
        }
        foreach (var (broker, mqs) in byBroker)
            if (Gateways.TryGetValue(broker, out var gw)) gw.Tell(new LockBatchMQ(broker, group, clientId, mqs), self);
    }

    public void Unlock(MessageQueue mq)
    {
        if (Gateways.TryGetValue(mq.BrokerName, out var gw)) gw.Tell(new UnlockBatchMQ(mq.BrokerName, group, clientId, new[] { mq }), self);
    }

    /// <summary>Commits before unlocking, so the next owner, who can only start after the lock is free, reads this offset.</summary>
    public void CommitThenUnlock(MessageQueue mq, long offset)
    {
        if (!Gateways.TryGetValue(mq.BrokerName, out var gw)) return;
        var commit = Commit(mq, offset);
        var unlock = new UnlockBatchMQ(mq.BrokerName, group, clientId, new[] { mq });
        async Task Run()
        {
            // Whatever the commit's fate, the lock must go, or the next owner waits out its expiry.
            try { await gw.Ask<CommitConsumerOffsetsReply>(commit, requestTimeout); }
            catch (Exception) { }
            gw.Tell(unlock, self);
        }
        _ = Run();
    }

    /// <summary>
    /// Sends consumed-but-failed messages back for the group's retry topic (or the DLQ after
    /// maxReconsumeTimes); completes with those the broker did not take. Null when their broker is not reachable.
    /// </summary>
    public Task<IReadOnlyList<MessageExt>>? TrySendBack(MessageQueue mq, IReadOnlyList<MessageExt> msgs, int maxReconsumeTimes)
    {
        if (!Gateways.TryGetValue(mq.BrokerName, out var gw)) return null;
        async Task<IReadOnlyList<MessageExt>> Run()
        {
            var failed = new List<MessageExt>();
            foreach (var msg in msgs)
            {
                try
                {
                    var acks = await gw.Ask<SendAcks>(new ConsumerSendMsgBack(msg.BrokerName, group, msg.QueueOffset, msg, 0, maxReconsumeTimes), requestTimeout);
                    if (acks.Acks.Count == 0 || acks.Acks[0].Code != ResponseCode.Success) failed.Add(msg);
                }
                catch (Exception)
                {
                    // Any failure (timeout or a failure reply) leaves the message to be consumed again here.
                    failed.Add(msg);
                }
            }
            return failed;
        }
        return Run();
    }

    /// <summary>Shutdown: stores the final offsets, then releases the queues' locks (orderly) and leaves the group on every broker.</summary>
    public async Task LeaveAsync(IOffsetStore offsets, IReadOnlyDictionary<MessageQueue, long> final, IReadOnlyList<MessageQueue> owned,
        bool unlock, ILoggingAdapter log)
    {
        try
        {
            await offsets.PersistAsync(final);
        }
        catch (Exception e)
        {
            log.Warning("Final offset commit of {0} failed: {1}", clientId, e.Message);
        }
        foreach (var (broker, gw) in Gateways)
        {
            if (unlock) gw.Tell(new UnlockBatchMQ(broker, group, clientId, owned.Where(q => q.BrokerName == broker).ToList()), self);
            gw.Tell(new UnregisterConsumer(broker, group, clientId), self);
        }
    }
}
