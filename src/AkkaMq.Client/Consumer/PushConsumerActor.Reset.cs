using Akka.Event;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

// Offset resets pushed by the broker (resetOffsetByTime, skipAccumulatedMessage).
internal sealed partial class PushConsumerActor
{
    /// <summary>
    /// The broker passes on an admin's reset (RESET_CONSUMER_CLIENT_OFFSET): the named queues this member owns drop
    /// what they cached and pull from the new offsets. Only clustering members are told; a broadcasting member
    /// keeps the offsets of its local file.
    /// </summary>
    private void OnResetOffset(ResetConsumerClientOffset m)
    {
        if (_stopping || m.ConsumerGroup != _group || _settings.MessageModel != MessageModel.Clustering) return;
        var reset = ConsumerOffsetReset.Apply(m, _pqs, _offsetStore);
        if (reset.Count == 0) return;
        _log.Info("Consumer {0} of group {1}: offsets reset to {2}", _clientId, _group,
            string.Join(", ", reset.Select(pq => $"{pq.Mq}@{pq.NextOffset}")));
        // Commit the new offsets now: a periodic commit of the old ones sent before the notice lands before this one.
        PersistOffsets();
        foreach (var pq in reset) Pull(pq);
    }
}
