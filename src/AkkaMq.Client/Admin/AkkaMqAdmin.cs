using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Admin;

/// <summary>
/// The admin operations (RocketMQ's mqadmin / MQAdminExt) over AkkaMq's protocol: one
/// implementation behind the <c>akkamq</c> CLI and the node's HTTP API. Failures are
/// <see cref="AkkaMqException"/>s whose message names what is wrong (unknown topic or group,
/// unreachable NameServer or broker, bad argument).
/// </summary>
public sealed class AkkaMqAdmin : IAsyncDisposable
{
    private readonly Lazy<AkkaMqProducer> _producer;

    public AkkaMqAdmin(ClientContext context)
    {
        Context = context;
        _producer = new Lazy<AkkaMqProducer>(() => AkkaMqProducer.Create(context.System, context.Settings));
    }

    public ClientContext Context { get; }

    private static string Role(long brokerId) => brokerId == BrokerIdentity.MasterId ? "MASTER" : "SLAVE";

    // ------------------------------------------------------------------ cluster

    public async Task<BrokerClusterInfo> ClusterInfoAsync(CancellationToken ct = default) =>
        await Context.AskNameServerAsync<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, ct);

    /// <summary>clusterList: every registered broker node with its runtime figures (asked of each node).</summary>
    public async Task<IReadOnlyList<ClusterBrokerRow>> ClusterListAsync(CancellationToken ct = default)
    {
        var info = await ClusterInfoAsync(ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = await Task.WhenAll(info.Brokers.Select(async b =>
        {
            var id = b.Broker;
            try
            {
                var rt = await RuntimeInfoAsync(id.Address, id.BrokerName, ct);
                return new ClusterBrokerRow(id.ClusterName, id.BrokerName, id.BrokerId, id.Address, Role(id.BrokerId), rt.BootTimestamp,
                    now - rt.BootTimestamp, rt.PutTps, rt.GetTps, rt.MsgPutTotal, rt.MsgGetTotal, b.TopicCount, b.LastUpdateTimestamp, null);
            }
            catch (AkkaMqException e)
            {
                return new ClusterBrokerRow(id.ClusterName, id.BrokerName, id.BrokerId, id.Address, Role(id.BrokerId), null, null, null, null,
                    null, null, b.TopicCount, b.LastUpdateTimestamp, e.Message);
            }
        }));
        return rows;
    }

    private async Task<BrokerRuntimeInfo> RuntimeInfoAsync(string address, string brokerName, CancellationToken ct)
    {
        var rt = await Context.AskGatewayAtAsync<BrokerRuntimeInfo>(address, new GetBrokerRuntimeInfo(brokerName), ct);
        if (rt.Code != ResponseCode.Success) throw new AkkaMqException(rt.Code, rt.Error ?? "broker status failed");
        return rt;
    }

    /// <summary>brokerStatus of the node at brokerAddr ("host:port"), or of broker group brokerName's serving node.</summary>
    public async Task<BrokerStatus> BrokerStatusAsync(string? brokerAddr, string? brokerName, CancellationToken ct = default)
    {
        if (brokerAddr == null && brokerName == null) throw new AkkaMqException(ResponseCode.MessageIllegal, "name a broker: -b host:port or --broker-name NAME");
        var info = await ClusterInfoAsync(ct);
        var match = info.Brokers
            .Where(b => brokerAddr != null ? b.Broker.Address == brokerAddr : b.Broker.BrokerName == brokerName)
            .OrderBy(b => b.Broker.BrokerId).FirstOrDefault()
            ?? throw new AkkaMqException(ResponseCode.ServiceNotAvailable,
                brokerAddr != null ? $"no broker is registered at {brokerAddr}" : $"broker '{brokerName}' is not registered");
        var id = match.Broker;
        var rt = await RuntimeInfoAsync(id.Address, id.BrokerName, ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootTimestamp"] = rt.BootTimestamp.ToString(),
            ["uptimeMillis"] = (now - rt.BootTimestamp).ToString(),
            ["msgPutTotalTodayNow"] = rt.MsgPutTotal.ToString(),
            ["msgGetTotalTodayNow"] = rt.MsgGetTotal.ToString(),
            ["putTps"] = rt.PutTps.ToString("0.##"),
            ["getTransferredTps"] = rt.GetTps.ToString("0.##"),
            ["topicCount"] = rt.TopicCount.ToString(),
            ["brokerId"] = id.BrokerId.ToString(),
        };
        foreach (var (k, v) in rt.Extra) values[k] = v;
        return new BrokerStatus(id.ClusterName, id.BrokerName, id.BrokerId, id.Address, values);
    }

    // ------------------------------------------------------------------ topics

    /// <summary>updateTopic: create or change a topic on a cluster's masters, on one broker group, or (neither) everywhere.</summary>
    public async Task<TopicUpdateResult> UpdateTopicAsync(string topic, int readQueueNums, int writeQueueNums, int perm,
        string? clusterName, string? brokerName, CancellationToken ct = default)
    {
        if (Validators.CheckTopic(topic) is { } error) throw new AkkaMqException(ResponseCode.MessageIllegal, error);
        if (!Perm.IsValid(perm)) throw new AkkaMqException(ResponseCode.MessageIllegal, $"perm {perm} is not a valid permission (2 = W, 4 = R, 6 = RW)");
        if (clusterName != null && brokerName == null)
        {
            var info = await ClusterInfoAsync(ct);
            if (info.Brokers.All(b => b.Broker.ClusterName != clusterName))
                throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"cluster '{clusterName}' has no registered broker");
        }
        var config = new TopicConfig(topic, readQueueNums, writeQueueNums, perm);
        var reply = await Context.CreateTopicAsync(config, clusterName, brokerName, ct);
        Context.InvalidateRoute(topic);
        return new TopicUpdateResult(topic, readQueueNums, writeQueueNums, Perm.ToText(perm), reply.Brokers);
    }

    /// <summary>deleteTopic: removes the topic from every broker group that has it (in a cluster, if named), then from the NameServer.</summary>
    public async Task<TopicDeleteResult> DeleteTopicAsync(string topic, string? clusterName, CancellationToken ct = default)
    {
        var route = await RouteAsync(topic, ct);
        var deleted = new List<string>();
        foreach (var b in route.BrokerDatas.Where(b => clusterName == null || b.Cluster == clusterName))
        {
            var address = b.SelectAddress() ?? throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker '{b.BrokerName}' has no live node");
            var reply = await Context.AskGatewayAtAsync<DeleteTopicReply>(address, new DeleteTopicInBroker(b.BrokerName, topic), ct);
            if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "delete failed");
            deleted.AddRange(reply.Brokers);
        }
        if (deleted.Count == 0) throw new AkkaMqException(ResponseCode.TopicNotExist, $"topic '{topic}' has no broker in cluster '{clusterName}'");
        await Context.AskNameServerAsync<DeleteTopicReply>(new DeleteTopicInNameServer(topic), ct);
        Context.InvalidateRoute(topic);
        return new TopicDeleteResult(topic, deleted);
    }

    public async Task<IReadOnlyList<TopicRow>> TopicListAsync(CancellationToken ct = default)
    {
        var list = await Context.AskNameServerAsync<TopicList>(GetAllTopicList.Instance, ct);
        return list.Topics.Select(t => new TopicRow(t.Topic, t.BrokerNames)).ToList();
    }

    private async Task<TopicRouteData> RouteAsync(string topic, CancellationToken ct)
    {
        if (Validators.CheckTopic(topic) is { } error) throw new AkkaMqException(ResponseCode.MessageIllegal, error);
        var route = await Context.FetchRouteAsync(topic, false, ct);
        return route;
    }

    public async Task<TopicRoute> TopicRouteAsync(string topic, CancellationToken ct = default)
    {
        var r = await RouteAsync(topic, ct);
        return new TopicRoute(topic,
            r.QueueDatas.Select(q => new RouteQueueRow(q.BrokerName, q.ReadQueueNums, q.WriteQueueNums, Perm.ToText(q.Perm))).ToList(),
            r.BrokerDatas.Select(b => new RouteBrokerRow(b.Cluster, b.BrokerName, new SortedDictionary<long, string>(b.BrokerAddrs.ToDictionary(kv => kv.Key, kv => kv.Value)))).ToList());
    }

    private async Task<IReadOnlyList<MessageQueue>> QueuesAsync(string topic, CancellationToken ct)
    {
        var route = await RouteAsync(topic, ct);
        var list = new List<MessageQueue>();
        foreach (var q in route.QueueDatas.OrderBy(q => q.BrokerName, StringComparer.Ordinal))
            for (var i = 0; i < Math.Max(q.ReadQueueNums, q.WriteQueueNums); i++) list.Add(new MessageQueue(topic, q.BrokerName, i));
        return list;
    }

    private async Task<QueueOffsetReply> QueueOffsetAsync(MessageQueue mq, QueueOffsetKind kind, long timestamp, CancellationToken ct)
    {
        var reply = await Context.AskBrokerAsync<QueueOffsetReply>(mq.Topic, mq.BrokerName,
            new QueryQueueOffset(mq.BrokerName, mq.Topic, mq.QueueId, kind, timestamp), ct);
        if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "offset query failed");
        return reply;
    }

    /// <summary>topicStatus: per queue min and max offset and last store time.</summary>
    public async Task<IReadOnlyList<TopicStatusRow>> TopicStatusAsync(string topic, CancellationToken ct = default)
    {
        var queues = await QueuesAsync(topic, ct);
        var replies = await Task.WhenAll(queues.Select(q => QueueOffsetAsync(q, QueueOffsetKind.Max, 0, ct)));
        return queues.Select((q, i) => new TopicStatusRow(q.BrokerName, q.QueueId, replies[i].MinOffset, replies[i].MaxOffset,
            replies[i].MaxOffset > replies[i].MinOffset ? replies[i].LastStoreTimestamp : 0)).ToList();
    }

    // ------------------------------------------------------------------ consumer groups and offsets

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
                    var diff = Math.Max(0, bounds.MaxOffset - Math.Max(consumer, 0));
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
                    g.Select(x => x.BrokerName).Distinct().ToList());
            }).ToList();
        if (rows.Count == 0)
            throw new AkkaMqException(ResponseCode.ConsumerNotOnline, errors.Count == 0
                ? $"the consumer group '{group}' is not online (no broker knows a live consumer of it)"
                : $"the consumer group '{group}' is not online on the brokers that answered; {string.Join("; ", errors)}");
        var models = rows.Select(r => r.MessageModel).Distinct().ToList();
        return new ConsumerConnection(group, "CONSUME_PASSIVELY", models.Count == 1 ? models[0] : string.Join("/", models), rows, errors);
    }

    /// <summary>resetOffsetByTime: commits, per queue, the first offset stored at or after timestamp (Unix ms).</summary>
    public Task<OffsetReset> ResetOffsetByTimeAsync(string group, string topic, long timestamp, CancellationToken ct = default) =>
        ResetAsync(group, topic, q => QueueOffsetAsync(q, QueueOffsetKind.ByTimestamp, timestamp, ct), ct);

    /// <summary>skipAccumulatedMessage: commits every queue's max offset, so the group skips its backlog.</summary>
    public Task<OffsetReset> SkipAccumulatedMessageAsync(string group, string topic, CancellationToken ct = default) =>
        ResetAsync(group, topic, q => QueueOffsetAsync(q, QueueOffsetKind.Max, 0, ct), ct);

    private async Task<OffsetReset> ResetAsync(string group, string topic, Func<MessageQueue, Task<QueueOffsetReply>> target, CancellationToken ct)
    {
        CheckGroup(group);
        var queues = await QueuesAsync(topic, ct);
        var rows = new List<OffsetResetRow>();
        foreach (var broker in queues.Select(q => q.BrokerName).Distinct())
        {
            var old = await GroupOffsetsAsync(group, topic, broker, ct);
            var next = new Dictionary<int, long>();
            foreach (var q in queues.Where(q => q.BrokerName == broker))
            {
                var offset = (await target(q)).Offset;
                next[q.QueueId] = offset;
                rows.Add(new OffsetResetRow(broker, q.QueueId, old.Offsets.TryGetValue(q.QueueId, out var o) ? o : -1, offset));
            }
            var reply = await Context.AskBrokerAsync<CommitConsumerOffsetsReply>(topic, broker, new CommitConsumerOffsets(broker, group, topic, next), ct);
            if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "offset commit failed");
        }
        return new OffsetReset(group, topic, rows);
    }

    // ------------------------------------------------------------------ messages

    private async Task<MessageExt?> ReadAtAsync(MessageQueue mq, long offset, CancellationToken ct)
    {
        var request = new PullMessage(mq.BrokerName, AdminNames.ToolsConsumerGroup, mq.Topic, mq.QueueId, offset, 1, "*", 0);
        var result = await Context.AskBrokerAsync<PullResult>(mq.Topic, mq.BrokerName, request, ct);
        if (result.Code != ResponseCode.Success) throw new AkkaMqException(result.Code, result.Error ?? "read failed");
        return result.Status == PullStatus.Found && result.Messages[0].QueueOffset == offset ? result.Messages[0] : null;
    }

    /// <summary>queryMsgByOffset: the message at an exact queue position.</summary>
    public async Task<MessageView> QueryMsgByOffsetAsync(string topic, string brokerName, int queueId, long offset, CancellationToken ct = default)
    {
        var queues = await QueuesAsync(topic, ct);
        if (!queues.Contains(new MessageQueue(topic, brokerName, queueId)))
            throw new AkkaMqException(ResponseCode.MessageIllegal, $"topic '{topic}' has no queue {queueId} on broker '{brokerName}'");
        var m = await ReadAtAsync(new MessageQueue(topic, brokerName, queueId), offset, ct)
                ?? throw new AkkaMqException(ResponseCode.QueryNotFound, $"no message at offset {offset} of {topic}@{brokerName}:{queueId}");
        return MessageView.From(m);
    }

    /// <summary>queryMsgById: the id holds broker and topic hashes, queue and offset, so the message is read straight from its queue.</summary>
    public async Task<MessageView> QueryMsgByIdAsync(string msgId, CancellationToken ct = default)
    {
        if (!MessageId.TryParse(msgId, out var id))
            throw new AkkaMqException(ResponseCode.MessageIllegal, $"'{msgId}' is not a message id (32 hex characters)");
        var brokers = (await ClusterInfoAsync(ct)).Brokers.Select(b => b.Broker.BrokerName).Distinct()
            .Where(b => MessageId.Hash(b) == id.BrokerHash).ToList();
        if (brokers.Count == 0) throw new AkkaMqException(ResponseCode.QueryNotFound, $"message {msgId}: no registered broker matches its broker hash");
        var topics = (await TopicListAsync(ct)).Where(t => MessageId.Hash(t.Topic) == id.TopicHash && t.Brokers.Contains(brokers[0])).ToList();
        if (topics.Count == 0) throw new AkkaMqException(ResponseCode.QueryNotFound, $"message {msgId}: no topic of broker '{brokers[0]}' matches its topic hash");
        var mq = new MessageQueue(topics[0].Topic, brokers[0], id.QueueId);
        var m = await ReadAtAsync(mq, id.QueueOffset, ct)
                ?? throw new AkkaMqException(ResponseCode.QueryNotFound, $"message {msgId} not found (no message at offset {id.QueueOffset} of {mq})");
        return MessageView.From(m);
    }

    /// <summary>queryMsgByKey: the broker's key index gives the offsets; each message is read and checked to carry the key.</summary>
    public async Task<IReadOnlyList<MessageView>> QueryMsgByKeyAsync(string topic, string key, int maxNum = 64, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(key)) throw new AkkaMqException(ResponseCode.MessageIllegal, "the key is empty");
        if (maxNum < 1) throw new AkkaMqException(ResponseCode.MessageIllegal, $"maxNum must be at least 1, not {maxNum}");
        var queues = await QueuesAsync(topic, ct);
        var replies = await Task.WhenAll(queues.Select(q => Context.AskBrokerAsync<MessageKeyOffsets>(topic, q.BrokerName,
            new QueryMessageKey(q.BrokerName, topic, q.QueueId, key, maxNum), ct)));
        var found = new List<MessageView>();
        for (var i = 0; i < queues.Count; i++)
        {
            if (replies[i].Code != ResponseCode.Success) throw new AkkaMqException(replies[i].Code, replies[i].Error ?? "key query failed");
            foreach (var offset in replies[i].Offsets)
            {
                var m = await ReadAtAsync(queues[i], offset, ct);
                if (m?.Keys != null && m.Keys.Split(' ').Contains(key)) found.Add(MessageView.From(m));
            }
        }
        return found.OrderBy(m => m.StoreTimestamp).ThenBy(m => m.BrokerName).ThenBy(m => m.QueueId).TakeLast(maxNum).ToList();
    }

    /// <summary>sendMessage: one message through a producer; returns the broker's id and position.</summary>
    public async Task<SendMessageResult> SendMessageAsync(string topic, byte[] body, string? tags, string? keys, string? brokerName = null,
        int? queueId = null, CancellationToken ct = default)
    {
        if (Validators.CheckTopic(topic) is { } error) throw new AkkaMqException(ResponseCode.MessageIllegal, error);
        var message = new Message(topic, body, tags, keys);
        SendResult r;
        if (brokerName != null || queueId != null)
        {
            if (brokerName == null || queueId == null) throw new AkkaMqException(ResponseCode.MessageIllegal, "a target queue needs both broker name and queue id");
            r = await _producer.Value.SendAsync(message, new MessageQueue(topic, brokerName, queueId.Value), ct);
        }
        else r = await _producer.Value.SendAsync(message, ct);
        return new SendMessageResult(r.SendStatus == SendStatus.SendOk ? "SEND_OK" : r.SendStatus.ToString(), r.MsgId, topic,
            r.MessageQueue.BrokerName, r.MessageQueue.QueueId, r.QueueOffset);
    }

    /// <summary>
    /// consumeMessage: reads up to count messages from each queue (or one queue), from offset or
    /// the queue's min offset, without committing anything.
    /// </summary>
    public async Task<IReadOnlyList<MessageView>> ConsumeMessageAsync(string topic, int count, string subExpression = "*", string? brokerName = null,
        int? queueId = null, long? offset = null, CancellationToken ct = default)
    {
        if (count < 1) throw new AkkaMqException(ResponseCode.MessageIllegal, $"count must be at least 1, not {count}");
        if (!SubscriptionExpression.TryParse(subExpression, out _, out var filterError))
            throw new AkkaMqException(ResponseCode.SubscriptionParseFailed, filterError!);
        var queues = (await QueuesAsync(topic, ct))
            .Where(q => (brokerName == null || q.BrokerName == brokerName) && (queueId == null || q.QueueId == queueId)).ToList();
        if (queues.Count == 0) throw new AkkaMqException(ResponseCode.MessageIllegal, $"topic '{topic}' has no queue {queueId} on broker '{brokerName}'");
        var result = new List<MessageView>();
        foreach (var q in queues)
        {
            var next = offset ?? (await QueueOffsetAsync(q, QueueOffsetKind.Min, 0, ct)).Offset;
            var taken = 0;
            while (taken < count && result.Count < count)
            {
                var r = await Context.AskBrokerAsync<PullResult>(topic, q.BrokerName,
                    new PullMessage(q.BrokerName, AdminNames.ToolsConsumerGroup, topic, q.QueueId, next, Math.Min(count - taken, 256), subExpression, 0), ct);
                if (r.Code != ResponseCode.Success) throw new AkkaMqException(r.Code, r.Error ?? "pull failed");
                if (r.Status is PullStatus.NoNewMsg or PullStatus.OffsetIllegal) break;
                foreach (var m in r.Messages)
                {
                    if (result.Count >= count) break;
                    result.Add(MessageView.From(m));
                    taken++;
                }
                next = r.NextBeginOffset;
            }
            if (result.Count >= count) break;
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_producer.IsValueCreated) await _producer.Value.DisposeAsync();
    }
}
