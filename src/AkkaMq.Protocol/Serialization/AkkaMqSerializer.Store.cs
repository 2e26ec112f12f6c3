using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Serialization;

// Persisted events and snapshots (manifests "S..", ending in a format version). Frozen once shipped: a change is a
// new manifest with the next version digit, and the old reader stays. The fixtures in tests/*/Fixtures pin them.
public sealed partial class AkkaMqSerializer
{
    private const string MessagesAppendedManifest = "SMA1";
    private const string QueueLogSnapshotManifest = "SQS1";
    private const string QueueLogKeyedSnapshotManifest = "SAQ1";
    private const string ConsumerOffsetsCommittedManifest = "SOC1";
    private const string ConsumerOffsetsSnapshotManifest = "SOS1";
    private const string TopicConfigChangedManifest = "STC1";
    private const string TopicConfigDeletedManifest = "SAD1";
    private const string TopicConfigsSnapshotManifest = "STS1";
    // Version 2 of the two above: each config carries its attributes. Written only when some config has attributes.
    private const string TopicConfigChangedV2Manifest = "STC2";
    private const string TopicConfigsSnapshotV2Manifest = "STS2";
    private const string ScheduledMessagesAddedManifest = "SCD1";
    private const string ScheduledMessagesDeliveredManifest = "SCE1";
    private const string ScheduleLogSnapshotManifest = "SCS1";
    // The timer wheel (issue 19): bodies move to the slot journals; the schedule keeps only buckets.
    private const string TimerBucketsOpenedManifest = "STO1";
    private const string TimerBucketsDeliveredManifest = "STD1";
    private const string TimerWheelSnapshotManifest = "STW1";
    private const string TopicPurgeStartedManifest = "SAP1";
    private const string ConsumerOffsetsDeletedManifest = "SAO1";
    // QueueLogKeyedSnapshot's version 2: it adds the queue's stored bytes.
    private const string QueueLogSizedSnapshotManifest = "SAQ2";

    private static string? StoreManifest(object o) => o switch
    {
        MessagesAppended => MessagesAppendedManifest,
        QueueLogSnapshot => QueueLogSnapshotManifest,
        QueueLogKeyedSnapshot => QueueLogKeyedSnapshotManifest,
        ConsumerOffsetsCommitted => ConsumerOffsetsCommittedManifest,
        ConsumerOffsetsSnapshot => ConsumerOffsetsSnapshotManifest,
        TopicConfigChanged m => HasAttributes(m.Config) ? TopicConfigChangedV2Manifest : TopicConfigChangedManifest,
        TopicConfigDeleted => TopicConfigDeletedManifest,
        TopicConfigsSnapshot m => HasAttributes(m.Configs) ? TopicConfigsSnapshotV2Manifest : TopicConfigsSnapshotManifest,
        ScheduledMessagesAdded => ScheduledMessagesAddedManifest,
        ScheduledMessagesDelivered => ScheduledMessagesDeliveredManifest,
        ScheduleLogSnapshot => ScheduleLogSnapshotManifest,
        TimerBucketsOpened => TimerBucketsOpenedManifest,
        TimerBucketsDelivered => TimerBucketsDeliveredManifest,
        TimerWheelSnapshot => TimerWheelSnapshotManifest,
        TopicPurgeStarted => TopicPurgeStartedManifest,
        ConsumerOffsetsDeleted => ConsumerOffsetsDeletedManifest,
        QueueLogSizedSnapshot => QueueLogSizedSnapshotManifest,
        _ => null,
    };

    private static bool WriteStore(WireWriter w, object o)
    {
        switch (o)
        {
            case MessagesAppended m: Write(w, m); return true;
            case QueueLogSnapshot m: WriteQueueLogState(w, m.NextOffset, m.MinOffset, m.LastStoreTimestamp, m.IndexStride, m.Index); return true;
            case QueueLogKeyedSnapshot m: Write(w, m); return true;
            case ConsumerOffsetsCommitted m: Write(w, m); return true;
            case ConsumerOffsetsSnapshot m: Write(w, m); return true;
            case TopicConfigChanged m: WriteTopicConfig(w, m.Config, HasAttributes(m.Config)); return true;
            case TopicConfigDeleted m: w.WriteString(m.Topic); return true;
            case TopicConfigsSnapshot m: WriteTopicConfigs(w, m.Configs, HasAttributes(m.Configs)); return true;
            case ScheduledMessagesAdded m: WriteScheduled(w, m.Messages); return true;
            case ScheduledMessagesDelivered m: w.WriteLongs(m.Ids); return true;
            case ScheduleLogSnapshot m: Write(w, m); return true;
            case TimerBucketsOpened m: WriteTimerWheel(w, m.NextId, m.LastSeqNr, m.Buckets); return true;
            case TimerBucketsDelivered m: w.WriteLongs(m.Buckets); return true;
            case TimerWheelSnapshot m: WriteTimerWheel(w, m.NextId, m.LastSeqNr, m.Pending); return true;
            case TopicPurgeStarted m: WriteTopicConfig(w, m.Config, withAttributes: true); return true;
            case ConsumerOffsetsDeleted m: w.WriteVarLong(m.Timestamp); return true;
            case QueueLogSizedSnapshot m: Write(w, m); return true;
            default: return false;
        }
    }

