using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Auth;

/// <summary>
/// What each client request needs (the table): sends Topic Pub; pulls, receives, acks,
/// offsets and consumer heartbeats Topic Sub and Group Sub; a producer heartbeat Topic Pub; topic, group and user administration the
/// matching admin action. An empty list means any authenticated user (route and cluster
/// lookups); null means no client may send it (cluster-internal traffic): Super users only.
/// One table for every surface, so the gRPC endpoint can use it too.
/// </summary>
public static class RequestPermissions
{
    private static readonly IReadOnlyList<Permission> AnyUser = Array.Empty<Permission>();

    /// <param name="clusterName">The name Cluster resources are matched against (user and broker administration).</param>
    public static IReadOnlyList<Permission>? For(object request, string clusterName) => request switch
    {
        SendMessages m => SendTopics(m),
        PullMessage m => Sub(m.Topic, m.ConsumerGroup),
        PopMessage m => Sub(m.Topic, m.ConsumerGroup),
        AckMessage m => Sub(m.Topic, m.ConsumerGroup),
        ChangeInvisibleTime m => Sub(m.Topic, m.ConsumerGroup),
        ForwardToDeadLetterQueue m => Sub(m.Topic, m.ConsumerGroup),
        CommitConsumerOffsets m => Sub(m.Topic, m.ConsumerGroup),
        QueryConsumerOffset m => Sub(m.Topic, m.ConsumerGroup),
        QueryQueueOffset m => new[] { Topic(m.Topic, AclAction.Sub) },
        ConsumerHeartbeat m => HeartbeatPermissions(m),
        UnregisterConsumer m => new[] { Group(m.ConsumerGroup, AclAction.Sub) },
        GetConsumerList m => new[] { Group(m.ConsumerGroup, AclAction.Sub) },
        LockBatchMQ m => QueuesSub(m.ConsumerGroup, m.Queues),
        UnlockBatchMQ m => QueuesSub(m.ConsumerGroup, m.Queues),
        ConsumerSendMsgBack m => Sub(m.Msg.Topic, m.ConsumerGroup),
        // A decision makes the half message visible in its topic: the same right as the send.
        EndTransaction m => new[] { Topic(m.Topic, AclAction.Pub) },
        QueryHalfMessages m => new[] { m.Topic is { } t ? Topic(t, AclAction.Get) : new Permission(ResourceType.Cluster, clusterName, AclAction.Get) },
        // Membership receives the group's check-backs (half message bodies): Pub on the group, as Kafka's
        // transactional.id Write. gRPC producers register under their topics, checked at their Settings.
        ProducerHeartbeat m => new[] { Group(m.ProducerGroup, AclAction.Pub) },
        UnregisterProducer => AnyUser,
        GetProducerConnection m => new[] { Group(m.ProducerGroup, AclAction.Get) },
        GetDataChannel => AnyUser,
        GetRouteInfo => AnyUser,
        GetBrokerClusterInfo => AnyUser,
        GetAllTopicList => new[] { Topic("*", AclAction.List) },
        CreateTopic m => new[] { Topic(m.Config.TopicName, AclAction.Update) },
        UpdateTopicConfig m => new[] { Topic(m.Config.TopicName, AclAction.Update) },
        DeleteTopicInBroker m => new[] { Topic(m.Topic, AclAction.Delete) },
        DeleteTopicInNameServer m => new[] { Topic(m.Topic, AclAction.Delete) },
        GetBrokerRuntimeInfo => new[] { new Permission(ResourceType.Cluster, clusterName, AclAction.Get) },
        GetConsumerOffsets m => new[] { Topic(m.Topic, AclAction.Get), Group(m.ConsumerGroup, AclAction.Get) },
        QueryMessageKey m => new[] { Topic(m.Topic, AclAction.Get) },
        GetConsumerConnection m => new[] { Group(m.ConsumerGroup, AclAction.Get) },
        InvokeBrokerToResetOffset m => new[] { Topic(m.Topic, AclAction.Get), Group(m.ConsumerGroup, AclAction.Update) },
        UpdateSubscriptionGroup m => new[] { Group(m.Config.GroupName, AclAction.Update) },
        DeleteSubscriptionGroup m => new[] { Group(m.GroupName, AclAction.Delete) },
        GetSubscriptionGroup m => new[] { Group(m.GroupName, AclAction.Get) },
        GetSubscriptionGroups => new[] { Group("*", AclAction.List) },
        CreateUser or CreateAcl => new[] { new Permission(ResourceType.Cluster, clusterName, AclAction.Create) },
        UpdateUser or UpdateAcl => new[] { new Permission(ResourceType.Cluster, clusterName, AclAction.Update) },
        DeleteUser or DeleteAcl => new[] { new Permission(ResourceType.Cluster, clusterName, AclAction.Delete) },
        GetUser or GetAcl => new[] { new Permission(ResourceType.Cluster, clusterName, AclAction.Get) },
        ListUsers or ListAcls => new[] { new Permission(ResourceType.Cluster, clusterName, AclAction.List) },
        _ => null,
    };

    public static Permission Topic(string name, AclAction action) => new(ResourceType.Topic, name, action);
    public static Permission Group(string name, AclAction action) => new(ResourceType.Group, name, action);

    private static Permission[] Sub(string topic, string group)
    {
        // A consumer's retry topic is its group's: RocketMQ checks the group for it.
        if (topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal)) return new[] { Group(group, AclAction.Sub) };
        return new[] { Topic(topic, AclAction.Sub), Group(group, AclAction.Sub) };
    }

    private static IReadOnlyList<Permission> SendTopics(SendMessages m)
    {
        if (m.Entries.Count == 0) return AnyUser;
        var first = m.Entries[0].Message.Topic;
        List<Permission>? more = null;
        foreach (var e in m.Entries)
            if (e.Message.Topic != first && (more ??= new()).TrueForAll(p => p.Name != e.Message.Topic))
                more.Add(Topic(e.Message.Topic, AclAction.Pub));
        if (more == null) return new[] { Topic(first, AclAction.Pub) };
        more.Insert(0, Topic(first, AclAction.Pub));
        return more;
    }

    private static IReadOnlyList<Permission> HeartbeatPermissions(ConsumerHeartbeat m)
    {
        var list = new List<Permission> { Group(m.ConsumerGroup, AclAction.Sub) };
        foreach (var s in m.Subscriptions)
            if (!s.Topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal)) list.Add(Topic(s.Topic, AclAction.Sub));
        return list;
    }

    private static IReadOnlyList<Permission> QueuesSub(string group, IReadOnlyList<MessageQueue> queues)
    {
        var list = new List<Permission> { Group(group, AclAction.Sub) };
        foreach (var q in queues)
            if (list.TrueForAll(p => p.Name != q.Topic || p.Type != ResourceType.Topic)) list.Add(Topic(q.Topic, AclAction.Sub));
        return list;
    }
}
