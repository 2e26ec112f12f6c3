using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Remoting;
using DataChannelEndpoint = AkkaMq.Protocol.Auth.DataChannelEndpoint;

namespace AkkaMq.Client;

/// <summary>
/// The producer's broker links: finding a group's gateway (Identify), its data channel, and
/// failing over when a node does not answer or dies.
/// </summary>
public sealed partial class ProducerActor
{
    private sealed record Reresolve(string BrokerName) : INoSerializationVerificationNeeded;

    private sealed record IdentifyTimedOut(string BrokerName, string Address) : INoSerializationVerificationNeeded;

    private sealed class DetectIsolated : INoSerializationVerificationNeeded
    {
        public static readonly DetectIsolated Instance = new();
    }

    private const string DetectPrefix = "detect|";

    /// <summary>Probes each broker isolated after a failed send at the node its connection now points to.</summary>
    private void DetectIsolatedBrokers()
    {
        foreach (var brokerName in _faults.IsolatedBrokers(Now))
            if (_brokers.TryGetValue(brokerName, out var conn))
                Context.ActorSelection(_settings.BrokerPath(conn.Address)).Tell(new Identify(DetectPrefix + brokerName));
    }

    private void Identify(BrokerConnection<PendingSend> conn)
    {
        conn.Identifying();
        Context.ActorSelection(_settings.BrokerPath(conn.Address)).Tell(new Identify(conn.BrokerName + "|" + conn.Address));
        Timers.StartSingleTimer("identify-" + conn.BrokerName, new IdentifyTimedOut(conn.BrokerName, conn.Address), _settings.RequestTimeout);
    }

    private void OnIdentifyTimedOut(IdentifyTimedOut m)
    {
        // A dead node does not answer Identify at all.
        if (!_brokers.TryGetValue(m.BrokerName, out var conn) || conn.Address != m.Address || !conn.IsResolving) return;
        conn.IdentifyFailed();
        _log.Warning("Broker {0} at {1} did not answer within {2}; sending around it", m.BrokerName, m.Address, _settings.RequestTimeout);
        RouteAround(conn);
        RequestAllRoutes();
        if (SwitchToAnotherNode(conn) && conn.Outbox.Count > 0) FlushBroker(conn);
    }

    private void OnReresolve(Reresolve m)
    {
        if (_brokers.TryGetValue(m.BrokerName, out var conn) && conn.State == BrokerConnectionState.Unresolved && conn.Outbox.Count > 0)
            FlushBroker(conn);
    }

    private void OnIdentity(ActorIdentity m)
    {
        if (m.MessageId is not string key) return;
        if (key.StartsWith(DetectPrefix, StringComparison.Ordinal))
        {
            var detected = key[DetectPrefix.Length..];
            if (m.Subject != null && _faults.Reachable(detected))
                _log.Info("Broker {0} answers again at {1}; new sends may use it", detected, m.Subject.Path.Address);
            return;
        }
        var sep = key.IndexOf('|');
        var brokerName = key[..sep];
        var address = key[(sep + 1)..];
        if (!_brokers.TryGetValue(brokerName, out var conn) || conn.Address != address) return;
        if (m.Subject == null)
        {
            if (conn.Gateway == null) conn.IdentifyFailed();
            _log.Warning("No broker gateway answered at {0} for broker {1}", address, brokerName);
            Timers.Cancel("identify-" + brokerName);
            RouteAround(conn);
            SwitchToAnotherNode(conn);
            // Keep the outbox and ask again shortly; a route refresh may point elsewhere, and deadlines bound the wait.
            RequestAllRoutes();
            Timers.StartSingleTimer("reresolve-" + brokerName, new Reresolve(brokerName), TimeSpan.FromMilliseconds(500));
            return;
        }
        if (conn.Gateway != null) return; // answered twice (a second Identify): the first one stands
        HeartbeatTo(m.Subject, brokerName);
        if (_client.UseDataChannel(_settings, address))
        {
            // Still resolving (the identify timer runs on) until the gateway names its data channel.
            conn.AwaitDataChannel(m.Subject);
            m.Subject.Tell(new GetDataChannel(brokerName));
            return;
        }
        Timers.Cancel("identify-" + brokerName);
        conn.UseGateway(m.Subject);
        Context.Watch(m.Subject);
        FlushBroker(conn);
    }

    private void OnDataChannel(DataChannelEndpoint m)
    {
        if (!_brokers.TryGetValue(m.BrokerName, out var conn) || conn.State != BrokerConnectionState.AwaitingDataChannel
            || !Sender.Equals(conn.RemoteGateway)) return;
        Timers.Cancel("identify-" + m.BrokerName);
        var remote = conn.RemoteGateway!;
        Context.Watch(remote);
        var plan = DataChannelPlan.Choose(m, _settings.ChannelSecurity);
        if (plan.Use)
            conn.ConnectDataChannel(Context.ActorOf(DataChannelClient.Props(m.Host, m.Port, _settings.MaxFrameBytes, _settings.RequestTimeout,
                tellParentOpened: true, plan, _settings.ChannelSecurity)));
        else
        {
            if (m.Port > 0) _client.DataChannelUnreachable(_log, "Sends to broker " + conn.BrokerName, conn.Address, plan.Reason!);
            conn.UseGateway(remote);
        }
        Context.Watch(conn.Gateway!);
        FlushBroker(conn);
    }

