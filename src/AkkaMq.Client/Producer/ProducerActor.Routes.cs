using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client;

/// <summary>The producer's route queries: one per topic at a time, to the client instance's current NameServer.</summary>
public sealed partial class ProducerActor
{
    private sealed class RefreshRoutes : INoSerializationVerificationNeeded
    {
        public static readonly RefreshRoutes Instance = new();
    }

    private sealed record RouteRequestTimedOut(string Topic, int Attempt, int NameServer) : INoSerializationVerificationNeeded;

    private void RequestAllRoutes()
    {
        // RequestRoute does not touch _routes, so no copy of the keys is needed.
        foreach (var topic in _routes.Keys) RequestRoute(topic);
    }

    private void RequestRoute(string topic)
    {
        if (_routeRequests.ContainsKey(topic)) return;
        AskRoute(topic, 0, _client.CurrentNameServer);
    }

    private void AskRoute(string topic, int attempt, int nameServer)
    {
        _routeRequests[topic] = attempt;
        _client.NameServer(nameServer, _settings).Tell(new GetRouteInfo(topic, AllowAutoCreate: true));
        Timers.StartSingleTimer("route-" + topic, new RouteRequestTimedOut(topic, attempt, nameServer), _settings.RequestTimeout);
    }

    private void OnRouteTimeout(RouteRequestTimedOut m)
    {
        if (!_routeRequests.TryGetValue(m.Topic, out var attempt) || attempt != m.Attempt) return;
        // Try the next NameServer; pending sends still end by their own deadlines.
        var next = _client.NameServerTimedOut(m.NameServer);
        _routeRequests.Remove(m.Topic);
        _log.Warning("NameServer did not answer the route query for {0} within {1}; trying {2}", m.Topic, _settings.RequestTimeout,
            _client.NameServerName(next));
        if (_awaitingRoute.TryGetValue(m.Topic, out var waiting) && waiting.Count > 0) AskRoute(m.Topic, attempt + 1, next);
    }

    private void OnRoute(RouteInfoReply m)
    {
        _routeRequests.Remove(m.Topic);
        Timers.Cancel("route-" + m.Topic);
        _awaitingRoute.Remove(m.Topic, out var waiting);
        if (m.Code != ResponseCode.Success || m.Route == null)
        {
            // Keep a cached route on a failed refresh (e.g. a NameServer that just took over).
            if (waiting == null) return;
            foreach (var p in waiting)
                Finish(p, null, new AkkaMqException(m.Code, m.Error ?? $"no route for topic '{m.Topic}'"));
            return;
        }
        _client.CacheRoute(m.Topic, m.Route);
        _routes.TryGetValue(m.Topic, out var old);
        var info = TopicPublishInfo.FromRoute(m.Topic, m.Route, old, Random.Shared);
        _routes[m.Topic] = info;
        var now = Now;
        foreach (var b in m.Route.BrokerDatas)
        {
            var address = b.SelectAddress();
            if (address == null || !_brokers.TryGetValue(b.BrokerName, out var conn)) continue;
            conn.Addresses = BrokerConnection<PendingSend>.AddressesOf(b);
            if (conn.Address == address) continue;
            // Still listed but failed a moment ago: stay on the node that answers until the route drops it.
            if (_faults.HasNodeFailed(address, now) && conn.Addresses.Contains(conn.Address)) continue;
            // The group is now served from another node (failover): reconnect there.
            _log.Info("Broker {0} moved from {1} to {2}", b.BrokerName, conn.Address, address);
            DropGateway(conn, graceful: true);
            conn.MoveTo(address);
            FlushBroker(conn);
        }
        // Dispatch may add a connection (a broker first used now), so iterate over a copy.
        foreach (var conn in _brokers.Values.ToList())
        {
            // A group that left this topic's route (its node died): send its queued messages elsewhere.
            if (!info.ListsBroker(conn.BrokerName) && conn.Outbox.Any(p => p.Request.Message.Topic == m.Topic)) RouteAround(conn);
        }
        if (waiting != null)
            foreach (var p in waiting)
                if (!p.Finished) Dispatch(p);
    }
}
