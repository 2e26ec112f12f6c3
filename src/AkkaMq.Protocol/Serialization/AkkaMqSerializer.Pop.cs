using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Protocol.Serialization;

// POP consumption (manifests "P.."): receive, ack, change-invisible-time, forward to the DLQ; and the
// POP entity's persisted events and snapshot ("PS..", ending in a version digit).
public sealed partial class AkkaMqSerializer
{
    private const string PopMessageManifest = "PPM";
    private const string PopResultManifest = "PPR";
    private const string AckMessageManifest = "PAK";
    private const string AckResultManifest = "PAR";
    private const string ChangeInvisibleTimeManifest = "PCI";
    private const string ChangeInvisibleTimeResultManifest = "PCR";
    private const string ForwardToDlqManifest = "PFD";
    private const string ForwardToDlqResultManifest = "PFR";
    private const string PopDeliveredManifest = "PSD1";
    private const string PopDoneManifest = "PSA1";
    private const string PopInvisibleChangedManifest = "PSC1";
    private const string PopSnapshotManifest = "PSS1";

    private static string? PopManifest(object o) => o switch
    {
        PopMessage => PopMessageManifest,
        PopResult => PopResultManifest,
        AckMessage => AckMessageManifest,
        AckResult => AckResultManifest,
        ChangeInvisibleTime => ChangeInvisibleTimeManifest,
        ChangeInvisibleTimeResult => ChangeInvisibleTimeResultManifest,
        ForwardToDeadLetterQueue => ForwardToDlqManifest,
        ForwardToDeadLetterQueueResult => ForwardToDlqResultManifest,
        PopMessagesDelivered => PopDeliveredManifest,
        PopMessagesDone => PopDoneManifest,
        PopInvisibleTimeChanged => PopInvisibleChangedManifest,
        PopQueueSnapshot => PopSnapshotManifest,
        _ => null,
    };

    private static bool WritePop(WireWriter w, object o)
    {
        switch (o)
        {
            case PopMessage m: Write(w, m); return true;
            case PopResult m: Write(w, m); return true;
            case AckMessage m: WriteHandleRequest(w, m.BrokerName, m.ConsumerGroup, m.Topic, m.ReceiptHandle); return true;
            case AckResult m: w.WriteString(m.ReceiptHandle); WriteStatus(w, m.Code, m.Error); return true;
            case ChangeInvisibleTime m:
                WriteHandleRequest(w, m.BrokerName, m.ConsumerGroup, m.Topic, m.ReceiptHandle);
                w.WriteVarLong(m.InvisibleMillis);
                return true;
            case ChangeInvisibleTimeResult m:
                w.WriteString(m.ReceiptHandle);
                w.WriteString(m.NewReceiptHandle);
                w.WriteVarLong(m.InvisibleUntil);
                WriteStatus(w, m.Code, m.Error);
                return true;
            case ForwardToDeadLetterQueue m: WriteHandleRequest(w, m.BrokerName, m.ConsumerGroup, m.Topic, m.ReceiptHandle); return true;
            case ForwardToDeadLetterQueueResult m: w.WriteString(m.ReceiptHandle); WriteStatus(w, m.Code, m.Error); return true;
            case PopMessagesDelivered m: Write(w, m); return true;
            case PopMessagesDone m: w.WriteLongs(m.Offsets); return true;
            case PopInvisibleTimeChanged m:
                w.WriteVarLong(m.Offset);
                w.WriteVarLong(m.Version);
                w.WriteVarLong(m.VisibleAt);
                return true;
            case PopQueueSnapshot m: Write(w, m); return true;
            default: return false;
        }
    }

    private static object? ReadPop(string manifest, ref WireReader r) => manifest switch
    {
        PopMessageManifest => ReadPopMessage(ref r),
        PopResultManifest => ReadPopResult(ref r),
        AckMessageManifest => new AckMessage(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString()),
        AckResultManifest => new AckResult(r.ReadRequiredString(), ReadCode(ref r), r.ReadString()),
        ChangeInvisibleTimeManifest => new ChangeInvisibleTime(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
            r.ReadRequiredString(), r.ReadVarLong()),
        ChangeInvisibleTimeResultManifest => new ChangeInvisibleTimeResult(r.ReadRequiredString(), r.ReadString(), r.ReadVarLong(),
            ReadCode(ref r), r.ReadString()),
        ForwardToDlqManifest => new ForwardToDeadLetterQueue(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
            r.ReadRequiredString()),
        ForwardToDlqResultManifest => new ForwardToDeadLetterQueueResult(r.ReadRequiredString(), ReadCode(ref r), r.ReadString()),
        PopDeliveredManifest => ReadPopDelivered(ref r),
        PopDoneManifest => new PopMessagesDone(r.ReadLongs()),
        PopInvisibleChangedManifest => new PopInvisibleTimeChanged(r.ReadVarLong(), r.ReadVarLong(), r.ReadVarLong()),
        PopSnapshotManifest => ReadPopSnapshot(ref r),
        _ => null,
    };

