using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Serialization;

// Admin messages and the store formats added with them. Their manifests all start with 'A'
// (wire) or "SA" (persisted, with a version digit), apart from the other components' ones.
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
    private const string TopicConfigDeletedManifest = "SAD1";
    private const string QueueLogKeyedSnapshotManifest = "SAQ1";

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
        ConsumerConnectionInfo => ConsumerConnectionInfoManifest,
        TopicConfigDeleted => TopicConfigDeletedManifest,
        QueueLogKeyedSnapshot => QueueLogKeyedSnapshotManifest,
        _ => null,
    };

    private static bool WriteAdmin(WireWriter w, object obj)
    {
        switch (obj)
        {
            case GetAllTopicList:
                break;
            case TopicList m:
                w.WriteLength(m.Topics.Count);
                foreach (var t in m.Topics)
                {
                    w.WriteString(t.Topic);
                    WriteStrings(w, t.BrokerNames);
                }
                break;
            case DeleteTopicInBroker m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Topic);
                break;
            case DeleteTopicInNameServer m:
                w.WriteString(m.Topic);
                break;
            case DeleteTopicReply m:
                w.WriteString(m.Topic);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                WriteStrings(w, m.Brokers);
                break;
            case GetBrokerRuntimeInfo m:
                w.WriteString(m.BrokerName);
                break;
            case BrokerRuntimeInfo m:
                WriteBrokerIdentity(w, m.Broker);
                w.WriteVarLong(m.BootTimestamp);
                w.WriteVarLong(m.MsgPutTotal);
                w.WriteVarLong(m.MsgGetTotal);
                w.WriteInt64(BitConverter.DoubleToInt64Bits(m.PutTps));
                w.WriteInt64(BitConverter.DoubleToInt64Bits(m.GetTps));
                w.WriteVarInt(m.TopicCount);
                w.WriteProperties(m.Extra);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case GetConsumerOffsets m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.Topic);
                break;
            case ConsumerOffsets m:
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.Topic);
                WriteOffsets(w, m.Offsets);
                w.WriteVarLong(m.LastCommitTimestamp);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case QueryMessageKey m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                w.WriteString(m.Key);
                w.WriteVarInt(m.MaxNum);
                break;
            case MessageKeyOffsets m:
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                w.WriteString(m.Key);
                WriteLongs(w, m.Offsets);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case GetConsumerConnection m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                break;
            case ConsumerConnectionInfo m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteLength(m.Connections.Count);
                foreach (var c in m.Connections)
                {
                    w.WriteString(c.ClientId);
                    w.WriteString(c.Address);
                    w.WriteVarInt((int)c.MessageModel);
                    w.WriteLength(c.Subscriptions.Count);
                    foreach (var sub in c.Subscriptions)
                    {
                        w.WriteString(sub.Topic);
                        w.WriteString(sub.SubExpression);
                    }
                    w.WriteVarLong(c.LastHeartbeat);
                }
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case TopicConfigDeleted m:
                w.WriteString(m.Topic);
                break;
            case QueueLogKeyedSnapshot m:
                w.WriteVarLong(m.NextOffset);
                w.WriteVarLong(m.MinOffset);
                w.WriteVarLong(m.LastStoreTimestamp);
                w.WriteVarInt(m.IndexStride);
                w.WriteLength(m.Index.Count);
                foreach (var e in m.Index)
                {
                    w.WriteVarLong(e.Offset);
                    w.WriteVarLong(e.SeqNr);
                    w.WriteVarLong(e.StoreTimestamp);
                }
                w.WriteLength(m.Keys.Count);
                foreach (var k in m.Keys)
                {
                    w.WriteString(k.Key);
                    WriteLongs(w, k.Offsets);
                }
                break;
            default:
                return false;
        }
        return true;
    }

    private static object? ReadAdmin(string manifest, ref WireReader r) => manifest switch
    {
        GetAllTopicListManifest => GetAllTopicList.Instance,
        TopicListManifest => ReadTopicList(ref r),
        DeleteTopicInBrokerManifest => new DeleteTopicInBroker(r.ReadRequiredString(), r.ReadRequiredString()),
        DeleteTopicInNameServerManifest => new DeleteTopicInNameServer(r.ReadRequiredString()),
        DeleteTopicReplyManifest => new DeleteTopicReply(r.ReadRequiredString(), (ResponseCode)r.ReadVarInt(), r.ReadString(), ReadStrings(ref r)),
        GetBrokerRuntimeInfoManifest => new GetBrokerRuntimeInfo(r.ReadRequiredString()),
        BrokerRuntimeInfoManifest => new BrokerRuntimeInfo(ReadBrokerIdentity(ref r), r.ReadVarLong(), r.ReadVarLong(), r.ReadVarLong(),
            BitConverter.Int64BitsToDouble(r.ReadInt64()), BitConverter.Int64BitsToDouble(r.ReadInt64()), r.ReadVarInt(), r.ReadProperties(),
            (ResponseCode)r.ReadVarInt(), r.ReadString()),
        GetConsumerOffsetsManifest => new GetConsumerOffsets(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString()),
        ConsumerOffsetsManifest => new ConsumerOffsets(r.ReadRequiredString(), r.ReadRequiredString(), ReadOffsets(ref r), r.ReadVarLong(),
            (ResponseCode)r.ReadVarInt(), r.ReadString()),
        QueryMessageKeyManifest => new QueryMessageKey(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(), r.ReadRequiredString(), r.ReadVarInt()),
        MessageKeyOffsetsManifest => new MessageKeyOffsets(r.ReadRequiredString(), r.ReadVarInt(), r.ReadRequiredString(), ReadLongs(ref r),
            (ResponseCode)r.ReadVarInt(), r.ReadString()),
        GetConsumerConnectionManifest => new GetConsumerConnection(r.ReadRequiredString(), r.ReadRequiredString()),
        ConsumerConnectionInfoManifest => ReadConsumerConnectionInfo(ref r),
        TopicConfigDeletedManifest => new TopicConfigDeleted(r.ReadRequiredString()),
        QueueLogKeyedSnapshotManifest => ReadQueueLogKeyedSnapshot(ref r),
        _ => null,
    };

    private static TopicList ReadTopicList(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new TopicListEntry[n];
        for (var i = 0; i < n; i++) list[i] = new TopicListEntry(r.ReadRequiredString(), ReadStrings(ref r));
        return new TopicList(list);
    }

    private static ConsumerConnectionInfo ReadConsumerConnectionInfo(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var n = r.ReadLength();
        var list = new ConsumerConnectionEntry[n];
        for (var i = 0; i < n; i++)
        {
            var clientId = r.ReadRequiredString();
            var address = r.ReadString();
            var model = (MessageModel)r.ReadVarInt();
            var ns = r.ReadLength();
            var subs = new SubscriptionData[ns];
            for (var j = 0; j < ns; j++) subs[j] = new SubscriptionData(r.ReadRequiredString(), r.ReadRequiredString());
            list[i] = new ConsumerConnectionEntry(clientId, address, model, subs, r.ReadVarLong());
        }
        return new ConsumerConnectionInfo(broker, group, list, (ResponseCode)r.ReadVarInt(), r.ReadString());
    }

    private static QueueLogKeyedSnapshot ReadQueueLogKeyedSnapshot(ref WireReader r)
    {
        var next = r.ReadVarLong();
        var min = r.ReadVarLong();
        var last = r.ReadVarLong();
        var stride = r.ReadVarInt();
        var n = r.ReadLength();
        var index = new QueueIndexEntry[n];
        for (var i = 0; i < n; i++) index[i] = new QueueIndexEntry(r.ReadVarLong(), r.ReadVarLong(), r.ReadVarLong());
        var nk = r.ReadLength();
        var keys = new KeyIndexEntry[nk];
        for (var i = 0; i < nk; i++) keys[i] = new KeyIndexEntry(r.ReadRequiredString(), ReadLongs(ref r));
        return new QueueLogKeyedSnapshot(next, min, last, stride, index, keys);
    }

    private static void WriteLongs(WireWriter w, IReadOnlyList<long> list)
    {
        w.WriteLength(list.Count);
        for (var i = 0; i < list.Count; i++) w.WriteVarLong(list[i]);
    }

    private static long[] ReadLongs(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new long[n];
        for (var i = 0; i < n; i++) list[i] = r.ReadVarLong();
        return list;
    }
}