    private static object? ReadStore(string manifest, ref WireReader r) => manifest switch
    {
        MessagesAppendedManifest => ReadMessagesAppended(ref r),
        QueueLogSnapshotManifest => ReadQueueLogSnapshot(ref r),
        QueueLogKeyedSnapshotManifest => ReadQueueLogKeyedSnapshot(ref r),
        ConsumerOffsetsCommittedManifest => new ConsumerOffsetsCommitted(ReadOffsets(ref r), r.ReadVarLong()),
        ConsumerOffsetsSnapshotManifest => new ConsumerOffsetsSnapshot(ReadOffsets(ref r), r.ReadVarLong()),
        TopicConfigChangedManifest => new TopicConfigChanged(ReadTopicConfig(ref r)),
        TopicConfigDeletedManifest => new TopicConfigDeleted(r.ReadRequiredString()),
        TopicConfigsSnapshotManifest => new TopicConfigsSnapshot(ReadTopicConfigs(ref r)),
        TopicConfigChangedV2Manifest => new TopicConfigChanged(ReadTopicConfig(ref r, withAttributes: true)),
        TopicConfigsSnapshotV2Manifest => new TopicConfigsSnapshot(ReadTopicConfigs(ref r, withAttributes: true)),
        ScheduledMessagesAddedManifest => new ScheduledMessagesAdded(ReadScheduled(ref r)),
        ScheduledMessagesDeliveredManifest => new ScheduledMessagesDelivered(r.ReadLongs()),
        ScheduleLogSnapshotManifest => new ScheduleLogSnapshot(r.ReadVarLong(), ReadScheduled(ref r)),
        TimerBucketsOpenedManifest => ReadTimerWheel(ref r, (id, seq, b) => new TimerBucketsOpened(id, seq, b)),
        TimerBucketsDeliveredManifest => new TimerBucketsDelivered(r.ReadLongs()),
        TimerWheelSnapshotManifest => ReadTimerWheel(ref r, (id, seq, b) => new TimerWheelSnapshot(id, seq, b)),
        TopicPurgeStartedManifest => new TopicPurgeStarted(ReadTopicConfig(ref r, withAttributes: true)),
        ConsumerOffsetsDeletedManifest => new ConsumerOffsetsDeleted(r.ReadVarLong()),
        QueueLogSizedSnapshotManifest => ReadQueueLogSizedSnapshot(ref r),
        _ => null,
    };

    // Offsets follow from BaseOffset, so each message leaves its own out.
    private static void Write(WireWriter w, MessagesAppended m)
    {
        w.WriteVarLong(m.BaseOffset);
        w.WriteVarLong(m.StoreTimestamp);
        w.WriteLength(m.Messages.Count);
        for (var i = 0; i < m.Messages.Count; i++)
        {
            var x = m.Messages[i];
            w.WriteString(x.Tags);
            w.WriteString(x.Keys);
            w.WriteProperties(x.Properties);
            w.WriteVarLong(x.BornTimestamp);
            w.WriteBytes(x.Body);
        }
    }

    private static MessagesAppended ReadMessagesAppended(ref WireReader r)
    {
        var baseOffset = r.ReadVarLong();
        var storeTs = r.ReadVarLong();
        var n = r.ReadLength();
        var msgs = new StoredMessage[n];
        for (var i = 0; i < n; i++)
        {
            var tags = r.ReadString();
            var keys = r.ReadString();
            var props = r.ReadProperties();
            var born = r.ReadVarLong();
            var body = r.ReadBytes();
            msgs[i] = new StoredMessage(tags, keys, props, body, born);
        }
        return new MessagesAppended(baseOffset, storeTs, msgs);
    }

    // QueueLogSnapshot is exactly this; QueueLogKeyedSnapshot appends its key index.
    private static void WriteQueueLogState(WireWriter w, long nextOffset, long minOffset, long lastStoreTimestamp, int indexStride,
        IReadOnlyList<QueueIndexEntry> index)
    {
        w.WriteVarLong(nextOffset);
        w.WriteVarLong(minOffset);
        w.WriteVarLong(lastStoreTimestamp);
        w.WriteVarInt(indexStride);
        w.WriteLength(index.Count);
        for (var i = 0; i < index.Count; i++)
        {
            w.WriteVarLong(index[i].Offset);
            w.WriteVarLong(index[i].SeqNr);
            w.WriteVarLong(index[i].StoreTimestamp);
        }
    }

