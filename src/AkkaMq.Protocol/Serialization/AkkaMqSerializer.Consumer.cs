using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Protocol.Serialization;

// Consumer-group wire messages (manifests "C.."): heartbeats, members, orderly locks, send-back, delayed sends.
public sealed partial class AkkaMqSerializer
{
    private const string ConsumerHeartbeatManifest = "CHB";
    private const string ConsumerHeartbeatReplyManifest = "CHR";
    private const string UnregisterConsumerManifest = "CUR";
    private const string GetConsumerListManifest = "CGL";
    private const string ConsumerListManifest = "CCL";
    private const string ConsumerIdsChangedManifest = "CIC";
    private const string LockBatchMQManifest = "CLK";
    private const string LockBatchMQReplyManifest = "CLR";
    private const string UnlockBatchMQManifest = "CUL";
    private const string ConsumerSendMsgBackManifest = "CSB";
    private const string ScheduleMessagesManifest = "CSM";

    private static string? ConsumerManifest(object o) => o switch
    {
        ConsumerHeartbeat => ConsumerHeartbeatManifest,
        ConsumerHeartbeatReply => ConsumerHeartbeatReplyManifest,
        UnregisterConsumer => UnregisterConsumerManifest,
        GetConsumerList => GetConsumerListManifest,
        ConsumerList => ConsumerListManifest,
        ConsumerIdsChanged => ConsumerIdsChangedManifest,
        LockBatchMQ => LockBatchMQManifest,
        LockBatchMQReply => LockBatchMQReplyManifest,
        UnlockBatchMQ => UnlockBatchMQManifest,
        ConsumerSendMsgBack => ConsumerSendMsgBackManifest,
        ScheduleMessages => ScheduleMessagesManifest,
        _ => null,
    };

    private static bool WriteConsumer(WireWriter w, object o)
    {
        switch (o)
        {
            case ConsumerHeartbeat m: Write(w, m); return true;
            case ConsumerHeartbeatReply m: Write(w, m); return true;
            case UnregisterConsumer m: WriteGroupMember(w, m.BrokerName, m.ConsumerGroup, m.ClientId); return true;
            case GetConsumerList m: WriteGroup(w, m.BrokerName, m.ConsumerGroup); return true;
            case ConsumerList m: Write(w, m); return true;
            case ConsumerIdsChanged m: WriteGroup(w, m.BrokerName, m.ConsumerGroup); return true;
            case LockBatchMQ m: WriteLockBatch(w, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues); return true;
            case LockBatchMQReply m: Write(w, m); return true;
            case UnlockBatchMQ m: WriteLockBatch(w, m.BrokerName, m.ConsumerGroup, m.ClientId, m.Queues); return true;
            case ConsumerSendMsgBack m: Write(w, m); return true;
            case ScheduleMessages m: Write(w, m); return true;
            default: return false;
        }
    }

    private static object? ReadConsumer(string manifest, ref WireReader r) => manifest switch
    {
        ConsumerHeartbeatManifest => ReadConsumerHeartbeat(ref r),
        ConsumerHeartbeatReplyManifest => ReadConsumerHeartbeatReply(ref r),
        UnregisterConsumerManifest => new UnregisterConsumer(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString()),
        GetConsumerListManifest => new GetConsumerList(r.ReadRequiredString(), r.ReadRequiredString()),
        ConsumerListManifest => ReadConsumerList(ref r),
        ConsumerIdsChangedManifest => new ConsumerIdsChanged(r.ReadRequiredString(), r.ReadRequiredString()),
        LockBatchMQManifest => new LockBatchMQ(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadQueues(ref r)),
        LockBatchMQReplyManifest => ReadLockBatchMQReply(ref r),
        UnlockBatchMQManifest => new UnlockBatchMQ(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadQueues(ref r)),
        ConsumerSendMsgBackManifest => ReadConsumerSendMsgBack(ref r),
        ScheduleMessagesManifest => ReadScheduleMessages(ref r),
        _ => null,
    };

    // GetConsumerList, ConsumerIdsChanged, and the admin GetConsumerConnection: broker name, consumer group.
    private static void WriteGroup(WireWriter w, string brokerName, string group)
    {
        w.WriteString(brokerName);
        w.WriteString(group);
    }

    // UnregisterConsumer: broker name, consumer group, client id.
    private static void WriteGroupMember(WireWriter w, string brokerName, string group, string clientId)
    {
        WriteGroup(w, brokerName, group);
        w.WriteString(clientId);
    }

    private static void Write(WireWriter w, ConsumerHeartbeat m)
    {
        WriteGroupMember(w, m.BrokerName, m.ConsumerGroup, m.ClientId);
        w.WriteVarInt((int)m.MessageModel);
        WriteSubscriptions(w, m.Subscriptions);
    }

