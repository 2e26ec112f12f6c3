using AkkaMq.Protocol.Broker;

namespace AkkaMq.Protocol.Serialization;

// Broker wire messages (manifests "B.."): sends, pulls, queue and consumer offsets, topic configs, the data channel.
public sealed partial class AkkaMqSerializer
{
    private const string SendMessagesManifest = "BSM";
    private const string SendAcksManifest = "BSA";
    private const string AppendMessagesManifest = "BAM";
    private const string PullMessageManifest = "BPM";
    private const string PullResultManifest = "BPR";
    private const string QueryQueueOffsetManifest = "BQO";
    private const string QueueOffsetReplyManifest = "BOR";
    private const string CommitConsumerOffsetsManifest = "BCO";
    private const string CommitConsumerOffsetsReplyManifest = "BCR";
    private const string QueryConsumerOffsetManifest = "BQC";
    private const string ConsumerOffsetReplyManifest = "BCF";
    private const string UpdateTopicConfigManifest = "BUT";
    private const string UpdateTopicConfigReplyManifest = "BUR";
    private const string GetTopicConfigsManifest = "BGT";
    private const string GetDataChannelManifest = "BGD";
    private const string DataChannelAddressManifest = "BDA";
    private const string TopicConfigsManifest = "BTC";
    // The three above whose topic configs carry attributes; written only when some config has attributes.
    private const string UpdateTopicConfigV2Manifest = "BUT2";
    private const string UpdateTopicConfigReplyV2Manifest = "BUR2";
    private const string TopicConfigsV2Manifest = "BTC2";
    // UpdateTopicConfig of an auto-create (the broker caps the queues auto-create adds); attributes always written.
    private const string UpdateTopicConfigV3Manifest = "BUT3";

    private static string? BrokerManifest(object o) => o switch
    {
        SendMessages => SendMessagesManifest,
        SendAcks => SendAcksManifest,
        AppendMessages => AppendMessagesManifest,
        PullMessage => PullMessageManifest,
        PullResult => PullResultManifest,
        QueryQueueOffset => QueryQueueOffsetManifest,
        QueueOffsetReply => QueueOffsetReplyManifest,
        CommitConsumerOffsets => CommitConsumerOffsetsManifest,
        CommitConsumerOffsetsReply => CommitConsumerOffsetsReplyManifest,
        QueryConsumerOffset => QueryConsumerOffsetManifest,
        ConsumerOffsetReply => ConsumerOffsetReplyManifest,
        UpdateTopicConfig m => m.AutoCreate ? UpdateTopicConfigV3Manifest : HasAttributes(m.Config) ? UpdateTopicConfigV2Manifest : UpdateTopicConfigManifest,
        UpdateTopicConfigReply m => HasAttributes(m.Config) ? UpdateTopicConfigReplyV2Manifest : UpdateTopicConfigReplyManifest,
        GetTopicConfigs => GetTopicConfigsManifest,
        GetDataChannel => GetDataChannelManifest,
        DataChannelAddress => DataChannelAddressManifest,
        TopicConfigs m => HasAttributes(m.Configs) ? TopicConfigsV2Manifest : TopicConfigsManifest,
        _ => null,
    };

    private static bool WriteBroker(WireWriter w, object o)
    {
        switch (o)
        {
            case SendMessages m: Write(w, m); return true;
            case SendAcks m: Write(w, m); return true;
            case AppendMessages m: Write(w, m); return true;
            case PullMessage m: Write(w, m); return true;
            case PullResult m: Write(w, m); return true;
            case QueryQueueOffset m: Write(w, m); return true;
            case QueueOffsetReply m: Write(w, m); return true;
            case CommitConsumerOffsets m: Write(w, m); return true;
            case CommitConsumerOffsetsReply m: Write(w, m); return true;
            case QueryConsumerOffset m: Write(w, m); return true;
            case ConsumerOffsetReply m: Write(w, m); return true;
            case UpdateTopicConfig m: Write(w, m); return true;
            case UpdateTopicConfigReply m: Write(w, m); return true;
            case GetTopicConfigs m: w.WriteString(m.BrokerName); return true;
            case GetDataChannel m: w.WriteString(m.BrokerName); return true;
            case DataChannelAddress m: Write(w, m); return true;
            case TopicConfigs m: Write(w, m); return true;
            default: return false;
        }
    }