    private static QueueLogSnapshot ReadQueueLogSnapshot(ref WireReader r)
    {
        var next = r.ReadVarLong();
        var min = r.ReadVarLong();
        var last = r.ReadVarLong();
        var stride = r.ReadVarInt();
        var n = r.ReadLength();
        var index = new QueueIndexEntry[n];
        for (var i = 0; i < n; i++) index[i] = new QueueIndexEntry(r.ReadVarLong(), r.ReadVarLong(), r.ReadVarLong());
        return new QueueLogSnapshot(next, min, last, stride, index);
    }

    private static void Write(WireWriter w, QueueLogKeyedSnapshot m)
    {
        WriteQueueLogState(w, m.NextOffset, m.MinOffset, m.LastStoreTimestamp, m.IndexStride, m.Index);
        w.WriteLength(m.Keys.Count);
        for (var i = 0; i < m.Keys.Count; i++)
        {
            w.WriteString(m.Keys[i].Key);
            w.WriteLongs(m.Keys[i].Offsets);
        }
    }

    private static QueueLogKeyedSnapshot ReadQueueLogKeyedSnapshot(ref WireReader r)
    {
        var s = ReadQueueLogSnapshot(ref r);
        var n = r.ReadLength();
        var keys = new KeyIndexEntry[n];
        for (var i = 0; i < n; i++) keys[i] = new KeyIndexEntry(r.ReadRequiredString(), r.ReadLongs());
        return new QueueLogKeyedSnapshot(s.NextOffset, s.MinOffset, s.LastStoreTimestamp, s.IndexStride, s.Index, keys);
    }

    private static void Write(WireWriter w, QueueLogSizedSnapshot m)
    {
        Write(w, new QueueLogKeyedSnapshot(m.NextOffset, m.MinOffset, m.LastStoreTimestamp, m.IndexStride, m.Index, m.Keys));
        w.WriteVarLong(m.StoredBytes);
    }

    private static QueueLogSizedSnapshot ReadQueueLogSizedSnapshot(ref WireReader r)
    {
        var s = ReadQueueLogKeyedSnapshot(ref r);
        return new QueueLogSizedSnapshot(s.NextOffset, s.MinOffset, s.LastStoreTimestamp, s.IndexStride, s.Index, s.Keys, r.ReadVarLong());
    }

    private static void Write(WireWriter w, ConsumerOffsetsCommitted m)
    {
        WriteOffsets(w, m.Offsets);
        w.WriteVarLong(m.Timestamp);
    }

    private static void Write(WireWriter w, ConsumerOffsetsSnapshot m)
    {
        WriteOffsets(w, m.Offsets);
        w.WriteVarLong(m.LastCommitTimestamp);
    }

    private static void Write(WireWriter w, ScheduleLogSnapshot m)
    {
        w.WriteVarLong(m.NextId);
        WriteScheduled(w, m.Pending);
    }

    // ScheduledMessagesAdded and ScheduleLogSnapshot: delayed messages with their id and time.
    private static void WriteScheduled(WireWriter w, IReadOnlyList<ScheduledMessage> list)
    {
        w.WriteLength(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var x = list[i];
            w.WriteVarLong(x.Id);
            w.WriteVarLong(x.DeliverAt);
            w.WriteString(x.Topic);
            w.WriteVarInt(x.QueueId);
            w.WriteVarLong(x.BornTimestamp);
            w.WriteString(x.Tags);
            w.WriteString(x.Keys);
            w.WriteProperties(x.Properties);
            w.WriteBytes(x.Body);
        }
    }

    private static ScheduledMessage[] ReadScheduled(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new ScheduledMessage[n];
        for (var i = 0; i < n; i++)
        {
            var id = r.ReadVarLong();
            var at = r.ReadVarLong();
            var topic = r.ReadRequiredString();
            var queueId = r.ReadVarInt();
            var born = r.ReadVarLong();
            var tags = r.ReadString();
            var keys = r.ReadString();
            var props = r.ReadProperties();
            var body = r.ReadBytes();
            list[i] = new ScheduledMessage(id, at, topic, queueId, born, tags, keys, props, body);
        }
        return list;
    }

    // TimerBucketsOpened and TimerWheelSnapshot: the two counters, then (bucket, slot) pairs.
    private static void WriteTimerWheel(WireWriter w, long nextId, long lastSeqNr, IReadOnlyList<TimerBucket> buckets)
    {
        w.WriteVarLong(nextId);
        w.WriteVarLong(lastSeqNr);
        w.WriteLength(buckets.Count);
        for (var i = 0; i < buckets.Count; i++)
        {
            w.WriteVarLong(buckets[i].Bucket);
            w.WriteVarInt(buckets[i].Slot);
        }
    }

    private static T ReadTimerWheel<T>(ref WireReader r, Func<long, long, TimerBucket[], T> create)
    {
        var nextId = r.ReadVarLong();
        var lastSeqNr = r.ReadVarLong();
        var n = r.ReadLength();
        var buckets = new TimerBucket[n];
        for (var i = 0; i < n; i++) buckets[i] = new TimerBucket(r.ReadVarLong(), r.ReadVarInt());
        return create(nextId, lastSeqNr, buckets);
    }
}