    // AckMessage, ChangeInvisibleTime, ForwardToDeadLetterQueue: broker, group, topic, receipt handle.
    private static void WriteHandleRequest(WireWriter w, string brokerName, string group, string topic, string handle)
    {
        w.WriteString(brokerName);
        w.WriteString(group);
        w.WriteString(topic);
        w.WriteString(handle);
    }

    private static void Write(WireWriter w, PopMessage m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        w.WriteVarInt(m.MaxMessages);
        w.WriteString(m.FilterExpression);
        w.WriteVarLong(m.InvisibleMillis);
        w.WriteVarLong(m.PollMillis);
        w.WriteBool(m.Fifo);
        w.WriteString(m.AttemptId);
        w.WriteVarInt(m.MaxDeliveryAttempts);
    }

    private static PopMessage ReadPopMessage(ref WireReader r) => new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
        r.ReadVarInt(), r.ReadVarInt(), r.ReadRequiredString(), r.ReadVarLong(), r.ReadVarLong(), r.ReadBool(), r.ReadString(), r.ReadVarInt());

    // Each message in full: a receive may span queues of the topic.
    private static void Write(WireWriter w, PopResult m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        WriteStatus(w, m.Code, m.Error);
        w.WriteLength(m.Messages.Count);
        for (var i = 0; i < m.Messages.Count; i++)
        {
            var p = m.Messages[i];
            w.WriteString(p.ReceiptHandle);
            w.WriteVarInt(p.DeliveryAttempt);
            w.WriteVarLong(p.InvisibleUntil);
            WriteFullMessageExt(w, p.Message);
        }
    }

    private static PopResult ReadPopResult(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var topic = r.ReadRequiredString();
        var code = ReadCode(ref r);
        var error = r.ReadString();
        var n = r.ReadLength();
        var msgs = new PoppedMessage[n];
        for (var i = 0; i < n; i++)
        {
            var handle = r.ReadRequiredString();
            var attempt = r.ReadVarInt();
            var until = r.ReadVarLong();
            msgs[i] = new PoppedMessage(ReadFullMessageExt(ref r), handle, attempt, until);
        }
        return new PopResult(broker, group, topic, msgs, code, error);
    }

    private static void Write(WireWriter w, PopMessagesDelivered m)
    {
        w.WriteVarLong(m.NextReadOffset);
        w.WriteString(m.AttemptId);
        WriteDeliveries(w, m.Deliveries);
    }

    private static PopMessagesDelivered ReadPopDelivered(ref WireReader r) => new(r.ReadVarLong(), r.ReadString(), ReadDeliveries(ref r));

    private static void WriteDeliveries(WireWriter w, IReadOnlyList<PopDelivery> deliveries)
    {
        w.WriteLength(deliveries.Count);
        foreach (var d in deliveries)
        {
            w.WriteVarLong(d.Offset);
            w.WriteVarInt(d.Attempt);
            w.WriteVarLong(d.Version);
            w.WriteVarLong(d.VisibleAt);
        }
    }

    private static PopDelivery[] ReadDeliveries(ref WireReader r)
    {
        var n = r.ReadLength();
        var deliveries = new PopDelivery[n];
        for (var i = 0; i < n; i++) deliveries[i] = new PopDelivery(r.ReadVarLong(), r.ReadVarInt(), r.ReadVarLong(), r.ReadVarLong());
        return deliveries;
    }

    private static void Write(WireWriter w, PopQueueSnapshot m)
    {
        w.WriteVarLong(m.ConsumedOffset);
        w.WriteVarLong(m.NextReadOffset);
        w.WriteVarLong(m.LastVersion);
        w.WriteLength(m.Entries.Count);
        foreach (var e in m.Entries)
        {
            w.WriteVarLong(e.Offset);
            w.WriteVarInt(e.Attempt);
            w.WriteVarLong(e.Version);
            w.WriteVarLong(e.VisibleAt);
            w.WriteBool(e.Done);
        }
        w.WriteString(m.AttemptId);
        WriteDeliveries(w, m.LastBatch);
    }

    private static PopQueueSnapshot ReadPopSnapshot(ref WireReader r)
    {
        var consumed = r.ReadVarLong();
        var next = r.ReadVarLong();
        var version = r.ReadVarLong();
        var n = r.ReadLength();
        var entries = new PopEntrySnapshot[n];
        for (var i = 0; i < n; i++) entries[i] = new PopEntrySnapshot(r.ReadVarLong(), r.ReadVarInt(), r.ReadVarLong(), r.ReadVarLong(), r.ReadBool());
        return new PopQueueSnapshot(consumed, next, version, entries, r.ReadString(), ReadDeliveries(ref r));
    }
}