    private static ConsumerHeartbeat ReadConsumerHeartbeat(ref WireReader r) => new(r.ReadRequiredString(), r.ReadRequiredString(),
        r.ReadRequiredString(), (MessageModel)r.ReadVarInt(), ReadSubscriptions(ref r));

    private static void Write(WireWriter w, ConsumerHeartbeatReply m)
    {
        WriteGroupMember(w, m.BrokerName, m.ConsumerGroup, m.ClientId);
        WriteStatus(w, m.Code, m.Error);
    }

    private static ConsumerHeartbeatReply ReadConsumerHeartbeatReply(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadCode(ref r), r.ReadString());

    private static void Write(WireWriter w, ConsumerList m)
    {
        w.WriteString(m.ConsumerGroup);
        w.WriteStrings(m.ClientIds);
        WriteStatus(w, m.Code, m.Error);
    }

    private static ConsumerList ReadConsumerList(ref WireReader r) => new(r.ReadRequiredString(), r.ReadStrings(), ReadCode(ref r), r.ReadString());

    // LockBatchMQ and UnlockBatchMQ share their layout.
    private static void WriteLockBatch(WireWriter w, string brokerName, string group, string clientId, IReadOnlyList<MessageQueue> queues)
    {
        WriteGroupMember(w, brokerName, group, clientId);
        WriteQueues(w, queues);
    }

    private static void Write(WireWriter w, LockBatchMQReply m)
    {
        w.WriteString(m.ConsumerGroup);
        w.WriteString(m.ClientId);
        WriteQueues(w, m.LockOKMQSet);
        WriteStatus(w, m.Code, m.Error);
    }

    private static LockBatchMQReply ReadLockBatchMQReply(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), ReadQueues(ref r), ReadCode(ref r), r.ReadString());

    private static void WriteQueues(WireWriter w, IReadOnlyList<MessageQueue> queues)
    {
        w.WriteLength(queues.Count);
        for (var i = 0; i < queues.Count; i++)
        {
            w.WriteString(queues[i].Topic);
            w.WriteString(queues[i].BrokerName);
            w.WriteVarInt(queues[i].QueueId);
        }
    }

    private static MessageQueue[] ReadQueues(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new MessageQueue[n];
        for (var i = 0; i < n; i++) list[i] = new MessageQueue(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt());
        return list;
    }

    // The whole consumed message goes back, with where it was stored.
    private static void Write(WireWriter w, ConsumerSendMsgBack m)
    {
        WriteGroup(w, m.BrokerName, m.ConsumerGroup);
        w.WriteVarLong(m.CorrelationId);
        w.WriteVarInt(m.DelayLevel);
        w.WriteVarInt(m.MaxReconsumeTimes);
        w.WriteString(m.Msg.Topic);
        w.WriteString(m.Msg.BrokerName);
        w.WriteVarInt(m.Msg.QueueId);
        w.WriteVarLong(m.Msg.QueueOffset);
        w.WriteString(m.Msg.Tags);
        w.WriteString(m.Msg.Keys);
        w.WriteProperties(m.Msg.Properties);
        w.WriteVarLong(m.Msg.BornTimestamp);
        w.WriteVarLong(m.Msg.StoreTimestamp);
        w.WriteBytes(m.Msg.Body);
    }

    private static ConsumerSendMsgBack ReadConsumerSendMsgBack(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var correlation = r.ReadVarLong();
        var level = r.ReadVarInt();
        var max = r.ReadVarInt();
        var topic = r.ReadRequiredString();
        var msgBroker = r.ReadRequiredString();
        var queueId = r.ReadVarInt();
        var offset = r.ReadVarLong();
        var tags = r.ReadString();
        var keys = r.ReadString();
        var props = r.ReadProperties();
        var born = r.ReadVarLong();
        var store = r.ReadVarLong();
        var body = r.ReadBytes();
        var msg = new MessageExt(topic, msgBroker, queueId, offset, tags, keys, props, body, born, store);
        return new ConsumerSendMsgBack(broker, group, correlation, msg, level, max);
    }

    private static void Write(WireWriter w, ScheduleMessages m)
    {
        w.WriteString(m.BrokerName);
        w.WriteLength(m.Entries.Count);
        for (var i = 0; i < m.Entries.Count; i++)
        {
            w.WriteVarLong(m.Entries[i].DeliverAt);
            WriteSendEntry(w, m.Entries[i].Entry, writeTopic: true);
        }
    }

    private static ScheduleMessages ReadScheduleMessages(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var n = r.ReadLength();
        var entries = new ScheduledEntry[n];
        for (var i = 0; i < n; i++)
        {
            var at = r.ReadVarLong();
            entries[i] = new ScheduledEntry(at, ReadSendEntry(ref r, null));
        }
        return new ScheduleMessages(broker, entries);
    }
}
