using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Admin;

// Topic operations: updateTopic, deleteTopic, topicList, topicRoute, topicStatus.
public sealed partial class AkkaMqAdmin
{
    /// <summary>updateTopic: create or change a topic on a cluster's masters, on one broker group, or (neither) everywhere.</summary>
    public Task<TopicUpdateResult> UpdateTopicAsync(string topic, int readQueueNums, int writeQueueNums, int perm,
        string? clusterName, string? brokerName, CancellationToken ct = default) =>
        UpdateTopicAsync(topic, readQueueNums, writeQueueNums, perm, clusterName, brokerName, Array.Empty<string>(), ct);

    /// <summary>
    /// updateTopic with attribute changes, RocketMQ 5's `-a`: "+name=value" adds or changes, "-name" removes; none
    /// keeps the topic's attributes. A bad change is refused before anything is sent.
    /// </summary>
    public async Task<TopicUpdateResult> UpdateTopicAsync(string topic, int readQueueNums, int writeQueueNums, int perm,
        string? clusterName, string? brokerName, IReadOnlyList<string> attributeChanges, CancellationToken ct = default)
    {
        if (Validators.CheckTopic(topic) is { } error) throw new AkkaMqException(ResponseCode.MessageIllegal, error);
        var changes = TopicAttributes.ParseChanges(attributeChanges, out var attributeError)
                      ?? throw new AkkaMqException(ResponseCode.MessageIllegal, attributeError!);
        if (!Perm.IsValid(perm)) throw new AkkaMqException(ResponseCode.MessageIllegal, $"perm {perm} is not a valid permission (2 = W, 4 = R, 6 = RW)");
        if (clusterName != null && brokerName == null)
        {
            var info = await ClusterInfoAsync(ct);
            if (info.Brokers.All(b => b.Broker.ClusterName != clusterName))
                throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"cluster '{clusterName}' has no registered broker");
        }
        var config = new TopicConfig(topic, readQueueNums, writeQueueNums, perm) { Attributes = changes };
        var reply = await Context.CreateTopicAsync(config, clusterName, brokerName, ct);
        Context.InvalidateRoute(topic);
        return new TopicUpdateResult(topic, readQueueNums, writeQueueNums, Perm.ToText(perm), reply.Brokers)
        {
            AttributeChanges = attributeChanges.Select(a => a.Trim()).ToList(),
        };
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
            r.QueueDatas.Select(q => new RouteQueueRow(q.BrokerName, q.ReadQueueNums, q.WriteQueueNums, Perm.ToText(q.Perm)) { Attributes = q.Attributes })
                .ToList(),
            r.BrokerDatas.Select(b => new RouteBrokerRow(b.Cluster, b.BrokerName, new SortedDictionary<long, string>(b.BrokerAddrs.ToDictionary(kv => kv.Key, kv => kv.Value)))).ToList());
    }

    private async Task<IReadOnlyList<MessageQueue>> QueuesAsync(string topic, CancellationToken ct) => QueuesOf(topic, await RouteAsync(topic, ct));

    private static List<MessageQueue> QueuesOf(string topic, TopicRouteData route)
    {
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
        var route = await RouteAsync(topic, ct);
        var queues = QueuesOf(topic, route);
        var attributes = route.QueueDatas.ToDictionary(q => q.BrokerName, q => q.Attributes);
        var replies = await Task.WhenAll(queues.Select(q => QueueOffsetAsync(q, QueueOffsetKind.Max, 0, ct)));
        return queues.Select((q, i) => new TopicStatusRow(q.BrokerName, q.QueueId, replies[i].MinOffset, replies[i].MaxOffset,
            replies[i].MaxOffset > replies[i].MinOffset ? replies[i].LastStoreTimestamp : 0) { Attributes = attributes[q.BrokerName] }).ToList();
    }
}
