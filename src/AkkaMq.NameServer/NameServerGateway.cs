using Akka.Actor;
using Akka.Event;
using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.NameServer;

/// <summary>
/// A stable actor path (/user/namesrv) on every nameserver node for clients outside the cluster.
/// It forwards to the singleton proxy, which buffers while the singleton moves, and keeps the
/// original sender so the answer goes straight back to the client. With auth on, client requests
/// pass the <see cref="RequestGuard"/> first; user and ACL administration goes to this node's
/// <see cref="AuthService"/>.
/// </summary>
public sealed class NameServerGateway : ReceiveActor
{
    public const string Name = "namesrv";

    private readonly RequestGuard _guard = AuthExtension.For(Context.System).Guard;

    public static Props Props(IActorRef singletonProxy) => Akka.Actor.Props.Create(() => new NameServerGateway(singletonProxy));

    public NameServerGateway(IActorRef singletonProxy)
    {
        var auth = Context.System.ActorSelection("/user/" + AuthService.Name);
        Receive<IAuthAdminRequest>(m => auth.Tell(_guard.Admit(m), Sender));
        ReceiveAny(m => singletonProxy.Forward(m));
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        var result = _guard.Check(message, Sender);
        if (!result.Refused) return base.AroundReceive(receive, result.Message);
        Context.GetLogger().Warning("NameServer refused {0} from {1}: {2}", result.Message.GetType().Name, Sender.Path.Address, result.Error);
        if (!Sender.IsNobody()) Sender.Tell(RequestGuard.RefusalFor(result.Message, result.Code, result.Error!));
        return true;
    }
}
