using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Protocol.Serialization;

// Client connections (manifests "CK.."): producer heartbeats and producerConnection, POP consumers' heartbeats; and
// consumerConnection's reply with client channels ("ACC2", read beside the frozen "ACC").
public sealed partial class AkkaMqSerializer
{
    private const string ProducerHeartbeatManifest = "CKH";
    private const string ProducerHeartbeatReplyManifest = "CKR";
    private const string UnregisterProducerManifest = "CKU";
    private const string GetProducerConnectionManifest = "CKG";
    private const string ProducerConnectionInfoManifest = "CKC";
    private const string PopConsumerHeartbeatManifest = "CKP";
    private const string ConsumerConnectionInfoV2Manifest = "ACC2";

    private static string? ClientsManifest(object o) => o switch
    {
        ProducerHeartbeat => ProducerHeartbeatManifest,
        ProducerHeartbeatReply => ProducerHeartbeatReplyManifest,
        UnregisterProducer => UnregisterProducerManifest,
        GetProducerConnection => GetProducerConnectionManifest,
        ProducerConnectionInfo => ProducerConnectionInfoManifest,
        PopConsumerHeartbeat => PopConsumerHeartbeatManifest,
        _ => null,
    };

    /// <summary>"ACC2" when an entry carries what "ACC" cannot (a channel or POP); otherwise the frozen "ACC" bytes.</summary>
    private static bool NeedsV2(ConsumerConnectionInfo m)
    {
        foreach (var c in m.Connections)
            if (c.Channel != null || c.Pop) return true;
        return false;
    }

    private static bool WriteClients(WireWriter w, object o)
    {
        switch (o)
        {
            case ProducerHeartbeat m:
                WriteGroupMember(w, m.BrokerName, m.ProducerGroup, m.ClientId);
                Write(w, m.Channel);
                return true;
            case ProducerHeartbeatReply m:
                WriteGroupMember(w, m.BrokerName, m.ProducerGroup, m.ClientId);
                WriteStatus(w, m.Code, m.Error);
                return true;
            case UnregisterProducer m: WriteGroupMember(w, m.BrokerName, m.ProducerGroup, m.ClientId); return true;
            case GetProducerConnection m: WriteGroup(w, m.BrokerName, m.ProducerGroup); return true;
            case ProducerConnectionInfo m:
                WriteGroup(w, m.BrokerName, m.ProducerGroup);
                w.WriteLength(m.Connections.Count);
                foreach (var c in m.Connections)
                {
                    w.WriteString(c.ClientId);
                    Write(w, c.Channel);
                    w.WriteVarLong(c.LastHeartbeat);
                }
                WriteStatus(w, m.Code, m.Error);
                return true;
            case PopConsumerHeartbeat m:
                WriteGroupMember(w, m.BrokerName, m.ConsumerGroup, m.ClientId);
                Write(w, m.Channel);
                WriteSubscriptions(w, m.Subscriptions);
                return true;
            default: return false;
        }
    }

    private static object? ReadClients(string manifest, ref WireReader r) => manifest switch
    {
        ProducerHeartbeatManifest => new ProducerHeartbeat(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadChannel(ref r)),
        ProducerHeartbeatReplyManifest => new ProducerHeartbeatReply(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
            ReadCode(ref r), r.ReadString()),
        UnregisterProducerManifest => new UnregisterProducer(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString()),
        GetProducerConnectionManifest => new GetProducerConnection(r.ReadRequiredString(), r.ReadRequiredString()),
        ProducerConnectionInfoManifest => ReadProducerConnectionInfo(ref r),
        PopConsumerHeartbeatManifest => new PopConsumerHeartbeat(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
            ReadChannel(ref r), ReadSubscriptions(ref r)),
        ConsumerConnectionInfoV2Manifest => ReadConsumerConnectionInfoV2(ref r),
        _ => null,
    };

    private static void Write(WireWriter w, ClientChannel c)
    {
        w.WriteString(c.Address);
        w.WriteString(c.Language);
        w.WriteString(c.Version);
    }

    private static ClientChannel ReadChannel(ref WireReader r) => new(r.ReadString(), r.ReadRequiredString(), r.ReadRequiredString());

    private static ProducerConnectionInfo ReadProducerConnectionInfo(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var n = r.ReadLength();
        var list = new ProducerConnectionEntry[n];
        for (var i = 0; i < n; i++) list[i] = new ProducerConnectionEntry(r.ReadRequiredString(), ReadChannel(ref r), r.ReadVarLong());
        return new ProducerConnectionInfo(broker, group, list, ReadCode(ref r), r.ReadString());
    }

    // "ACC"'s layout with, after each entry, whether it has a channel, the channel, and its POP flag.
    private static void WriteV2(WireWriter w, ConsumerConnectionInfo m)
    {
        WriteGroup(w, m.BrokerName, m.ConsumerGroup);
        w.WriteLength(m.Connections.Count);
        foreach (var c in m.Connections)
        {
            w.WriteString(c.ClientId);
            w.WriteString(c.Address);
            w.WriteVarInt((int)c.MessageModel);
            WriteSubscriptions(w, c.Subscriptions);
            w.WriteVarLong(c.LastHeartbeat);
            w.WriteBool(c.Channel != null);
            if (c.Channel != null) Write(w, c.Channel);
            w.WriteBool(c.Pop);
        }
        WriteStatus(w, m.Code, m.Error);
    }

    private static ConsumerConnectionInfo ReadConsumerConnectionInfoV2(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var n = r.ReadLength();
        var list = new ConsumerConnectionEntry[n];
        for (var i = 0; i < n; i++)
        {
            var entry = new ConsumerConnectionEntry(r.ReadRequiredString(), r.ReadString(), (MessageModel)r.ReadVarInt(), ReadSubscriptions(ref r), r.ReadVarLong());
            var channel = r.ReadBool() ? ReadChannel(ref r) : null;
            list[i] = entry with { Channel = channel, Pop = r.ReadBool() };
        }
        return new ConsumerConnectionInfo(broker, group, list, ReadCode(ref r), r.ReadString());
    }
}
