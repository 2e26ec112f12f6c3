using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Serialization;

// Parts that several areas' messages share, each written in one place.
public sealed partial class AkkaMqSerializer
{
    // A reply's outcome: code, then the error text (null on success).
    private static void WriteStatus(WireWriter w, ResponseCode code, string? error)
    {
        w.WriteVarInt((int)code);
        w.WriteString(error);
    }

    private static ResponseCode ReadCode(ref WireReader r) => (ResponseCode)r.ReadVarInt();

    // A send batch's entry; the topic is left out where the batch names it (AppendMessages).
    private static void WriteSendEntry(WireWriter w, SendEntry e, bool writeTopic)
    {
        w.WriteVarLong(e.CorrelationId);
        w.WriteVarInt(e.QueueId);
        w.WriteBool(e.Oneway);
        w.WriteVarLong(e.BornTimestamp);
        if (writeTopic) w.WriteString(e.Message.Topic);
        w.WriteString(e.Message.Tags);
        w.WriteString(e.Message.Keys);
        w.WriteProperties(e.Message.Properties);
        w.WriteBytes(e.Message.Body);
    }

    private static SendEntry ReadSendEntry(ref WireReader r, string? topic)
    {
        var id = r.ReadVarLong();
        var queueId = r.ReadVarInt();
        var oneway = r.ReadBool();
        var born = r.ReadVarLong();
        var t = topic ?? r.ReadRequiredString();
        var tags = r.ReadString();
        var keys = r.ReadString();
        var props = r.ReadProperties();
        var body = r.ReadBytes();
        return new SendEntry(id, queueId, oneway, born, new Message(t, body, tags, keys, props));
    }

    private static void WriteSendEntries(WireWriter w, IReadOnlyList<SendEntry> entries, bool writeTopic)
    {
        w.WriteLength(entries.Count);
        for (var i = 0; i < entries.Count; i++) WriteSendEntry(w, entries[i], writeTopic);
    }

    private static SendEntry[] ReadSendEntries(ref WireReader r, string? topic)
    {
        var n = r.ReadLength();
        var entries = new SendEntry[n];
        for (var i = 0; i < n; i++) entries[i] = ReadSendEntry(ref r, topic);
        return entries;
    }

    private static void WriteBrokerIdentity(WireWriter w, BrokerIdentity b)
    {
        w.WriteString(b.ClusterName);
        w.WriteString(b.BrokerName);
        w.WriteVarLong(b.BrokerId);
        w.WriteString(b.Address);
    }

    private static BrokerIdentity ReadBrokerIdentity(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarLong(), r.ReadRequiredString());

    // The layout of version 1 manifests; withAttributes (the "..2" manifests) appends the attribute map.
    private static void WriteTopicConfig(WireWriter w, TopicConfig t, bool withAttributes = false)
    {
        w.WriteString(t.TopicName);
        w.WriteVarInt(t.ReadQueueNums);
        w.WriteVarInt(t.WriteQueueNums);
        w.WriteVarInt(t.Perm);
        if (withAttributes) w.WriteProperties(t.Attributes);
    }

    private static TopicConfig ReadTopicConfig(ref WireReader r, bool withAttributes = false)
    {
        var config = new TopicConfig(r.ReadRequiredString(), r.ReadVarInt(), r.ReadVarInt(), r.ReadVarInt());
        return withAttributes ? config with { Attributes = r.ReadProperties() } : config;
    }

    private static void WriteTopicConfigs(WireWriter w, IReadOnlyList<TopicConfig> configs, bool withAttributes = false)
    {
        w.WriteLength(configs.Count);
        for (var i = 0; i < configs.Count; i++) WriteTopicConfig(w, configs[i], withAttributes);
    }

    private static TopicConfig[] ReadTopicConfigs(ref WireReader r, bool withAttributes = false)
    {
        var n = r.ReadLength();
        var list = new TopicConfig[n];
        for (var i = 0; i < n; i++) list[i] = ReadTopicConfig(ref r, withAttributes);
        return list;
    }

    // A config without attributes keeps the version 1 manifest and bytes, so older nodes still read it.
    private static bool HasAttributes(TopicConfig? t) => t is { Attributes.Count: > 0 };

    private static bool HasAttributes(IReadOnlyList<TopicConfig> configs)
    {
        for (var i = 0; i < configs.Count; i++)
            if (configs[i].Attributes.Count > 0) return true;
        return false;
    }

    // Consumer offsets by queue id.
    private static void WriteOffsets(WireWriter w, IReadOnlyDictionary<int, long> offsets)
    {
        w.WriteLength(offsets.Count);
        foreach (var kv in offsets)
        {
            w.WriteVarInt(kv.Key);
            w.WriteVarLong(kv.Value);
        }
    }

    private static Dictionary<int, long> ReadOffsets(ref WireReader r)
    {
        var n = r.ReadLength();
        var d = new Dictionary<int, long>(n);
        for (var i = 0; i < n; i++) d[r.ReadVarInt()] = r.ReadVarLong();
        return d;
    }

    private static void WriteSubscriptions(WireWriter w, IReadOnlyList<SubscriptionData> subs)
    {
        w.WriteLength(subs.Count);
        for (var i = 0; i < subs.Count; i++)
        {
            w.WriteString(subs[i].Topic);
            w.WriteString(subs[i].SubExpression);
        }
    }

    private static SubscriptionData[] ReadSubscriptions(ref WireReader r)
    {
        var n = r.ReadLength();
        var subs = new SubscriptionData[n];
        for (var i = 0; i < n; i++) subs[i] = new SubscriptionData(r.ReadRequiredString(), r.ReadRequiredString());
        return subs;
    }
}