    private static object? ReadBroker(string manifest, ref WireReader r) => manifest switch
    {
        SendMessagesManifest => ReadSendMessages(ref r),
        SendAcksManifest => ReadSendAcks(ref r),
        AppendMessagesManifest => ReadAppendMessages(ref r),
        PullMessageManifest => ReadPullMessage(ref r),
        PullResultManifest => ReadPullResult(ref r),
        QueryQueueOffsetManifest => ReadQueryQueueOffset(ref r),
        QueueOffsetReplyManifest => ReadQueueOffsetReply(ref r),
        CommitConsumerOffsetsManifest => ReadCommitConsumerOffsets(ref r),
        CommitConsumerOffsetsReplyManifest => ReadCommitConsumerOffsetsReply(ref r),
        QueryConsumerOffsetManifest => ReadQueryConsumerOffset(ref r),
        ConsumerOffsetReplyManifest => ReadConsumerOffsetReply(ref r),
        UpdateTopicConfigManifest => ReadUpdateTopicConfig(ref r, false),
        UpdateTopicConfigReplyManifest => ReadUpdateTopicConfigReply(ref r, false),
        UpdateTopicConfigV2Manifest => ReadUpdateTopicConfig(ref r, true),
        UpdateTopicConfigV3Manifest => ReadUpdateTopicConfig(ref r, true) with { AutoCreate = r.ReadBool() },
        UpdateTopicConfigReplyV2Manifest => ReadUpdateTopicConfigReply(ref r, true),
        GetTopicConfigsManifest => new GetTopicConfigs(r.ReadRequiredString()),
        GetDataChannelManifest => new GetDataChannel(r.ReadRequiredString()),
        DataChannelAddressManifest => ReadDataChannelAddress(ref r),
        TopicConfigsManifest => ReadTopicConfigsReply(ref r, false),
        TopicConfigsV2Manifest => ReadTopicConfigsReply(ref r, true),
        _ => null,
    };

    private static void Write(WireWriter w, SendMessages m)
    {
        w.WriteString(m.BrokerName);
        WriteSendEntries(w, m.Entries, writeTopic: true);
    }

    private static SendMessages ReadSendMessages(ref WireReader r) => new(r.ReadRequiredString(), ReadSendEntries(ref r, null));

    private static void Write(WireWriter w, SendAcks m)
    {
        w.WriteString(m.BrokerName);
        w.WriteLength(m.Acks.Count);
        for (var i = 0; i < m.Acks.Count; i++)
        {
            var a = m.Acks[i];
            w.WriteVarLong(a.CorrelationId);
            WriteStatus(w, a.Code, a.Error);
            w.WriteVarInt((int)a.Status);
            w.WriteVarInt(a.QueueId);
            w.WriteVarLong(a.QueueOffset);
        }
    }

    private static SendAcks ReadSendAcks(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var n = r.ReadLength();
        var acks = new SendAck[n];
        for (var i = 0; i < n; i++)
            acks[i] = new SendAck(r.ReadVarLong(), ReadCode(ref r), r.ReadString(), (SendStatus)r.ReadVarInt(), r.ReadVarInt(), r.ReadVarLong());
        return new SendAcks(broker, acks);
    }

    // The batch names the topic once; its entries leave it out.
    private static void Write(WireWriter w, AppendMessages m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        WriteSendEntries(w, m.Entries, writeTopic: false);
    }

    private static AppendMessages ReadAppendMessages(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var topic = r.ReadRequiredString();
        var queueId = r.ReadVarInt();
        return new AppendMessages(broker, topic, queueId, ReadSendEntries(ref r, topic));
    }

    private static void Write(WireWriter w, PullMessage m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        w.WriteVarLong(m.QueueOffset);
        w.WriteVarInt(m.MaxMsgNums);
        w.WriteString(m.SubExpression);
        w.WriteVarLong(m.SuspendTimeoutMillis);
    }

    private static PullMessage ReadPullMessage(ref WireReader r) => new(r.ReadRequiredString(), r.ReadRequiredString(),
        r.ReadRequiredString(), r.ReadVarInt(), r.ReadVarLong(), r.ReadVarInt(), r.ReadRequiredString(), r.ReadVarLong());

    // Topic, broker and queue are written once for all the messages.
    private static void Write(WireWriter w, PullResult m)
    {
        w.WriteVarInt((int)m.Status);
        w.WriteVarLong(m.NextBeginOffset);
        w.WriteVarLong(m.MinOffset);
        w.WriteVarLong(m.MaxOffset);
        w.WriteString(m.Topic);
        w.WriteString(m.BrokerName);
        w.WriteVarInt(m.QueueId);
        WriteStatus(w, m.Code, m.Error);
        w.WriteLength(m.Messages.Count);
        for (var i = 0; i < m.Messages.Count; i++)
        {
            var x = m.Messages[i];
            w.WriteVarLong(x.QueueOffset);
            w.WriteString(x.Tags);
            w.WriteString(x.Keys);
            w.WriteProperties(x.Properties);
            w.WriteVarLong(x.BornTimestamp);
            w.WriteVarLong(x.StoreTimestamp);
            w.WriteBytes(x.Body);
        }
    }

