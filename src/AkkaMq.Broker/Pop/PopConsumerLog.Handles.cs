using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Pop;

// Requests that carry a receipt handle (ack, change invisible time, forward to the DLQ) and the
// dead-letter path: a message past max attempts, or forwarded, goes to %DLQ%group through the
// gateway's send-back, and is done for the group once the dead letter is durable.
public sealed partial class PopConsumerLog
{
    /// <summary>The handle, when it was issued for this entity; otherwise the reason it is refused.</summary>
    private string? CheckHandle(string text, out ReceiptHandle handle)
    {
        if (ReceiptHandle.Check(text, _brokerName, _topic, _group, out handle) is { } error) return error;
        return handle.QueueId == _queueId ? null : $"receipt handle {handle} is for queue {handle.QueueId}, not {_queueId}";
    }

    private static string Refusal(ReceiptHandle h, HandleStanding standing, PopEntry? e) => standing switch
    {
        HandleStanding.Stale => $"receipt handle {h} was replaced by a later delivery or invisible-time change (current version {e!.Version})",
        HandleStanding.NotDelivered => $"receipt handle {h} names offset {h.Offset}, which was never delivered to the group",
        _ => $"receipt handle {h}: the message is already acked",
    };

    private void OnAck(AckMessage m)
    {
        var replyTo = Sender;
        if (CheckHandle(m.ReceiptHandle, out var h) is { } error)
        {
            replyTo.Tell(new AckResult(m.ReceiptHandle, ResponseCode.InvalidReceiptHandle, error));
            return;
        }
        switch (_state.Check(h, out var e))
        {
            case HandleStanding.Current:
                Record(new PopMessagesDone(new[] { h.Offset }), () => replyTo.Tell(new AckResult(m.ReceiptHandle, ResponseCode.Success, null)));
                TryServe(); // a FIFO queue may be free now
                break;
            case HandleStanding.AlreadyDone:
                // Acking twice is fine; answered after what is pending is durable.
                DeferAsync(m, _ => replyTo.Tell(new AckResult(m.ReceiptHandle, ResponseCode.Success, null)));
                break;
            default:
                replyTo.Tell(new AckResult(m.ReceiptHandle, ResponseCode.InvalidReceiptHandle, Refusal(h, _state.Check(h, out _), e)));
                break;
        }
    }

    private void OnChangeInvisibleTime(ChangeInvisibleTime m)
    {
        var replyTo = Sender;
        void Refuse(ResponseCode code, string error) => replyTo.Tell(new ChangeInvisibleTimeResult(m.ReceiptHandle, null, -1, code, error));
        if (CheckHandle(m.ReceiptHandle, out var h) is { } error)
        {
            Refuse(ResponseCode.InvalidReceiptHandle, error);
            return;
        }
        if (m.InvisibleMillis is < PopLimits.MinInvisibleMillis or > PopLimits.MaxInvisibleMillis)
        {
            Refuse(ResponseCode.IllegalInvisibleTime, $"invisible time {m.InvisibleMillis} ms is outside {PopLimits.MinInvisibleMillis}..{PopLimits.MaxInvisibleMillis} ms");
            return;
        }
        var standing = _state.Check(h, out var e);
        if (standing != HandleStanding.Current)
        {
            Refuse(ResponseCode.InvalidReceiptHandle, Refusal(h, standing, e));
            return;
        }
        if (e!.Forwarding)
        {
            Refuse(ResponseCode.InvalidReceiptHandle, $"receipt handle {h}: the message is being forwarded to the dead-letter queue");
            return;
        }
        var visibleAt = Now + m.InvisibleMillis;
        var version = _state.NextVersion();
        var newHandle = new ReceiptHandle(_brokerName, _topic, _queueId, h.Offset, _group, version).Encode();
        Record(new PopInvisibleTimeChanged(h.Offset, version, visibleAt),
            () => replyTo.Tell(new ChangeInvisibleTimeResult(m.ReceiptHandle, newHandle, visibleAt, ResponseCode.Success, null)));
    }

