using Akka.Actor;

namespace AkkaMq.NameServer;

/// <summary>
/// A stable actor path (/user/namesrv) on every nameserver node for clients outside the cluster.
/// It forwards to the singleton proxy, which buffers while the singleton moves, and keeps the
/// original sender so the answer goes straight back to the client.
/// </summary>
public sealed class NameServerGateway : ReceiveActor
{
    public const string Name = "namesrv";

    public static Props Props(IActorRef singletonProxy) => Akka.Actor.Props.Create(() => new NameServerGateway(singletonProxy));

    public NameServerGateway(IActorRef singletonProxy)
    {
        ReceiveAny(m => singletonProxy.Forward(m));
    }
}
