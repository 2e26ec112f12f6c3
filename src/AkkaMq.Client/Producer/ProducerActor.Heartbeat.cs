using System.Reflection;
using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Client;

// Producer heartbeats (RocketMQ's HEART_BEAT with producerDataSet): every broker group this producer sends to knows it
// under its producer group, for producerConnection; it leaves on shutdown, or when heartbeats stop for the broker's
// channelExpiredTimeout. A transaction producer's sends do not heartbeat: its TransactionCheckActor does, as the
// check-back target, so each producer has one heartbeat.
public sealed partial class ProducerActor
{
    private sealed class HeartbeatTick : INoSerializationVerificationNeeded
    {
        public static readonly HeartbeatTick Instance = new();
    }

    private static readonly string ClientVersion =
        typeof(ProducerActor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static int _instanceCounter;
    private string? _clientId;
    private ClientChannel? _channel;

    /// <summary>host@pid#n, as the push consumer names itself.</summary>
    private string ClientId => _clientId ??= $"{((ExtendedActorSystem)Context.System).Provider.DefaultAddress.Host ?? "127.0.0.1"}@{Environment.ProcessId}#p{Interlocked.Increment(ref _instanceCounter)}";

    private ClientChannel Channel => _channel ??= ChannelOf(Context.System);

    /// <summary>How a producer in this system is connected: its remoting address (none when local), DOTNET, the client's version.</summary>
    internal static ClientChannel ChannelOf(ActorSystem system)
    {
        var a = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        return new ClientChannel(a.Host != null && a.Port != null ? $"{a.Host}:{a.Port}" : null, "DOTNET", ClientVersion);
    }

    private readonly HashSet<string> _heartbeatRefusedBy = new();

    private void ReceiveHeartbeats()
    {
        Receive<HeartbeatTick>(_ =>
        {
            if (!_p.SendsHeartbeats) return;
            foreach (var conn in _brokers.Values)
                if (GatewayOf(conn) is { } gw) HeartbeatTo(gw, conn.BrokerName);
        });
        Receive<ProducerHeartbeatReply>(m =>
        {
            // Once per broker: a refusal repeats every heartbeat interval until an admin grants the right.
            if (m.Code != ResponseCode.Success && _heartbeatRefusedBy.Add(m.BrokerName))
                _log.Warning("Broker {0} refused the heartbeat of producer group {1}: {2}", m.BrokerName, m.ProducerGroup, m.Error);
            else if (m.Code == ResponseCode.Success) _heartbeatRefusedBy.Remove(m.BrokerName);
        });
    }

    private void HeartbeatTo(IActorRef gateway, string brokerName)
    {
        if (_p.SendsHeartbeats) gateway.Tell(new ProducerHeartbeat(brokerName, _p.Group, ClientId, Channel), Self);
    }

    /// <summary>The broker gateway itself: behind a data channel, the gateway that named it.</summary>
    private static IActorRef? GatewayOf(BrokerConnection<PendingSend> conn) =>
        conn.RemoteGateway ?? (conn.State == BrokerConnectionState.Remote ? conn.Gateway : null);

    private void UnregisterFromBrokers()
    {
        if (_clientId == null) return;
        foreach (var conn in _brokers.Values)
            GatewayOf(conn)?.Tell(new UnregisterProducer(conn.BrokerName, _p.Group, _clientId), ActorRefs.NoSender);
    }
}