    private void OnOpened(DataChannelClient.Opened m)
    {
        foreach (var conn in _brokers.Values)
        {
            if (conn.State != BrokerConnectionState.Connecting || !m.Channel.Equals(conn.Gateway)) continue;
            conn.DataChannelOpened(m.Connection);
            FlushBroker(conn);
        }
    }

    /// <summary>
    /// Stops sending to conn's gateway. A data channel is closed: at once when its node failed, or
    /// (graceful) once the sends still in flight on it have passed their deadline.
    /// </summary>
    private void DropGateway(BrokerConnection<PendingSend> conn, bool graceful)
    {
        if (conn.Gateway is { } gateway)
        {
            Context.Unwatch(gateway);
            if (gateway.Path.Parent.Equals(Self.Path))
            {
                if (graceful) Context.System.Scheduler.ScheduleTellOnce(_p.SendMsgTimeout, gateway, PoisonPill.Instance, ActorRefs.NoSender);
                else Context.Stop(gateway);
            }
        }
        if (conn.RemoteGateway != null) Context.Unwatch(conn.RemoteGateway);
        conn.Drop();
    }

    private void OnTerminated(Terminated t)
    {
        foreach (var conn in _brokers.Values.ToList())
        {
            if (!t.ActorRef.Equals(conn.Gateway) && !t.ActorRef.Equals(conn.RemoteGateway)) continue;
            if (conn.State == BrokerConnectionState.Connecting && t.ActorRef.Equals(conn.Gateway))
            {
                // The data channel could not be opened (a firewall, say) but the gateway answered:
                // send over Akka.Remote to this node for a while instead of failing over.
                _client.DataChannelUnreachable(_log, "Sends to broker " + conn.BrokerName, conn.Address, "connection failed");
                conn.FallBackToGateway();
                FlushBroker(conn);
                continue;
            }
            if (t.ActorRef.Equals(conn.Gateway) && conn.State == BrokerConnectionState.DataChannel && conn.Outbox.Count == 0
                && !_inflight.Values.Any(p => !p.Finished && p.LastBroker == conn.BrokerName && p.BatchId != 0))
            {
                // The node closed a data channel with nothing on it (its idle-timeout): not a failure; the next send reconnects.
                _log.Debug("Data channel to broker {0} at {1} closed while idle", conn.BrokerName, conn.Address);
                DropGateway(conn, graceful: false);
                conn.ForgetBatches();
                continue;
            }
            _log.Warning("Broker {0} at {1} is gone; failing over its in-flight sends", conn.BrokerName, conn.Address);
            _faults.BrokerFailed(conn.BrokerName);
            DropGateway(conn, graceful: false);
            conn.ForgetBatches();
            SwitchToAnotherNode(conn);
            var lost = _inflight.Values.Where(p => !p.Finished && p.LastBroker == conn.BrokerName && p.BatchId != 0).OrderBy(p => p.Id).ToList();
            var queued = conn.Outbox.ToList();
            conn.Outbox.Clear();
            RequestAllRoutes();
            foreach (var p in lost)
                if (p.Request.Transactional)
                    Finish(p, null, new AkkaMqException(ResponseCode.ServiceNotAvailable,
                        $"broker '{conn.BrokerName}' at {conn.Address} became unreachable after the half message was written; it is not sent again (the check-back resolves it if it was stored)"));
            foreach (var p in lost.Concat(queued))
            {
                if (p.Finished) continue;
                p.BatchId = 0;
                if (p.Movable && p.Attempt <= _p.RetryTimesWhenSendFailed) Dispatch(p);
                else if (p.Attempt > _p.RetryTimesWhenSendFailed)
                    Finish(p, null, new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker '{conn.BrokerName}' at {conn.Address} became unreachable"));
                else conn.Outbox.Enqueue(p);
            }
            if (conn.Outbox.Count > 0) FlushBroker(conn);
        }
    }

    /// <summary>
    /// The gateway at conn.Address is gone. Another node of the same group forwards into the
    /// group's shard wherever it lives, so send there at once instead of waiting until the
    /// NameServer drops the dead node; the region holds the sends until the shard has moved.
    /// </summary>
    private bool SwitchToAnotherNode(BrokerConnection<PendingSend> conn)
    {
        _faults.NodeFailed(conn.Address);
        if (conn.NextNode(_faults) is not { } next) return false;
        _log.Info("Broker {0}: gateway at {1} is gone; sending through {2} of the same group", conn.BrokerName, conn.Address, next);
        DropGateway(conn, graceful: false);
        conn.MoveTo(next);
        return true;
    }

    /// <summary>
    /// A broker can't be reached: avoid it for a while and send what waits for it elsewhere,
    /// unless the caller fixed the queue (explicit queue or sharding key, where order matters).
    /// </summary>
    private void RouteAround(BrokerConnection<PendingSend> conn)
    {
        _faults.BrokerFailed(conn.BrokerName);
        var waiting = conn.Outbox.ToList();
        conn.Outbox.Clear();
        foreach (var p in waiting)
        {
            if (p.Finished) continue;
            if (p.Movable)
            {
                p.LastBroker = conn.BrokerName;
                Dispatch(p);
            }
            else conn.Outbox.Enqueue(p);
        }
    }
}