    private static PullResult ReadPullResult(ref WireReader r)
    {
        var status = (PullStatus)r.ReadVarInt();
        var next = r.ReadVarLong();
        var min = r.ReadVarLong();
        var max = r.ReadVarLong();
        var topic = r.ReadRequiredString();
        var broker = r.ReadRequiredString();
        var queueId = r.ReadVarInt();
        var code = ReadCode(ref r);
        var error = r.ReadString();
        var n = r.ReadLength();
        var msgs = new MessageExt[n];
        for (var i = 0; i < n; i++)
        {
            var offset = r.ReadVarLong();
            var tags = r.ReadString();
            var keys = r.ReadString();
            var props = r.ReadProperties();
            var born = r.ReadVarLong();
            var store = r.ReadVarLong();
            var body = r.ReadBytes();
            msgs[i] = new MessageExt(topic, broker, queueId, offset, tags, keys, props, body, born, store);
        }
        return new PullResult(status, next, min, max, topic, broker, queueId, msgs, code, error);
    }

    private static void Write(WireWriter w, QueryQueueOffset m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        w.WriteVarInt((int)m.Kind);
        w.WriteVarLong(m.Timestamp);
    }

    private static QueryQueueOffset ReadQueryQueueOffset(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(), (QueueOffsetKind)r.ReadVarInt(), r.ReadVarLong());

    private static void Write(WireWriter w, QueueOffsetReply m)
    {
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        w.WriteVarLong(m.Offset);
        w.WriteVarLong(m.MinOffset);
        w.WriteVarLong(m.MaxOffset);
        w.WriteVarLong(m.LastStoreTimestamp);
        WriteStatus(w, m.Code, m.Error);
    }

    private static QueueOffsetReply ReadQueueOffsetReply(ref WireReader r) => new(r.ReadRequiredString(), r.ReadVarInt(),
        r.ReadVarLong(), r.ReadVarLong(), r.ReadVarLong(), r.ReadVarLong(), ReadCode(ref r), r.ReadString());

    private static void Write(WireWriter w, CommitConsumerOffsets m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        WriteOffsets(w, m.Offsets);
    }

    private static CommitConsumerOffsets ReadCommitConsumerOffsets(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadOffsets(ref r));

    private static void Write(WireWriter w, CommitConsumerOffsetsReply m)
    {
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        WriteStatus(w, m.Code, m.Error);
    }

    private static CommitConsumerOffsetsReply ReadCommitConsumerOffsetsReply(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), ReadCode(ref r), r.ReadString());

    private static void Write(WireWriter w, QueryConsumerOffset m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
    }

    private static QueryConsumerOffset ReadQueryConsumerOffset(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt());

    private static void Write(WireWriter w, ConsumerOffsetReply m)
    {
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        w.WriteVarLong(m.Offset);
        WriteStatus(w, m.Code, m.Error);
    }

    private static ConsumerOffsetReply ReadConsumerOffsetReply(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(), r.ReadVarLong(), ReadCode(ref r), r.ReadString());

    private static void Write(WireWriter w, UpdateTopicConfig m)
    {
        w.WriteString(m.BrokerName);
        WriteTopicConfig(w, m.Config, m.AutoCreate || HasAttributes(m.Config));
        if (m.AutoCreate) w.WriteBool(true);
    }

    private static UpdateTopicConfig ReadUpdateTopicConfig(ref WireReader r, bool withAttributes) =>
        new(r.ReadRequiredString(), ReadTopicConfig(ref r, withAttributes));

    private static void Write(WireWriter w, UpdateTopicConfigReply m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.Topic);
        w.WriteBool(m.Config != null);
        if (m.Config != null) WriteTopicConfig(w, m.Config, HasAttributes(m.Config));
        WriteStatus(w, m.Code, m.Error);
    }

    private static UpdateTopicConfigReply ReadUpdateTopicConfigReply(ref WireReader r, bool withAttributes)
    {
        var broker = r.ReadRequiredString();
        var topic = r.ReadRequiredString();
        var config = r.ReadBool() ? ReadTopicConfig(ref r, withAttributes) : null;
        return new UpdateTopicConfigReply(broker, topic, config, ReadCode(ref r), r.ReadString());
    }

    private static void Write(WireWriter w, DataChannelAddress m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.Host);
        w.WriteVarInt(m.Port);
    }

    private static DataChannelAddress ReadDataChannelAddress(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt());

    private static void Write(WireWriter w, TopicConfigs m)
    {
        w.WriteString(m.BrokerName);
        WriteTopicConfigs(w, m.Configs, HasAttributes(m.Configs));
    }

    private static TopicConfigs ReadTopicConfigsReply(ref WireReader r, bool withAttributes) =>
        new(r.ReadRequiredString(), ReadTopicConfigs(ref r, withAttributes));
}
