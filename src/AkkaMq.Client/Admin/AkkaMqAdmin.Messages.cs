using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Client.Admin;

// Message operations: queryMsgByOffset/Id/Key, sendMessage, consumeMessage.
public sealed partial class AkkaMqAdmin
{
    /// <param name="expiredFails">A message below the queue's min offset (deleted by retention) fails with a clear error instead of null.</param>
    private async Task<MessageExt?> ReadAtAsync(MessageQueue mq, long offset, CancellationToken ct, bool expiredFails = false)
    {
        var request = new PullMessage(mq.BrokerName, AdminNames.ToolsConsumerGroup, mq.Topic, mq.QueueId, offset, 1, "*", 0);
        var result = await Context.AskBrokerAsync<PullResult>(mq.Topic, mq.BrokerName, request, ct);
        if (result.Code != ResponseCode.Success) throw new AkkaMqException(result.Code, result.Error ?? "read failed");
        if (expiredFails && result.Status == PullStatus.OffsetIllegal && offset >= 0 && offset < result.MinOffset)
            throw new AkkaMqException(ResponseCode.QueryNotFound,
                $"the message at offset {offset} of {mq} has expired: retention deleted it (the queue's min offset is {result.MinOffset})");
        return result.Status == PullStatus.Found && result.Messages[0].QueueOffset == offset ? result.Messages[0] : null;
    }

    /// <summary>queryMsgByOffset: the message at an exact queue position.</summary>
    public async Task<MessageView> QueryMsgByOffsetAsync(string topic, string brokerName, int queueId, long offset, CancellationToken ct = default)
    {
        var queues = await QueuesAsync(topic, ct);
        if (!queues.Contains(new MessageQueue(topic, brokerName, queueId)))
            throw new AkkaMqException(ResponseCode.MessageIllegal, $"topic '{topic}' has no queue {queueId} on broker '{brokerName}'");
        var m = await ReadAtAsync(new MessageQueue(topic, brokerName, queueId), offset, ct, expiredFails: true)
                ?? throw new AkkaMqException(ResponseCode.QueryNotFound, $"no message at offset {offset} of {topic}@{brokerName}:{queueId}");
        return MessageView.From(m);
    }

    /// <summary>queryMsgById: the id holds broker and topic hashes, queue and offset, so the message is read straight from its queue.</summary>
    public async Task<MessageView> QueryMsgByIdAsync(string msgId, CancellationToken ct = default)
    {
        if (!MessageId.TryParse(msgId, out var id))
        {
            if (msgId.Length is > 0 and <= 128 && msgId.All(Uri.IsHexDigit)) return await QueryMsgByUniqKeyAsync(msgId, ct);
            throw new AkkaMqException(ResponseCode.MessageIllegal,
                $"'{msgId}' is not a message id (32 hex characters) nor a RocketMQ client's message id (hex, as UNIQ_KEY holds it)");
        }
        var brokers = (await ClusterInfoAsync(ct)).Brokers.Select(b => b.Broker.BrokerName).Distinct()
            .Where(b => MessageId.Hash(b) == id.BrokerHash).ToList();
        if (brokers.Count == 0) throw new AkkaMqException(ResponseCode.QueryNotFound, $"message {msgId}: no registered broker matches its broker hash");
        var topics = (await TopicListAsync(ct)).Where(t => MessageId.Hash(t.Topic) == id.TopicHash && t.Brokers.Contains(brokers[0])).ToList();
        if (topics.Count == 0) throw new AkkaMqException(ResponseCode.QueryNotFound, $"message {msgId}: no topic of broker '{brokers[0]}' matches its topic hash");
        var mq = new MessageQueue(topics[0].Topic, brokers[0], id.QueueId);
        var m = await ReadAtAsync(mq, id.QueueOffset, ct, expiredFails: true)
                ?? throw new AkkaMqException(ResponseCode.QueryNotFound, $"message {msgId} not found (no message at offset {id.QueueOffset} of {mq})");
        return MessageView.From(m);
    }

    /// <summary>A RocketMQ client's id (UNIQ_KEY, kept by gRPC sends): every queue's key index indexes it, so each topic is asked.</summary>
    private async Task<MessageView> QueryMsgByUniqKeyAsync(string uniqKey, CancellationToken ct)
    {
        foreach (var topic in await TopicListAsync(ct))
            foreach (var q in await QueuesAsync(topic.Topic, ct))
            {
                var reply = await Context.AskBrokerAsync<MessageKeyOffsets>(q.Topic, q.BrokerName,
                    new QueryMessageKey(q.BrokerName, q.Topic, q.QueueId, uniqKey, 4), ct);
                if (reply.Code != ResponseCode.Success) continue;
                foreach (var offset in reply.Offsets)
                    if (await ReadAtAsync(q, offset, ct) is { } m && m.Properties.TryGetValue(Protocol.Consumer.MessageConst.UniqKey, out var u) && u == uniqKey)
                        return MessageView.From(m);
            }
        throw new AkkaMqException(ResponseCode.QueryNotFound, $"message {uniqKey}: no stored message has this client message id (UNIQ_KEY)");
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
}
