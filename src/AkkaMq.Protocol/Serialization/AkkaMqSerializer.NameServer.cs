using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Protocol.Serialization;

// NameServer wire messages (manifests "N.."): broker registration, routes, topic creation, cluster info.
public sealed partial class AkkaMqSerializer
{
    private const string RegisterBrokerManifest = "NRB";
    private const string RegisterBrokerReplyManifest = "NRR";
    private const string UnregisterBrokerManifest = "NUB";
    private const string GetRouteInfoManifest = "NGR";
    private const string RouteInfoReplyManifest = "NRI";
    private const string CreateTopicManifest = "NCT";
    private const string CreateTopicReplyManifest = "NCR";
    private const string GetBrokerClusterInfoManifest = "NGC";
    private const string BrokerClusterInfoManifest = "NCI";
    private const string RequestBrokerRegistrationManifest = "NRQ";
    // Registration, route and creation whose topic configs (queue datas) carry attributes; written only when some do.
    private const string RegisterBrokerV2Manifest = "NRB2";
    private const string RouteInfoReplyV2Manifest = "NRI2";
    private const string CreateTopicV2Manifest = "NCT2";
    // Registration and route that also carry gRPC endpoints (AkkaMq.Proxy); written only when some are set.
    private const string RegisterBrokerV3Manifest = "NRB3";
    private const string RouteInfoReplyV3Manifest = "NRI3";

    private static string? NameServerManifest(object o) => o switch
    {
        RegisterBroker m => m.GrpcEndpoint != null ? RegisterBrokerV3Manifest
            : HasAttributes(m.Topics) ? RegisterBrokerV2Manifest : RegisterBrokerManifest,
        RegisterBrokerReply => RegisterBrokerReplyManifest,
        UnregisterBroker => UnregisterBrokerManifest,
        GetRouteInfo => GetRouteInfoManifest,
        RouteInfoReply m => HasGrpcEndpoints(m.Route) ? RouteInfoReplyV3Manifest
            : HasAttributes(m.Route) ? RouteInfoReplyV2Manifest : RouteInfoReplyManifest,
        CreateTopic m => HasAttributes(m.Config) ? CreateTopicV2Manifest : CreateTopicManifest,
        CreateTopicReply => CreateTopicReplyManifest,
        GetBrokerClusterInfo => GetBrokerClusterInfoManifest,
        BrokerClusterInfo => BrokerClusterInfoManifest,
        RequestBrokerRegistration => RequestBrokerRegistrationManifest,
        _ => null,
    };

    private static bool WriteNameServer(WireWriter w, object o)
    {
        switch (o)
        {
            case RegisterBroker m: Write(w, m); return true;
            case RegisterBrokerReply m: WriteStatus(w, m.Code, m.Error); return true;
            case UnregisterBroker m: Write(w, m); return true;
            case GetRouteInfo m: Write(w, m); return true;
            case RouteInfoReply m: Write(w, m); return true;
            case CreateTopic m: Write(w, m); return true;
            case CreateTopicReply m: WriteTopicReply(w, m.Topic, m.Code, m.Error, m.Brokers); return true;
            case GetBrokerClusterInfo or RequestBrokerRegistration: return true; // no fields
            case BrokerClusterInfo m: Write(w, m); return true;
            default: return false;
        }
    }

