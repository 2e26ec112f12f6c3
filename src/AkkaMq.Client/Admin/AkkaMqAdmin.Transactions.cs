using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Client.Admin;

/// <summary>One undecided half message: its age (by its broker's clock) and how many check-backs it had.</summary>
public sealed record HalfMessageRow(string BrokerName, string Topic, int QueueId, string ProducerGroup, string TransactionId, string? MsgId,
    string? Keys, long StoreTimestamp, long AgeMillis, int CheckCount, long LastCheckTimestamp, int BodyLength);

/// <summary>Undecided half messages of one topic and producer group on one broker group.</summary>
public sealed record HalfMessageGroupRow(string BrokerName, string Topic, string ProducerGroup, long Pending, long OldestAgeMillis, int MaxCheckCount);

/// <summary>The listing: a line per broker, topic and producer group, then the half messages (at most maxNum per broker group).</summary>
public sealed record HalfMessageReport(IReadOnlyList<HalfMessageGroupRow> Groups, IReadOnlyList<HalfMessageRow> Messages);

// Transactional messages: the undecided half messages of each broker group.
public sealed partial class AkkaMqAdmin
{
    /// <summary>Pending half messages, optionally of one topic and/or producer group, on every broker group (or those named).</summary>
    public async Task<HalfMessageReport> HalfMessageListAsync(string? topic, string? producerGroup, string? clusterName, string? brokerName,
        int maxNum = 1000, CancellationToken ct = default)
    {
        if (topic != null && Validators.CheckTopic(topic) is { } topicError) throw new AkkaMqException(ResponseCode.MessageIllegal, topicError);
        if (producerGroup != null && Validators.CheckGroup(producerGroup) is { } groupError)
            throw new AkkaMqException(ResponseCode.MessageIllegal, $"producer group: {groupError}");
        if (maxNum < 0) throw new AkkaMqException(ResponseCode.MessageIllegal, $"maxNum must not be negative, not {maxNum}");
        var messages = new List<HalfMessageRow>();
        var groups = new List<HalfMessageGroupRow>();
        foreach (var (_, broker, address) in await SubscriptionGroupBrokersAsync(clusterName, brokerName, ct))
        {
            // Every match of the broker, for the per-group lines; only maxNum of them are listed one by one.
            var reply = await Context.AskGatewayAtAsync<HalfMessageList>(address, new QueryHalfMessages(broker, topic, producerGroup, int.MaxValue), ct);
            if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? $"listing half messages of broker '{broker}' failed");
            var rows = reply.Messages.Select(h => new HalfMessageRow(broker, h.Topic, h.QueueId, h.ProducerGroup, h.TransactionId, h.MsgId, h.Keys,
                h.StoreTimestamp, Math.Max(0, reply.Now - h.StoreTimestamp), h.CheckCount, h.LastCheckTimestamp, h.BodyLength)).ToList();
            groups.AddRange(rows.GroupBy(x => (x.Topic, x.ProducerGroup))
                .OrderBy(g => g.Key.Topic, StringComparer.Ordinal).ThenBy(g => g.Key.ProducerGroup, StringComparer.Ordinal)
                .Select(g => new HalfMessageGroupRow(broker, g.Key.Topic, g.Key.ProducerGroup, g.Count(), g.Max(x => x.AgeMillis), g.Max(x => x.CheckCount))));
            messages.AddRange(rows.Take(maxNum));
        }
        return new HalfMessageReport(groups, messages);
    }
}
