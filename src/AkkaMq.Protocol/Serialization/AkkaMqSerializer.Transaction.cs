using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Protocol.Serialization;

// Transactional messages (manifests "T.."): half messages, EndTransaction, check-backs, the admin
// listing; and the transaction entity's persisted events and snapshot ("TS..", ending in a version digit).
public sealed partial class AkkaMqSerializer
{
    private const string PrepareHalfMessagesManifest = "TPM";
    private const string EndTransactionManifest = "TET";
    private const string EndTransactionReplyManifest = "TER";
    private const string CheckTransactionStateManifest = "TCK";
    private const string QueryHalfMessagesManifest = "THQ";
    private const string HalfMessageListManifest = "THL";

    private static string? TransactionManifest(object o) => o switch
    {
        PrepareHalfMessages => PrepareHalfMessagesManifest,
        EndTransaction => EndTransactionManifest,
        EndTransactionReply => EndTransactionReplyManifest,
        CheckTransactionState => CheckTransactionStateManifest,
        QueryHalfMessages => QueryHalfMessagesManifest,
        HalfMessageList => HalfMessageListManifest,
        _ => TransactionStoreManifest(o),
    };

    private static bool WriteTransaction(WireWriter w, object o)
    {
        switch (o)
        {
            case PrepareHalfMessages m:
                w.WriteString(m.BrokerName);
                WriteSendEntries(w, m.Entries, writeTopic: true);
                return true;
            case EndTransaction m: Write(w, m); return true;
            case EndTransactionReply m: Write(w, m); return true;
            case CheckTransactionState m: Write(w, m); return true;
            case QueryHalfMessages m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Topic);
                w.WriteString(m.ProducerGroup);
                w.WriteVarInt(m.MaxNum);
                return true;
            case HalfMessageList m: Write(w, m); return true;
            default: return WriteTransactionStore(w, o);
        }
    }

    private static object? ReadTransaction(string manifest, ref WireReader r) => manifest switch
    {
        PrepareHalfMessagesManifest => new PrepareHalfMessages(r.ReadRequiredString(), ReadSendEntries(ref r, null)),
        EndTransactionManifest => new EndTransaction(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
            (TransactionResolution)r.ReadVarInt(), r.ReadBool()),
        EndTransactionReplyManifest => new EndTransactionReply(r.ReadRequiredString(), r.ReadRequiredString(), (TransactionResolution)r.ReadVarInt(),
            r.ReadVarInt(), r.ReadVarLong(), ReadCode(ref r), r.ReadString()),
        CheckTransactionStateManifest => new CheckTransactionState(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(),
            ReadFullMessageExt(ref r)),
        QueryHalfMessagesManifest => new QueryHalfMessages(r.ReadRequiredString(), r.ReadString(), r.ReadString(), r.ReadVarInt()),
        HalfMessageListManifest => ReadHalfMessageList(ref r),
        _ => ReadTransactionStore(manifest, ref r),
    };


    private static void Write(WireWriter w, EndTransaction m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.ProducerGroup);
        w.WriteString(m.Topic);
        w.WriteString(m.TransactionId);
        w.WriteVarInt((int)m.Resolution);
        w.WriteBool(m.FromTransactionCheck);
    }

    private static void Write(WireWriter w, EndTransactionReply m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.TransactionId);
        w.WriteVarInt((int)m.Resolution);
        w.WriteVarInt(m.QueueId);
        w.WriteVarLong(m.QueueOffset);
        WriteStatus(w, m.Code, m.Error);
    }

    private static void Write(WireWriter w, CheckTransactionState m)
    {
        w.WriteString(m.BrokerName);
        w.WriteString(m.ProducerGroup);
        w.WriteString(m.TransactionId);
        w.WriteVarInt(m.CheckCount);
        WriteFullMessageExt(w, m.Message);
    }

    // A MessageExt with every field, for messages that carry one alone (also each popped message).
    private static void WriteFullMessageExt(WireWriter w, MessageExt x)
    {
        w.WriteString(x.Topic);
        w.WriteString(x.BrokerName);
        w.WriteVarInt(x.QueueId);
        w.WriteVarLong(x.QueueOffset);
        w.WriteString(x.Tags);
        w.WriteString(x.Keys);
        w.WriteProperties(x.Properties);
        w.WriteVarLong(x.BornTimestamp);
        w.WriteVarLong(x.StoreTimestamp);
        w.WriteBytes(x.Body);
    }

    private static MessageExt ReadFullMessageExt(ref WireReader r)
    {
        var topic = r.ReadRequiredString();
        var broker = r.ReadRequiredString();
        var queueId = r.ReadVarInt();
        var offset = r.ReadVarLong();
        var tags = r.ReadString();
        var keys = r.ReadString();
        var props = r.ReadProperties();
        var born = r.ReadVarLong();
        var store = r.ReadVarLong();
        return new MessageExt(topic, broker, queueId, offset, tags, keys, props, r.ReadBytes(), born, store);
    }

    private static void Write(WireWriter w, HalfMessageList m)
    {
        w.WriteString(m.BrokerName);
        w.WriteVarLong(m.Now);
        w.WriteVarLong(m.Total);
        w.WriteLength(m.Messages.Count);
        foreach (var h in m.Messages)
        {
            w.WriteString(h.Topic);
            w.WriteVarInt(h.QueueId);
            w.WriteString(h.ProducerGroup);
            w.WriteString(h.TransactionId);
            w.WriteString(h.MsgId);
            w.WriteString(h.Keys);
            w.WriteVarLong(h.StoreTimestamp);
            w.WriteVarInt(h.CheckCount);
            w.WriteVarLong(h.LastCheckTimestamp);
            w.WriteVarInt(h.BodyLength);
        }
        WriteStatus(w, m.Code, m.Error);
    }

    private static HalfMessageList ReadHalfMessageList(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var now = r.ReadVarLong();
        var total = r.ReadVarLong();
        var n = r.ReadLength();
        var list = new HalfMessageInfo[n];
        for (var i = 0; i < n; i++)
            list[i] = new HalfMessageInfo(r.ReadRequiredString(), r.ReadVarInt(), r.ReadRequiredString(), r.ReadRequiredString(), r.ReadString(),
                r.ReadString(), r.ReadVarLong(), r.ReadVarInt(), r.ReadVarLong(), r.ReadVarInt());
        return new HalfMessageList(broker, now, total, list, ReadCode(ref r), r.ReadString());
    }
}
