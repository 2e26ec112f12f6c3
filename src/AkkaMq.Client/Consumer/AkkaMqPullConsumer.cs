using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Client;

/// <summary>
/// Pull consumer (RocketMQ's DefaultMQPullConsumer): the caller chooses queues and offsets,
/// pulls with a tag expression (filtered on the broker), and commits offsets for its group,
/// which the broker persists.
/// </summary>
public sealed class AkkaMqPullConsumer
{
    public AkkaMqPullConsumer(ClientContext context, string consumerGroup)
    {
        if (Validators.CheckGroup(consumerGroup) is { } error) throw new AkkaMqException(ResponseCode.ConsumerGroupIllegal, error);
        Context = context;
        ConsumerGroup = consumerGroup;
    }

    public static AkkaMqPullConsumer Create(ActorSystem system, string consumerGroup, ClientSettings? settings = null, IActorRef? nameServer = null) =>
        new(new ClientContext(system, settings ?? ClientSettings.Create(system.Settings.Config), nameServer), consumerGroup);

    public ClientContext Context { get; }
    public string ConsumerGroup { get; }

    /// <summary>The readable queues of a topic on every broker group.</summary>
    public async Task<IReadOnlyList<MessageQueue>> FetchSubscribeMessageQueuesAsync(string topic, CancellationToken ct = default)
    {
        var route = await Context.GetRouteAsync(topic, false, ct);
        var list = new List<MessageQueue>();
        foreach (var q in route.QueueDatas.OrderBy(q => q.BrokerName, StringComparer.Ordinal))
        {
            if (!Perm.IsReadable(q.Perm)) continue;
            for (var i = 0; i < q.ReadQueueNums; i++) list.Add(new MessageQueue(topic, q.BrokerName, i));
        }
        return list;
    }

    /// <summary>Pulls up to maxNums messages from offset; answers at once (NO_NEW_MSG when there is nothing).</summary>
    public Task<PullResult> PullAsync(MessageQueue mq, string subExpression, long offset, int maxNums, CancellationToken ct = default) =>
        PullCore(mq, subExpression, offset, maxNums, TimeSpan.Zero, ct);

    /// <summary>Long polling: the broker holds the pull until a matching message arrives or suspend ends.</summary>
    public Task<PullResult> PullBlockIfNotFoundAsync(MessageQueue mq, string subExpression, long offset, int maxNums,
        TimeSpan? suspend = null, CancellationToken ct = default) =>
        PullCore(mq, subExpression, offset, maxNums, suspend ?? TimeSpan.FromSeconds(15), ct);

    private async Task<PullResult> PullCore(MessageQueue mq, string subExpression, long offset, int maxNums, TimeSpan suspend, CancellationToken ct)
    {
        var request = new PullMessage(mq.BrokerName, ConsumerGroup, mq.Topic, mq.QueueId, offset, maxNums, subExpression, (long)suspend.TotalMilliseconds);
        var result = await Context.AskBrokerAsync<PullResult>(mq.Topic, mq.BrokerName, request, ct, suspend);
        if (result.Code != ResponseCode.Success) throw new AkkaMqException(result.Code, result.Error ?? "pull failed");
        Metrics.ClientMetrics.RecordDelivery(mq.Topic, ConsumerGroup, result.Messages);
        return result;
    }

    /// <summary>Commits the group's offset on a queue: the offset of the next message to consume.</summary>
    public Task UpdateConsumeOffsetAsync(MessageQueue mq, long offset, CancellationToken ct = default) =>
        CommitAsync(new Dictionary<MessageQueue, long> { [mq] = offset }, ct);

    /// <summary>Commits several queues' offsets; one request per broker group and topic.</summary>
    public async Task CommitAsync(IReadOnlyDictionary<MessageQueue, long> offsets, CancellationToken ct = default)
    {
        foreach (var group in offsets.GroupBy(kv => (kv.Key.BrokerName, kv.Key.Topic)))
        {
            var map = group.ToDictionary(kv => kv.Key.QueueId, kv => kv.Value);
            var reply = await Context.AskBrokerAsync<CommitConsumerOffsetsReply>(group.Key.Topic, group.Key.BrokerName,
                new CommitConsumerOffsets(group.Key.BrokerName, ConsumerGroup, group.Key.Topic, map), ct);
            if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "offset commit failed");
        }
    }

    /// <summary>The group's committed offset on a queue, or -1 if it never committed there.</summary>
    public async Task<long> FetchConsumeOffsetAsync(MessageQueue mq, CancellationToken ct = default)
    {
        var reply = await Context.AskBrokerAsync<ConsumerOffsetReply>(mq.Topic, mq.BrokerName,
            new QueryConsumerOffset(mq.BrokerName, ConsumerGroup, mq.Topic, mq.QueueId), ct);
        return reply.Code switch
        {
            ResponseCode.Success => reply.Offset,
            ResponseCode.QueryNotFound => -1,
            _ => throw new AkkaMqException(reply.Code, reply.Error ?? "offset query failed"),
        };
    }

    public Task<long> MinOffsetAsync(MessageQueue mq, CancellationToken ct = default) => QueryOffset(mq, QueueOffsetKind.Min, 0, ct);
    public Task<long> MaxOffsetAsync(MessageQueue mq, CancellationToken ct = default) => QueryOffset(mq, QueueOffsetKind.Max, 0, ct);

    /// <summary>The first offset stored at or after a time (Unix milliseconds).</summary>
    public Task<long> SearchOffsetAsync(MessageQueue mq, long timestamp, CancellationToken ct = default) =>
        QueryOffset(mq, QueueOffsetKind.ByTimestamp, timestamp, ct);

    /// <summary>Where to start on a queue: the committed offset, else first / last / by timestamp.</summary>
    public async Task<long> FetchStartOffsetAsync(MessageQueue mq, ConsumeFromWhere where, long timestamp = 0, CancellationToken ct = default)
    {
        var committed = await FetchConsumeOffsetAsync(mq, ct);
        if (committed >= 0) return committed;
        return where switch
        {
            ConsumeFromWhere.ConsumeFromFirstOffset => await MinOffsetAsync(mq, ct),
            ConsumeFromWhere.ConsumeFromTimestamp => await SearchOffsetAsync(mq, timestamp, ct),
            _ => await MaxOffsetAsync(mq, ct),
        };
    }

    private async Task<long> QueryOffset(MessageQueue mq, QueueOffsetKind kind, long timestamp, CancellationToken ct)
    {
        var reply = await Context.AskBrokerAsync<QueueOffsetReply>(mq.Topic, mq.BrokerName,
            new QueryQueueOffset(mq.BrokerName, mq.Topic, mq.QueueId, kind, timestamp), ct);
        if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "offset query failed");
        return reply.Offset;
    }
}