    private static object? ReadNameServer(string manifest, ref WireReader r) => manifest switch
    {
        RegisterBrokerManifest => ReadRegisterBroker(ref r, false),
        RegisterBrokerV2Manifest => ReadRegisterBroker(ref r, true),
        RegisterBrokerV3Manifest => ReadRegisterBroker(ref r, true) with { GrpcEndpoint = r.ReadRequiredString() },
        RegisterBrokerReplyManifest => new RegisterBrokerReply(ReadCode(ref r), r.ReadString()),
        UnregisterBrokerManifest => ReadUnregisterBroker(ref r),
        GetRouteInfoManifest => ReadGetRouteInfo(ref r),
        RouteInfoReplyManifest => ReadRouteInfoReply(ref r, false),
        RouteInfoReplyV2Manifest => ReadRouteInfoReply(ref r, true),
        RouteInfoReplyV3Manifest => ReadRouteInfoReply(ref r, true, withGrpc: true),
        CreateTopicManifest => ReadCreateTopic(ref r, false),
        CreateTopicV2Manifest => ReadCreateTopic(ref r, true),
        CreateTopicReplyManifest => new CreateTopicReply(r.ReadRequiredString(), ReadCode(ref r), r.ReadString(), r.ReadStrings()),
        GetBrokerClusterInfoManifest => GetBrokerClusterInfo.Instance,
        BrokerClusterInfoManifest => ReadBrokerClusterInfo(ref r),
        RequestBrokerRegistrationManifest => RequestBrokerRegistration.Instance,
        _ => null,
    };

    private static void Write(WireWriter w, RegisterBroker m)
    {
        WriteBrokerIdentity(w, m.Broker);
        // NRB3 is NRB2 (attributes always) plus the endpoint.
        WriteTopicConfigs(w, m.Topics, m.GrpcEndpoint != null || HasAttributes(m.Topics));
        w.WriteBool(m.AutoCreateTopicEnable);
        w.WriteVarInt(m.DefaultTopicQueueNums);
        if (m.GrpcEndpoint != null) w.WriteString(m.GrpcEndpoint);
    }

    private static RegisterBroker ReadRegisterBroker(ref WireReader r, bool withAttributes) =>
        new(ReadBrokerIdentity(ref r), ReadTopicConfigs(ref r, withAttributes), r.ReadBool(), r.ReadVarInt());

    private static void Write(WireWriter w, UnregisterBroker m)
    {
        w.WriteString(m.ClusterName);
        w.WriteString(m.BrokerName);
        w.WriteVarLong(m.BrokerId);
    }

