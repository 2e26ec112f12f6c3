using System.Net;
using System.Net.Sockets;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Route;

/// <summary>
/// A topic's route as RocketMQ 5 clients read it: per broker group, queues 0..max(read, write)-1 with their
/// permission, the gRPC endpoint of the group's serving node, and the message types the topic accepts. Groups
/// whose serving node has no gRPC endpoint are left out; the clients select on the queue id, so ids start at 0.
/// </summary>
public static class QueueRoutes
{
    private static readonly V2.MessageType[] AllTypes =
        { V2.MessageType.Normal, V2.MessageType.Fifo, V2.MessageType.Delay, V2.MessageType.Transaction };

    public static List<V2.MessageQueue> Build(V2.Resource topic, TopicRouteData route)
    {
        var queues = new List<V2.MessageQueue>();
        foreach (var q in route.QueueDatas)
        {
            var broker = route.BrokerDatas.FirstOrDefault(b => b.BrokerName == q.BrokerName);
            if (broker?.SelectGrpcEndpoint() is not { } endpoint || ParseEndpoint(endpoint) is not { } endpoints) continue;
            var v2Broker = new V2.Broker { Name = q.BrokerName, Id = (int)BrokerIdentity.MasterId, Endpoints = endpoints };
            var types = AcceptMessageTypes(q.Attributes);
            var count = Math.Max(q.ReadQueueNums, q.WriteQueueNums);
            for (var id = 0; id < count; id++)
            {
                var mq = new V2.MessageQueue
                {
                    Topic = topic.Clone(),
                    Id = id,
                    Permission = Permission(Perm.IsReadable(q.Perm) && id < q.ReadQueueNums, Perm.IsWriteable(q.Perm) && id < q.WriteQueueNums),
                    Broker = v2Broker,
                };
                mq.AcceptMessageTypes.AddRange(types);
                queues.Add(mq);
            }
        }
        return queues;
    }

    /// <summary>The topic's message.type attribute as the one type it accepts; absent or unknown: every type.</summary>
    public static IReadOnlyList<V2.MessageType> AcceptMessageTypes(IReadOnlyDictionary<string, string> attributes) =>
        MessageTypeOf(attributes) is { } type ? new[] { type } : AllTypes;

    public static V2.MessageType? MessageTypeOf(IReadOnlyDictionary<string, string> attributes) =>
        attributes.TryGetValue(TopicAttributes.MessageType, out var text) ? text.Trim().ToUpperInvariant() switch
        {
            "NORMAL" => V2.MessageType.Normal,
            "FIFO" => V2.MessageType.Fifo,
            "DELAY" => V2.MessageType.Delay,
            "TRANSACTION" => V2.MessageType.Transaction,
            _ => null,
        } : null;

    internal static V2.Permission Permission(bool read, bool write) => (read, write) switch
    {
        (true, true) => V2.Permission.ReadWrite,
        (true, false) => V2.Permission.Read,
        (false, true) => V2.Permission.Write,
        _ => V2.Permission.None,
    };

    /// <summary>"host:port" as v2 Endpoints (IPv4, IPv6 or a domain name); null when it does not parse.</summary>
    public static V2.Endpoints? ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out var port)) return null;
        var host = endpoint[..colon].Trim('[', ']');
        var scheme = IPAddress.TryParse(host, out var ip)
            ? ip.AddressFamily == AddressFamily.InterNetworkV6 ? V2.AddressScheme.Ipv6 : V2.AddressScheme.Ipv4
            : V2.AddressScheme.DomainName;
        var result = new V2.Endpoints { Scheme = scheme };
        result.Addresses.Add(new V2.Address { Host = host, Port = port });
        return result;
    }
}