    private void OnForward(ForwardToDeadLetterQueue m)
    {
        var replyTo = Sender;
        if (CheckHandle(m.ReceiptHandle, out var h) is { } error)
        {
            replyTo.Tell(new ForwardToDeadLetterQueueResult(m.ReceiptHandle, ResponseCode.InvalidReceiptHandle, error));
            return;
        }
        var standing = _state.Check(h, out var e);
        if (standing == HandleStanding.AlreadyDone)
        {
            DeferAsync(m, _ => replyTo.Tell(new ForwardToDeadLetterQueueResult(m.ReceiptHandle, ResponseCode.Success, null)));
            return;
        }
        if (standing != HandleStanding.Current)
        {
            replyTo.Tell(new ForwardToDeadLetterQueueResult(m.ReceiptHandle, ResponseCode.InvalidReceiptHandle, Refusal(h, standing, e)));
            return;
        }
        if (!_forwardRequests.TryGetValue(h.Offset, out var list)) _forwardRequests[h.Offset] = list = new();
        list.Add((replyTo, m.ReceiptHandle));
        if (!e!.Forwarding) StartDeadLetterRead(new List<long> { h.Offset });
    }

    private void StartDeadLetters(IReadOnlyList<long> offsets)
    {
        if (offsets.Count == 0) return;
        var list = new List<long>(offsets.Count);
        foreach (var o in offsets)
            if (_state.TryGet(o, out var e) && !e.Done && !e.Forwarding) list.Add(o);
        if (list.Count > 0) StartDeadLetterRead(list);
    }

    private void StartDeadLetterRead(List<long> offsets)
    {
        foreach (var o in offsets)
            if (_state.TryGet(o, out var e)) e.Forwarding = true;
        var span = offsets[^1] - offsets[0] + 1;
        var pull = new PullMessage(_brokerName, _readGroup, _topic, _queueId, offsets[0], (int)Math.Min(span, 1024), SubscriptionExpression.All, 0);
        Context.ActorOf(PullRelay.Props(_region, pull, new DeadLetterRead(offsets)));
    }

    private void OnDeadLetterRead(DeadLetterRead read, PullResult result)
    {
        if (result.Code != ResponseCode.Success)
        {
            foreach (var o in read.Offsets) DeadLetterFailed(o, result.Code, result.Error ?? "read failed");
            return;
        }
        var found = ByOffset(result);
        List<long>? deleted = null;
        var gateway = Context.ActorSelection("/user/" + BrokerGateway.Name);
        foreach (var o in read.Offsets)
        {
            if (!_state.TryGet(o, out var e) || e.Done)
            {
                DeadLettered(o); // acked meanwhile: nothing to forward
                continue;
            }
            if (o < result.MinOffset) (deleted ??= new()).Add(o);
            else if (found.TryGetValue(o, out var msg))
                // DelayLevel -1: straight to %DLQ%group (SendMessageBack); the DLQ queue acks this entity with CorrelationId = offset.
                gateway.Tell(new ConsumerSendMsgBack(_brokerName, _group, o, msg, -1, 0), Self);
            else DeadLetterFailed(o, ResponseCode.SystemError, $"offset {o} was not in the read; retried later");
        }
        if (deleted != null) Record(new PopMessagesDone(deleted), () => { foreach (var o in deleted) DeadLettered(o); });
    }

    private void OnDeadLettered(SendAcks acks)
    {
        foreach (var ack in acks.Acks)
        {
            var offset = ack.CorrelationId;
            if (ack.Code != ResponseCode.Success)
            {
                DeadLetterFailed(offset, ack.Code, ack.Error ?? "dead letter not stored");
                continue;
            }
            if (_state.TryGet(offset, out var e) && !e.Done) Record(new PopMessagesDone(new[] { offset }), () => DeadLettered(offset));
            else DeferAsync(offset, DeadLettered);
        }
        TryServe();
    }

    private void DeadLettered(long offset)
    {
        if (!_forwardRequests.Remove(offset, out var list)) return;
        foreach (var (to, handle) in list) to.Tell(new ForwardToDeadLetterQueueResult(handle, ResponseCode.Success, null));
    }

    private void DeadLetterFailed(long offset, ResponseCode code, string error)
    {
        if (_state.TryGet(offset, out var e)) e.Forwarding = false;
        if (!_forwardRequests.Remove(offset, out var list))
        {
            _log.Warning("POP {0}: message {1}:{2}@{3} could not go to the dead-letter queue, retried later: {4}", _group, _topic, _queueId, offset, error);
            return;
        }
        foreach (var (to, handle) in list) to.Tell(new ForwardToDeadLetterQueueResult(handle, code, error));
    }
}
