using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client;

/// <summary>
/// A topic's route as the producer writes to it (RocketMQ's TopicPublishInfo): the writable queues
/// in broker-name order, and where round-robin selection goes next. Selection skips brokers the
/// <see cref="BrokerFaultTracker"/> avoids and, on a retry, the broker that just failed; when every
/// broker is avoided it still returns a queue. Not thread-safe: owned by one producer actor.
/// </summary>
internal sealed class TopicPublishInfo
{
    private readonly List<MessageQueue> _writeQueues;
    private int _next;
    // Sticky queue (Kafka's sticky partitioner): unkeyed sends that queue up behind in-flight
    // batches all take this queue, so the next batch to its broker holds one queue's messages and
    // becomes one journal write there instead of one per queue. Cleared when a batch goes to its
    // broker and after sticky-queue-messages sends, so that a burst still spreads over the queues.
    private MessageQueue? _sticky;
    private int _stickySends;

    private TopicPublishInfo(TopicRouteData route, List<MessageQueue> writeQueues, int next)
    {
        Route = route;
        _writeQueues = writeQueues;
        _next = next;
    }

    public TopicRouteData Route { get; }

    public IReadOnlyList<MessageQueue> WriteQueues => _writeQueues;

    /// <summary>The queue a sticky unkeyed send would take now, if any.</summary>
    public MessageQueue? Sticky => _sticky;

    /// <summary>
    /// The publish info of a freshly fetched route. Round-robin continues where previous left off
    /// (a refresh does not restart it); a first route starts at a random queue, so that producers
    /// starting together do not all begin on the same one.
    /// </summary>
    public static TopicPublishInfo FromRoute(string topic, TopicRouteData route, TopicPublishInfo? previous, Random random)
    {
        var queues = new List<MessageQueue>();
        foreach (var q in route.QueueDatas.OrderBy(q => q.BrokerName, StringComparer.Ordinal))
        {
            if (!Perm.IsWriteable(q.Perm)) continue;
            for (var i = 0; i < q.WriteQueueNums; i++) queues.Add(new MessageQueue(topic, q.BrokerName, i));
        }
        return new TopicPublishInfo(route, queues, previous?._next ?? random.Next(Math.Max(1, queues.Count)));
    }

    /// <summary>True when the route names a live node for brokerName.</summary>
    public bool ListsBroker(string brokerName)
    {
        foreach (var b in Route.BrokerDatas)
            if (b.BrokerName == brokerName && b.SelectAddress() != null) return true;
        return false;
    }

    /// <summary>Ordered sends: one sharding key always maps to the same queue while the route stays.</summary>
    public MessageQueue SelectByShardingKey(string key) => _writeQueues[(int)(MessageId.Hash(key) % (uint)_writeQueues.Count)];

    /// <summary>
    /// RocketMQ's selectOneMessageQueue: the next queue of an available broker other than
    /// lastBrokerName (the broker a retry leaves); a first attempt keeps to the sticky queue for up
    /// to stickyLimit sends. Requires at least one writable queue.
    /// </summary>
    public MessageQueue SelectOneMessageQueue(string? lastBrokerName, int stickyLimit, BrokerFaultTracker faults)
    {
        var queues = _writeQueues;
        var now = faults.Now;
        if (lastBrokerName == null && _sticky is { } sticky && _stickySends < stickyLimit && faults.IsAvailable(sticky.BrokerName, now))
        {
            _stickySends++;
            return sticky;
        }
        for (var i = 0; i < queues.Count; i++)
        {
            var q = queues[(int)((uint)_next++ % (uint)queues.Count)];
            if ((lastBrokerName == null || q.BrokerName != lastBrokerName) && faults.IsAvailable(q.BrokerName, now))
            {
                if (lastBrokerName == null)
                {
                    _sticky = q;
                    _stickySends = 1;
                }
                return q;
            }
        }
        for (var i = 0; i < queues.Count; i++)
        {
            var q = queues[(int)((uint)_next++ % (uint)queues.Count)];
            if (lastBrokerName == null || q.BrokerName != lastBrokerName) return q;
        }
        return queues[(int)((uint)_next++ % (uint)queues.Count)];
    }

    /// <summary>A batch left for brokerName: unkeyed sends move on from its queue (round-robin per batch).</summary>
    public void BatchSentTo(string brokerName)
    {
        if (_sticky?.BrokerName == brokerName) _sticky = null;
    }
}
