using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Protocol.Serialization;

// Admin wire messages (manifests "A.."), mqadmin's view: topic lists and deletion, broker runtime info, consumer
// offsets, connections and offset resets, messages by key. The store formats added with them are in the Store file.
public sealed partial class AkkaMqSerializer
{
    private const string GetAllTopicListManifest = "ATL";
    private const string TopicListManifest = "ATR";
    private const string DeleteTopicInBrokerManifest = "ADB";
    private const string DeleteTopicInNameServerManifest = "ADN";
    private const string DeleteTopicReplyManifest = "ADR";
    private const string GetBrokerRuntimeInfoManifest = "ABI";
    private const string BrokerRuntimeInfoManifest = "ABR";
    private const string GetConsumerOffsetsManifest = "AGO";
    private const string ConsumerOffsetsManifest = "AOR";
    private const string QueryMessageKeyManifest = "AQK";
    private const string MessageKeyOffsetsManifest = "AKO";
    private const string GetConsumerConnectionManifest = "AGC";
    private const string ConsumerConnectionInfoManifest = "ACC";
    private const string InvokeBrokerToResetOffsetManifest = "ARO";
    private const string ResetOffsetReplyManifest = "ARR";
    private const string ResetConsumerClientOffsetManifest = "ARC";

    private static string? AdminManifest(object o) => o switch
    {
        GetAllTopicList => GetAllTopicListManifest,
        TopicList => TopicListManifest,
        DeleteTopicInBroker => DeleteTopicInBrokerManifest,
        DeleteTopicInNameServer => DeleteTopicInNameServerManifest,
        DeleteTopicReply => DeleteTopicReplyManifest,
        GetBrokerRuntimeInfo => GetBrokerRuntimeInfoManifest,
        BrokerRuntimeInfo => BrokerRuntimeInfoManifest,
        GetConsumerOffsets => GetConsumerOffsetsManifest,
        ConsumerOffsets => ConsumerOffsetsManifest,
        QueryMessageKey => QueryMessageKeyManifest,
        MessageKeyOffsets => MessageKeyOffsetsManifest,
        GetConsumerConnection => GetConsumerConnectionManifest,
        ConsumerConnectionInfo m => NeedsV2(m) ? ConsumerConnectionInfoV2Manifest : ConsumerConnectionInfoManifest,
        InvokeBrokerToResetOffset => InvokeBrokerToResetOffsetManifest,
        ResetOffsetReply => ResetOffsetReplyManifest,
        ResetConsumerClientOffset => ResetConsumerClientOffsetManifest,
        _ => null,
    };

    private static bool WriteAdmin(WireWriter w, object o)
    {
        switch (o)
        {
            case GetAllTopicList: return true; // no fields
            case TopicList m: Write(w, m); return true;
            case DeleteTopicInBroker m: Write(w, m); return true;
            case DeleteTopicInNameServer m: w.WriteString(m.Topic); return true;
            case DeleteTopicReply m: WriteTopicReply(w, m.Topic, m.Code, m.Error, m.Brokers); return true;
            case GetBrokerRuntimeInfo m: w.WriteString(m.BrokerName); return true;
            case BrokerRuntimeInfo m: Write(w, m); return true;
            case GetConsumerOffsets m: Write(w, m); return true;
            case ConsumerOffsets m: Write(w, m); return true;
            case QueryMessageKey m: Write(w, m); return true;
            case MessageKeyOffsets m: Write(w, m); return true;
            case GetConsumerConnection m: WriteGroup(w, m.BrokerName, m.ConsumerGroup); return true;
            case ConsumerConnectionInfo m: if (NeedsV2(m)) WriteV2(w, m); else Write(w, m); return true;
            case InvokeBrokerToResetOffset m: WriteReset(w, m.BrokerName, m.ConsumerGroup, m.Topic, m.Offsets); return true;
            case ResetOffsetReply m: Write(w, m); return true;
            case ResetConsumerClientOffset m: WriteReset(w, m.BrokerName, m.ConsumerGroup, m.Topic, m.Offsets); return true;
            default: return false;
        }
    }