    private static UnregisterBroker ReadUnregisterBroker(ref WireReader r) => new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarLong());

    private static void Write(WireWriter w, GetRouteInfo m)
    {
        w.WriteString(m.Topic);
        w.WriteBool(m.AllowAutoCreate);
    }

    private static GetRouteInfo ReadGetRouteInfo(ref WireReader r) => new(r.ReadRequiredString(), r.ReadBool());

    private static void Write(WireWriter w, RouteInfoReply m)
    {
        w.WriteString(m.Topic);
        WriteStatus(w, m.Code, m.Error);
        w.WriteBool(m.Route != null);
        if (m.Route == null) return;
        var queues = m.Route.QueueDatas;
        var withGrpc = HasGrpcEndpoints(m.Route);
        var withAttributes = withGrpc || HasAttributes(m.Route);
        w.WriteLength(queues.Count);
        for (var i = 0; i < queues.Count; i++)
        {
            w.WriteString(queues[i].BrokerName);
            w.WriteVarInt(queues[i].ReadQueueNums);
            w.WriteVarInt(queues[i].WriteQueueNums);
            w.WriteVarInt(queues[i].Perm);
            if (withAttributes) w.WriteProperties(queues[i].Attributes);
        }
        var brokers = m.Route.BrokerDatas;
        w.WriteLength(brokers.Count);
        for (var i = 0; i < brokers.Count; i++)
        {
            w.WriteString(brokers[i].Cluster);
            w.WriteString(brokers[i].BrokerName);
            w.WriteLength(brokers[i].BrokerAddrs.Count);
            foreach (var kv in brokers[i].BrokerAddrs)
            {
                w.WriteVarLong(kv.Key);
                w.WriteString(kv.Value);
            }
            if (!withGrpc) continue;
            w.WriteLength(brokers[i].GrpcEndpoints.Count);
            foreach (var kv in brokers[i].GrpcEndpoints)
            {
                w.WriteVarLong(kv.Key);
                w.WriteString(kv.Value);
            }
        }
    }

    private static RouteInfoReply ReadRouteInfoReply(ref WireReader r, bool withAttributes, bool withGrpc = false)
    {
        var topic = r.ReadRequiredString();
        var code = ReadCode(ref r);
        var error = r.ReadString();
        if (!r.ReadBool()) return new RouteInfoReply(topic, code, error, null);
        var nq = r.ReadLength();
        var queues = new QueueData[nq];
        for (var i = 0; i < nq; i++)
        {
            queues[i] = new QueueData(r.ReadRequiredString(), r.ReadVarInt(), r.ReadVarInt(), r.ReadVarInt());
            if (withAttributes) queues[i] = queues[i] with { Attributes = r.ReadProperties() };
        }
        var nb = r.ReadLength();
        var brokers = new BrokerData[nb];
        for (var i = 0; i < nb; i++)
        {
            var cluster = r.ReadRequiredString();
            var name = r.ReadRequiredString();
            var na = r.ReadLength();
            var addrs = new Dictionary<long, string>(na);
            for (var j = 0; j < na; j++) addrs[r.ReadVarLong()] = r.ReadRequiredString();
            brokers[i] = new BrokerData(cluster, name, addrs);
            if (!withGrpc) continue;
            var ng = r.ReadLength();
            var endpoints = new Dictionary<long, string>(ng);
            for (var j = 0; j < ng; j++) endpoints[r.ReadVarLong()] = r.ReadRequiredString();
            brokers[i] = brokers[i] with { GrpcEndpoints = endpoints };
        }
        return new RouteInfoReply(topic, code, error, new TopicRouteData(queues, brokers));
    }

    // Cluster and broker name are optional targets (both null: every registered master).
    private static void Write(WireWriter w, CreateTopic m)
    {
        WriteTopicConfig(w, m.Config, HasAttributes(m.Config));
        w.WriteString(m.ClusterName);
        w.WriteString(m.BrokerName);
    }

    private static CreateTopic ReadCreateTopic(ref WireReader r, bool withAttributes) =>
        new(ReadTopicConfig(ref r, withAttributes), r.ReadString(), r.ReadString());

    private static bool HasGrpcEndpoints(TopicRouteData? route)
    {
        if (route == null) return false;
        for (var i = 0; i < route.BrokerDatas.Count; i++)
            if (route.BrokerDatas[i].GrpcEndpoints.Count > 0) return true;
        return false;
    }

    private static bool HasAttributes(TopicRouteData? route)
    {
        if (route == null) return false;
        for (var i = 0; i < route.QueueDatas.Count; i++)
            if (route.QueueDatas[i].Attributes.Count > 0) return true;
        return false;
    }

    // CreateTopicReply and the admin DeleteTopicReply: the topic, the outcome, the brokers it reached.
    private static void WriteTopicReply(WireWriter w, string topic, ResponseCode code, string? error, IReadOnlyList<string> brokers)
    {
        w.WriteString(topic);
        WriteStatus(w, code, error);
        w.WriteStrings(brokers);
    }

    private static void Write(WireWriter w, BrokerClusterInfo m)
    {
        w.WriteLength(m.Brokers.Count);
        for (var i = 0; i < m.Brokers.Count; i++)
        {
            WriteBrokerIdentity(w, m.Brokers[i].Broker);
            w.WriteVarLong(m.Brokers[i].LastUpdateTimestamp);
            w.WriteVarInt(m.Brokers[i].TopicCount);
        }
    }

    private static BrokerClusterInfo ReadBrokerClusterInfo(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new BrokerRegistrationInfo[n];
        for (var i = 0; i < n; i++)
            list[i] = new BrokerRegistrationInfo(ReadBrokerIdentity(ref r), r.ReadVarLong(), r.ReadVarInt());
        return new BrokerClusterInfo(list);
    }
}
