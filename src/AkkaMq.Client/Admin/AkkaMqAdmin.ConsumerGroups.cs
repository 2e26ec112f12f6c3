using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Admin;

// Consumer group operations: consumerProgress, consumerConnection, offset resets.
public sealed partial class AkkaMqAdmin
{
    private async Task<ConsumerOffsets> GroupOffsetsAsync(string group, string topic, string brokerName, CancellationToken ct)
    {
        var reply = await Context.AskBrokerAsync<ConsumerOffsets>(topic, brokerName, new GetConsumerOffsets(brokerName, group, topic), ct);
        if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "offset query failed");
        return reply;
    }

    private static void CheckGroup(string group)
    {
        if (Validators.CheckGroup(group) is { } error) throw new AkkaMqException(ResponseCode.ConsumerGroupIllegal, error);
    }

    /// <summary>
    /// consumerProgress: per topic and queue the broker offset, the group's committed offset, the
    /// lag and the store time of the last consumed message. Without a topic, every topic where
    /// the group committed; a group that committed nowhere is unknown.
    /// </summary>
    public async Task<ConsumerProgress> ConsumerProgressAsync(string group, string? topic, CancellationToken ct = default)
    {
        CheckGroup(group);
        var topics = topic != null ? new[] { topic } : (await TopicListAsync(ct)).Select(t => t.Topic).ToArray();
        var rows = new List<ConsumerProgressRow>();
        foreach (var t in topics)
        {
            var queues = await QueuesAsync(t, ct);
            foreach (var broker in queues.Select(q => q.BrokerName).Distinct())
            {
                var offsets = await GroupOffsetsAsync(group, t, broker, ct);
                if (offsets.Offsets.Count == 0) continue;
                foreach (var q in queues.Where(q => q.BrokerName == broker))
                {
                    var bounds = await QueueOffsetAsync(q, QueueOffsetKind.Max, 0, ct);
                    var consumer = offsets.Offsets.TryGetValue(q.QueueId, out var o) ? o : -1;
                    long last = 0;
                    if (consumer > bounds.MinOffset && consumer <= bounds.MaxOffset)
                        last = (await ReadAtAsync(q, consumer - 1, ct))?.StoreTimestamp ?? 0;
                    // Counted from the min offset: messages retention deleted are no longer lag.
                    var diff = Math.Max(0, bounds.MaxOffset - Math.Max(consumer, Math.Max(bounds.MinOffset, 0)));
                    rows.Add(new ConsumerProgressRow(t, broker, q.QueueId, bounds.MaxOffset, consumer, diff, last));
                }
            }
        }
        if (rows.Count == 0)
            throw new AkkaMqException(ResponseCode.QueryNotFound, topic != null
                ? $"consumer group '{group}' has no committed offset on topic '{topic}'"
                : $"consumer group '{group}' has no committed offset on any topic (unknown group)");
        return new ConsumerProgress(group, rows, rows.Sum(r => r.Diff));
    }

    private static string ModelName(MessageModel m) => m == MessageModel.Broadcasting ? "BROADCASTING" : "CLUSTERING";

    /// <summary>
    /// consumerConnection: the live members of a group as every broker group's ConsumerGroupManager
    /// knows them (asked of each group's serving node), merged per client id. A group with no live
    /// member anywhere is "not online".
    /// </summary>
    public async Task<ConsumerConnection> ConsumerConnectionAsync(string group, CancellationToken ct = default)
    {
        CheckGroup(group);
        var info = await ClusterInfoAsync(ct);
        // The serving node of each broker group: its master, or the lowest id left.
        var nodes = info.Brokers.GroupBy(b => b.Broker.BrokerName, StringComparer.Ordinal)
            .Select(g => g.OrderBy(b => b.Broker.BrokerId).First().Broker).OrderBy(b => b.BrokerName, StringComparer.Ordinal).ToList();
        var answers = await Task.WhenAll(nodes.Select(async id =>
        {
            try
            {
                var reply = await Context.AskGatewayAtAsync<ConsumerConnectionInfo>(id.Address, new GetConsumerConnection(id.BrokerName, group), ct);
                if (reply.Code == ResponseCode.ConsumerGroupIllegal) throw new AkkaMqException(reply.Code, reply.Error ?? "bad consumer group");
                return (id.BrokerName, Reply: reply, Error: reply.Code == ResponseCode.Success ? null : $"broker '{id.BrokerName}': {reply.Error}");
            }
            catch (AkkaMqException e) when (e.Code != ResponseCode.ConsumerGroupIllegal)
            {
                return (id.BrokerName, Reply: (ConsumerConnectionInfo?)null, Error: $"broker '{id.BrokerName}': {e.Message}");
            }
        }));
        var errors = answers.Where(a => a.Error != null).Select(a => a.Error!).ToList();
        var rows = answers.Where(a => a.Reply is { Code: ResponseCode.Success })
            .SelectMany(a => a.Reply!.Connections.Select(c => (a.BrokerName, Conn: c)))
            .GroupBy(x => x.Conn.ClientId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var latest = g.OrderByDescending(x => x.Conn.LastHeartbeat).First().Conn;
                var subs = g.SelectMany(x => x.Conn.Subscriptions).Select(x => new SubscriptionRow(x.Topic, x.SubExpression)).Distinct()
                    .OrderBy(x => x.Topic, StringComparer.Ordinal).ToList();
                return new ConsumerConnectionRow(g.Key, latest.Address, ModelName(latest.MessageModel), subs, latest.LastHeartbeat,
                    g.Select(x => x.BrokerName).Distinct().ToList())
                {
                    Language = latest.Channel?.Language ?? "DOTNET", Version = latest.Channel?.Version,
                    ConsumeType = latest.Pop ? "CONSUME_POP" : "CONSUME_PASSIVELY",
                };
            }).ToList();
        if (rows.Count == 0)
            throw new AkkaMqException(ResponseCode.ConsumerNotOnline, errors.Count == 0
                ? $"the consumer group '{group}' is not online (no broker knows a live consumer of it)"
                : $"the consumer group '{group}' is not online on the brokers that answered; {string.Join("; ", errors)}");
        var models = rows.Select(r => r.MessageModel).Distinct().ToList();
        var types = rows.Select(r => r.ConsumeType).Distinct().ToList();
        return new ConsumerConnection(group, string.Join("/", types), models.Count == 1 ? models[0] : string.Join("/", models), rows, errors);
    }

    /// <summary>
    /// resetOffsetByTime: commits, per queue, the first offset stored at or after timestamp (Unix ms), and has the
    /// brokers tell the group's running clustering consumers, which drop what they cached and consume from there.
    /// </summary>
    public Task<OffsetReset> ResetOffsetByTimeAsync(string group, string topic, long timestamp, CancellationToken ct = default) =>
        ResetAsync(group, topic, q => QueueOffsetAsync(q, QueueOffsetKind.ByTimestamp, timestamp, ct), ct);

    /// <summary>skipAccumulatedMessage: commits every queue's max offset, so the group skips its backlog; running consumers are told as for resetOffsetByTime.</summary>
    public Task<OffsetReset> SkipAccumulatedMessageAsync(string group, string topic, CancellationToken ct = default) =>
        ResetAsync(group, topic, q => QueueOffsetAsync(q, QueueOffsetKind.Max, 0, ct), ct);

    /// <summary>
    /// RocketMQ's resetOffset: every new offset is looked up before anything is written; a group that has no
    /// committed offset on the topic and no running consumer is unknown and nothing changes. Then per broker
    /// group: commit the offsets, and have its ConsumerGroupManager pass them on to the running consumers
    /// (they would otherwise commit their own position over them).
    /// </summary>
    private async Task<OffsetReset> ResetAsync(string group, string topic, Func<MessageQueue, Task<QueueOffsetReply>> target, CancellationToken ct)
    {
        CheckGroup(group);
        var queues = await QueuesAsync(topic, ct);
        var rows = new List<OffsetResetRow>();
        var plan = new List<(string Broker, Dictionary<int, long> Offsets)>();
        var committed = false;
        foreach (var broker in queues.Select(q => q.BrokerName).Distinct())
        {
            var old = await GroupOffsetsAsync(group, topic, broker, ct);
            committed |= old.Offsets.Count > 0;
            var next = new Dictionary<int, long>();
            foreach (var q in queues.Where(q => q.BrokerName == broker))
            {
                var offset = (await target(q)).Offset;
                next[q.QueueId] = offset;
                rows.Add(new OffsetResetRow(broker, q.QueueId, old.Offsets.TryGetValue(q.QueueId, out var o) ? o : -1, offset));
            }
            plan.Add((broker, next));
        }
        if (!committed && !await AnyConsumerRunningAsync(group, topic, plan.Select(p => p.Broker), ct))
            throw new AkkaMqException(ResponseCode.QueryNotFound,
                $"consumer group '{group}' is unknown on topic '{topic}': it has no committed offset there and no running consumer; nothing was reset");
        var told = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (broker, next) in plan)
        {
            var reply = await Context.AskBrokerAsync<CommitConsumerOffsetsReply>(topic, broker, new CommitConsumerOffsets(broker, group, topic, next), ct);
            if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "offset commit failed");
            var reset = await Context.AskBrokerAsync<ResetOffsetReply>(topic, broker, new InvokeBrokerToResetOffset(broker, group, topic, next), ct);
            if (reset.Code != ResponseCode.Success) throw new AkkaMqException(reset.Code, reset.Error ?? "offset reset failed");
            told.UnionWith(reset.ClientIds);
        }
        return new OffsetReset(group, topic, rows) { NotifiedClients = told.ToList() };
    }

    private async Task<bool> AnyConsumerRunningAsync(string group, string topic, IEnumerable<string> brokers, CancellationToken ct)
    {
        foreach (var broker in brokers)
        {
            var info = await Context.AskBrokerAsync<ConsumerConnectionInfo>(topic, broker, new GetConsumerConnection(broker, group), ct);
            if (info.Code == ResponseCode.Success && info.Connections.Count > 0) return true;
        }
        return false;
    }
}