    private static object? ReadAdmin(string manifest, ref WireReader r) => manifest switch
    {
        GetAllTopicListManifest => GetAllTopicList.Instance,
        TopicListManifest => ReadTopicList(ref r),
        DeleteTopicInBrokerManifest => new DeleteTopicInBroker(r.ReadRequiredString(), r.ReadRequiredString()),
        DeleteTopicInNameServerManifest => new DeleteTopicInNameServer(r.ReadRequiredString()),
        DeleteTopicReplyManifest => new DeleteTopicReply(r.ReadRequiredString(), ReadCode(ref r), r.ReadString(), r.ReadStrings()),
        GetBrokerRuntimeInfoManifest => new GetBrokerRuntimeInfo(r.ReadRequiredString()),
        BrokerRuntimeInfoManifest => ReadBrokerRuntimeInfo(ref r),
        GetConsumerOffsetsManifest => new GetConsumerOffsets(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString()),
        ConsumerOffsetsManifest => ReadConsumerOffsets(ref r),
        QueryMessageKeyManifest => ReadQueryMessageKey(ref r),
        MessageKeyOffsetsManifest => ReadMessageKeyOffsets(ref r),
        GetConsumerConnectionManifest => new GetConsumerConnection(r.ReadRequiredString(), r.ReadRequiredString()),
        ConsumerConnectionInfoManifest => ReadConsumerConnectionInfo(ref r),
        InvokeBrokerToResetOffsetManifest => new InvokeBrokerToResetOffset(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadOffsets(ref r)),
        ResetOffsetReplyManifest => new ResetOffsetReply(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), r.ReadStrings(),
            ReadCode(ref r), r.ReadString()),
        ResetConsumerClientOffsetManifest => new ResetConsumerClientOffset(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadOffsets(ref r)),
        _ => null,
    };

    // InvokeBrokerToResetOffset and ResetConsumerClientOffset share their layout: broker name, group, topic, offsets.
    private static void WriteReset(WireWriter w, string brokerName, string group, string topic, IReadOnlyDictionary<int, long> offsets)
    {
        WriteGroup(w, brokerName, group);
        w.WriteString(topic);
        WriteOffsets(w, offsets);
    }

    private static void Write(WireWriter w, ResetOffsetReply m)
    {
        WriteGroup(w, m.BrokerName, m.ConsumerGroup);
        w.WriteString(m.Topic);
        w.WriteStrings(m.ClientIds);
        WriteStatus(w, m.Code, m.Error);
    }

    private static void Write(WireWriter w, TopicList m)
    {
        w.WriteLength(m.Topics.Count);
        for (var i = 0; i < m.Topics.Count; i++)
        {
            w.WriteString(m.Topics[i].Topic);
            w.WriteStrings(m.Topics[i].BrokerNames);
        }
    }

    private static TopicList ReadTopicList(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new TopicListEntry[n];
        for (var i = 0; i < n; i++) list[i] = new TopicListEntry(r.ReadRequiredString(), r.ReadStrings());
        return new TopicList(list);
    }

    private static void Write(WireWriter w, DeleteTopicInBroker m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.Topic);
    }

    // The rates are IEEE doubles, written as their 8 bytes.
    private static void Write(WireWriter w, BrokerRuntimeInfo m)
    {
        WriteBrokerIdentity(w, m.Broker);
        w.WriteVarLong(m.BootTimestamp);
        w.WriteVarLong(m.MsgPutTotal);
        w.WriteVarLong(m.MsgGetTotal);
        w.WriteInt64(BitConverter.DoubleToInt64Bits(m.PutTps));
        w.WriteInt64(BitConverter.DoubleToInt64Bits(m.GetTps));
        w.WriteVarInt(m.TopicCount);
        w.WriteProperties(m.Extra);
        WriteStatus(w, m.Code, m.Error);
    }

    private static BrokerRuntimeInfo ReadBrokerRuntimeInfo(ref WireReader r) => new(ReadBrokerIdentity(ref r), r.ReadVarLong(),
        r.ReadVarLong(), r.ReadVarLong(), BitConverter.Int64BitsToDouble(r.ReadInt64()), BitConverter.Int64BitsToDouble(r.ReadInt64()),
        r.ReadVarInt(), r.ReadProperties(), ReadCode(ref r), r.ReadString());

    private static void Write(WireWriter w, GetConsumerOffsets m)
    {
        WriteGroup(w, m.BrokerName, m.ConsumerGroup);
        w.WriteString(m.Topic);
    }

    private static void Write(WireWriter w, ConsumerOffsets m)
    {
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.Topic);
        WriteOffsets(w, m.Offsets);
        w.WriteVarLong(m.LastCommitTimestamp);
        WriteStatus(w, m.Code, m.Error);
    }

    private static ConsumerOffsets ReadConsumerOffsets(ref WireReader r) => new(r.ReadRequiredString(), r.ReadRequiredString(),
        ReadOffsets(ref r), r.ReadVarLong(), ReadCode(ref r), r.ReadString());

    private static void Write(WireWriter w, QueryMessageKey m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        w.WriteString(m.Key);
        w.WriteVarInt(m.MaxNum);
    }

    private static QueryMessageKey ReadQueryMessageKey(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(), r.ReadRequiredString(), r.ReadVarInt());

    private static void Write(WireWriter w, MessageKeyOffsets m)
    {
        w.WriteString(m.Topic);
        w.WriteVarInt(m.QueueId);
        w.WriteString(m.Key);
        w.WriteLongs(m.Offsets);
        WriteStatus(w, m.Code, m.Error);
    }

    private static MessageKeyOffsets ReadMessageKeyOffsets(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadVarInt(), r.ReadRequiredString(), r.ReadLongs(), ReadCode(ref r), r.ReadString());

    private static void Write(WireWriter w, ConsumerConnectionInfo m)
    {
        WriteGroup(w, m.BrokerName, m.ConsumerGroup);
        w.WriteLength(m.Connections.Count);
        for (var i = 0; i < m.Connections.Count; i++)
        {
            var c = m.Connections[i];
            w.WriteString(c.ClientId);
            w.WriteString(c.Address);
            w.WriteVarInt((int)c.MessageModel);
            WriteSubscriptions(w, c.Subscriptions);
            w.WriteVarLong(c.LastHeartbeat);
        }
        WriteStatus(w, m.Code, m.Error);
    }

    private static ConsumerConnectionInfo ReadConsumerConnectionInfo(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var n = r.ReadLength();
        var list = new ConsumerConnectionEntry[n];
        for (var i = 0; i < n; i++)
            list[i] = new ConsumerConnectionEntry(r.ReadRequiredString(), r.ReadString(), (MessageModel)r.ReadVarInt(),
                ReadSubscriptions(ref r), r.ReadVarLong());
        return new ConsumerConnectionInfo(broker, group, list, ReadCode(ref r), r.ReadString());
    }
}
