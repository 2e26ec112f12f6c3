using Akka.Actor;
using Akka.Event;
using AkkaMq.Auth;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker;

/// <summary>
/// Authentication and ACLs in front of every message the gateway handles (<see cref="RequestGuard"/>):
/// a signed request is verified and unwrapped, an unsigned client request from outside the cluster is
/// refused with UNAUTHORIZED, a request the ACLs do not allow with FORBIDDEN, each in the request's own reply.
/// </summary>
public sealed partial class BrokerGateway
{
    private RequestGuard? _guard;

    private RequestGuard Guard => _guard ??= AuthExtension.For(Context.System).Guard;

    protected override bool AroundReceive(Receive receive, object message)
    {
        var result = Guard.Check(message, Sender);
        if (!result.Refused) return base.AroundReceive(receive, result.Message);
        RefuseAccess(result);
        return true;
    }

    private void RefuseAccess(GuardResult r)
    {
        _log.Warning("Broker {0} refused {1} from {2}: {3}", BrokerName, r.Message.GetType().Name, Sender.Path.Address, r.Error);
        if (r.Message is IBrokerRequest request) Reply(request, Sender, r.Code, r.Error!);
        else if (!Sender.IsNobody()) Sender.Tell(RequestGuard.RefusalFor(r.Message, r.Code, r.Error!));
    }
}
