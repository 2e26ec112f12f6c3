using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;

namespace AkkaMq.Client;

/// <summary>
/// The producer. Keeps topic routes from the NameServer (refreshed every pollNameServerInterval
/// and after failures), picks a queue (round-robin per batch, by sharding key, or the caller's), and packs
/// concurrent sends to one broker into one <see cref="SendMessages"/> while earlier batches are in
/// flight (auto-batching, bounded per broker). Retriable failures are sent again on another
/// queue, preferring another broker; a broker gateway that dies fails over its in-flight sends
/// at once. Every send ends by its deadline (sendMsgTimeout).
/// </summary>
public sealed class ProducerActor : ReceiveActor, IWithTimers
{
    /// <summary>Send request. Done is called exactly once (for one-way sends, when handed to the wire).</summary>
    public sealed record Send(Message Message, CommunicationMode Mode, MessageQueue? Queue, string? ShardingKey,
        Action<SendResult?, Exception?> Done) : INoSerializationVerificationNeeded;

    private sealed class PendingSend
    {
        public required Send Request;
        public required long Id;
        public required long Deadline;
        public int Attempt;
        public MessageQueue Queue;
        public string? LastBroker;
        public long BatchId;
        public bool Finished;
        public LinkedListNode<PendingSend>? DeadlineNode;
    }

    private sealed class TopicRoute
    {
        public required TopicRouteData Data;
        public required List<MessageQueue> WriteQueues;
        public int Next;
        // Sticky queue (Kafka's sticky partitioner): unkeyed sends that queue up behind in-flight
        // batches all take this queue, so the next batch to its broker holds one queue's messages
        // and becomes one journal write there instead of one per queue. Cleared when a batch goes
        // and after sticky-queue-messages sends, so that a burst still spreads over the queues.
        public MessageQueue? Sticky;
        public int StickySends;
    }

    private sealed class BrokerConnection
    {
        public required string BrokerName;
        public required string Address;
        // Every node of the group, by brokerId: any of them forwards into the group's shard.
        public List<string> Addresses = new();
        // Where batches go: the broker gateway, or a DataChannelClient child standing in for it.
        public IActorRef? Gateway;
        // The remote gateway itself while its data channel is in use: watched, so that a node the
        // cluster sees die fails over even when its TCP connection lingers.
        public IActorRef? RemoteGateway;
        // The data channel's connection once open: batches are written to it from here (no hop
        // through the DataChannelClient); until then (Connecting) they wait in the outbox.
        public FramedConnection? Direct;
        public bool Connecting;
        public bool Resolving;
        public readonly Queue<PendingSend> Outbox = new();
        public int InflightBatches;
        public readonly Dictionary<long, int> BatchRemaining = new();
    }

    private sealed class Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private sealed class RefreshRoutes : INoSerializationVerificationNeeded
    {
        public static readonly RefreshRoutes Instance = new();
    }

    private sealed record RouteRequestTimedOut(string Topic, int Attempt) : INoSerializationVerificationNeeded;

    private sealed record Reresolve(string BrokerName) : INoSerializationVerificationNeeded;

    private sealed record IdentifyTimedOut(string BrokerName, string Address) : INoSerializationVerificationNeeded;

    private readonly ClientSettings _settings;
    private readonly ProducerSettings _p;
    private readonly IReadOnlyList<Func<ActorSelection>> _nameServers;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly MessageLimits _limits;
    private readonly Dictionary<string, TopicRoute> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PendingSend>> _awaitingRoute = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _routeRequests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BrokerConnection> _brokers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, PendingSend> _inflight = new();
    // Every send's deadline is its start plus sendMsgTimeout, so start order is deadline order. A
    // finished send leaves at once: held until its deadline, every acked send (message and body
    // with it) outlived gen0 and gen1, and the producer's app paid for it in gen2 collections.
    private readonly LinkedList<PendingSend> _deadlines = new();
    // Brokers that could not be reached lately: new sends avoid them while another broker has queues.
    private readonly Dictionary<string, long> _unavailableUntil = new(StringComparer.Ordinal);
    // Node addresses whose gateway failed lately: a route still naming them (the NameServer has not
    // seen the node removed yet) does not pull the connection back there.
    private readonly Dictionary<string, long> _failedAddressUntil = new(StringComparer.Ordinal);
    private const long UnavailableMillis = 3000;
    private readonly DataChannelFallback _fallback = DataChannelFallback.For(Context.System);
    private int _nameServerIndex;
    private long _nextId;
    private long _nextBatchId;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="nameServer">Overrides namesrvAddr (tests, or apps that are cluster members).</param>
    public static Props Props(ClientSettings settings, IActorRef? nameServer = null) =>
        Akka.Actor.Props.Create(() => new ProducerActor(settings, nameServer));

    public ProducerActor(ClientSettings settings, IActorRef? nameServer)
    {
        _settings = settings;
        _p = settings.Producer;
        _limits = MessageLimits.Default with { MaxMessageSize = _p.MaxMessageSize };
        _nameServers = nameServer != null
            ? new Func<ActorSelection>[] { () => new ActorSelection(nameServer, "") }
            : settings.NamesrvAddr.Select(a => (Func<ActorSelection>)(() => Context.ActorSelection(settings.NameServerPath(a)))).ToArray();

        Receive<Send>(OnSend);
        Receive<SendAcks>(OnAcks);
        Receive<RouteInfoReply>(OnRoute);
        Receive<RouteRequestTimedOut>(OnRouteTimeout);
        Receive<ActorIdentity>(OnIdentity);
        Receive<DataChannelAddress>(OnDataChannel);
        Receive<DataChannelClient.Opened>(m =>
        {
            foreach (var conn in _brokers.Values)
            {
                if (!m.Channel.Equals(conn.Gateway)) continue;
                conn.Connecting = false;
                conn.Direct = m.Connection;
                FlushBroker(conn);
            }
        });
        Receive<Terminated>(OnTerminated);
        Receive<Tick>(_ => ExpireDeadlines());
        Receive<IdentifyTimedOut>(m =>
        {
            // A dead node does not answer Identify at all.
            if (!_brokers.TryGetValue(m.BrokerName, out var conn) || conn.Address != m.Address || !conn.Resolving) return;
            conn.Resolving = false;
            _log.Warning("Broker {0} at {1} did not answer within {2}; sending around it", m.BrokerName, m.Address, _settings.RequestTimeout);
            RouteAround(conn);
            foreach (var topic in _routes.Keys.ToList()) RequestRoute(topic);
            if (SwitchToAnotherNode(conn) && conn.Outbox.Count > 0) FlushBroker(conn);
        });
        Receive<Reresolve>(m =>
        {
            if (_brokers.TryGetValue(m.BrokerName, out var conn) && conn.Gateway == null && !conn.Resolving && conn.Outbox.Count > 0)
                FlushBroker(conn);
        });
        Receive<RefreshRoutes>(_ =>
        {
            foreach (var topic in _routes.Keys) RequestRoute(topic);
        });
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(50));
        Timers.StartPeriodicTimer("routes", RefreshRoutes.Instance, _settings.PollNameServerInterval);
    }

    protected override void PostStop()
    {
        foreach (var p in _inflight.Values.ToList())
            Finish(p, null, new AkkaMqException(ResponseCode.ServiceNotAvailable, "producer was shut down before the send completed"));
        foreach (var list in _awaitingRoute.Values)
            foreach (var p in list)
                Finish(p, null, new AkkaMqException(ResponseCode.ServiceNotAvailable, "producer was shut down before the send completed"));
    }

    private static long Now => Environment.TickCount64;

    private void OnSend(Send s)
    {
        var error = Validators.CheckMessage(s.Message, _limits);
        if (error != null)
        {
            s.Done(null, new AkkaMqException(ResponseCode.MessageIllegal, error));
            return;
        }
        var p = new PendingSend { Request = s, Id = ++_nextId, Deadline = Now + (long)_p.SendMsgTimeout.TotalMilliseconds };
        _inflight[p.Id] = p;
        p.DeadlineNode = _deadlines.AddLast(p);
        Dispatch(p);
    }

    private void Dispatch(PendingSend p)
    {
        var topic = p.Request.Message.Topic;
        if (p.Request.Queue is { } fixedQueue)
        {
            Enqueue(p, fixedQueue);
            if (!_routes.ContainsKey(topic) && !_routeRequests.ContainsKey(topic)) RequestRoute(topic);
            return;
        }
        if (!_routes.TryGetValue(topic, out var route))
        {
            if (!_awaitingRoute.TryGetValue(topic, out var list)) _awaitingRoute[topic] = list = new List<PendingSend>();
            list.Add(p);
            if (!_routeRequests.ContainsKey(topic)) RequestRoute(topic);
            return;
        }
        if (route.WriteQueues.Count == 0)
        {
            Finish(p, null, new AkkaMqException(ResponseCode.NoPermission, $"topic '{topic}' has no writable queue"));
            return;
        }
        Enqueue(p, SelectQueue(route, p));
    }

    private MessageQueue SelectQueue(TopicRoute route, PendingSend p)
    {
        var queues = route.WriteQueues;
        if (p.Request.ShardingKey is { } key)
            return queues[(int)(MessageId.Hash(key) % (uint)queues.Count)];
        // Prefer a queue of a broker that is reachable and, on a retry, not the one that failed.
        var now = Now;
        if (p.LastBroker == null && route.Sticky is { } sticky && route.StickySends < _p.StickyQueueMessages && !IsUnavailable(sticky.BrokerName, now))
        {
            route.StickySends++;
            return sticky;
        }
        for (var i = 0; i < queues.Count; i++)
        {
            var q = queues[(int)((uint)route.Next++ % (uint)queues.Count)];
            if ((p.LastBroker == null || q.BrokerName != p.LastBroker) && !IsUnavailable(q.BrokerName, now))
            {
                if (p.LastBroker == null)
                {
                    route.Sticky = q;
                    route.StickySends = 1;
                }
                return q;
            }
        }
        for (var i = 0; i < queues.Count; i++)
        {
            var q = queues[(int)((uint)route.Next++ % (uint)queues.Count)];
            if (p.LastBroker == null || q.BrokerName != p.LastBroker) return q;
        }
        return queues[(int)((uint)route.Next++ % (uint)queues.Count)];
    }

    private void Enqueue(PendingSend p, MessageQueue queue)
    {
        p.Queue = queue;
        var conn = Connection(queue.BrokerName);
        if (conn == null)
        {
            // Route not known yet for a caller-chosen queue: wait for it.
            if (!_awaitingRoute.TryGetValue(queue.Topic, out var list)) _awaitingRoute[queue.Topic] = list = new List<PendingSend>();
            list.Add(p);
            return;
        }
        conn.Outbox.Enqueue(p);
        FlushBroker(conn);
    }

    private BrokerConnection? Connection(string brokerName)
    {
        if (_brokers.TryGetValue(brokerName, out var conn)) return conn;
        foreach (var route in _routes.Values)
            foreach (var b in route.Data.BrokerDatas)
                if (b.BrokerName == brokerName && b.SelectAddress() is { } address)
                    return _brokers[brokerName] = new BrokerConnection { BrokerName = brokerName, Address = address, Addresses = AddressesOf(b) };
        return null;
    }

    private void FlushBroker(BrokerConnection conn)
    {
        if (conn.Gateway == null)
        {
            if (!conn.Resolving)
            {
                conn.Resolving = true;
                Context.ActorSelection(_settings.BrokerPath(conn.Address)).Tell(new Identify(conn.BrokerName + "|" + conn.Address));
                Timers.StartSingleTimer("identify-" + conn.BrokerName, new IdentifyTimedOut(conn.BrokerName, conn.Address), _settings.RequestTimeout);
            }
            return;
        }
        if (conn.Connecting) return;
        while (conn.Outbox.Count > 0 && conn.InflightBatches < _p.MaxInflightBatchesPerBroker)
        {
            var entries = new List<SendEntry>(Math.Min(conn.Outbox.Count, _p.MaxBatchMessages));
            var batchId = ++_nextBatchId;
            long bytes = 0;
            var awaited = 0;
            while (conn.Outbox.Count > 0 && entries.Count < _p.MaxBatchMessages)
            {
                var p = conn.Outbox.Peek();
                if (p.Finished) { conn.Outbox.Dequeue(); continue; }
                var size = p.Request.Message.Body.Length;
                if (entries.Count > 0 && bytes + size > _p.MaxBatchBytes) break;
                conn.Outbox.Dequeue();
                bytes += size;
                var oneway = p.Request.Mode == CommunicationMode.Oneway;
                entries.Add(new SendEntry(p.Id, p.Queue.QueueId, oneway, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), p.Request.Message));
                p.Attempt++;
                p.LastBroker = conn.BrokerName;
                if (oneway) Finish(p, null, null);
                else
                {
                    p.BatchId = batchId;
                    awaited++;
                }
            }
            if (entries.Count == 0) break;
            if (awaited > 0)
            {
                conn.BatchRemaining[batchId] = awaited;
                conn.InflightBatches++;
            }
            var batch = new SendMessages(conn.BrokerName, entries);
            if (conn.Direct == null) conn.Gateway.Tell(batch, Self);
            else if (!WriteDirect(conn, batch)) continue;
            // A batch left for this broker: unkeyed sends move on to the next queue (round-robin
            // per batch; per message while nothing waits).
            foreach (var route in _routes.Values)
                if (route.Sticky?.BrokerName == conn.BrokerName) route.Sticky = null;
        }
    }

    /// <summary>Writes a batch to the data channel; false (its sends failed) when it cannot be framed.</summary>
    private bool WriteDirect(BrokerConnection conn, SendMessages batch)
    {
        try
        {
            conn.Direct!.Send(batch);
            return true;
        }
        catch (InvalidOperationException e)
        {
            foreach (var entry in batch.Entries)
                if (_inflight.TryGetValue(entry.CorrelationId, out var p))
                    Finish(p, null, new AkkaMqException(ResponseCode.MessageIllegal, e.Message));
            return false;
        }
    }

    private void BatchEntryDone(PendingSend p)
    {
        if (p.BatchId == 0 || !_brokers.TryGetValue(p.LastBroker ?? "", out var conn)) return;
        if (conn.BatchRemaining.TryGetValue(p.BatchId, out var left))
        {
            if (left <= 1)
            {
                conn.BatchRemaining.Remove(p.BatchId);
                conn.InflightBatches--;
                FlushBroker(conn);
            }
            else conn.BatchRemaining[p.BatchId] = left - 1;
        }
        p.BatchId = 0;
    }

    private static List<string> AddressesOf(BrokerData b) => b.BrokerAddrs.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();

    /// <summary>
    /// The gateway at conn.Address is gone. Another node of the same group forwards into the
    /// group's shard wherever it lives, so send there at once instead of waiting until the
    /// NameServer drops the dead node; the region holds the sends until the shard has moved.
    /// </summary>
    private bool SwitchToAnotherNode(BrokerConnection conn)
    {
        _failedAddressUntil[conn.Address] = Now + UnavailableMillis;
        var now = Now;
        // -1 when the address came from an older route: then every listed address is a candidate.
        var start = conn.Addresses.IndexOf(conn.Address);
        for (var i = 1; i <= conn.Addresses.Count; i++)
        {
            var next = conn.Addresses[(start + i) % conn.Addresses.Count];
            if (next == conn.Address || AddressFailed(next, now)) continue;
            _log.Info("Broker {0}: gateway at {1} is gone; sending through {2} of the same group", conn.BrokerName, conn.Address, next);
            DropGateway(conn, graceful: false);
            conn.Address = next;
            conn.Resolving = false;
            return true;
        }
        return false;
    }

    private bool AddressFailed(string address, long now) => _failedAddressUntil.TryGetValue(address, out var until) && until > now;

    private bool IsUnavailable(string brokerName, long now) =>
        _unavailableUntil.TryGetValue(brokerName, out var until) && until > now;

    /// <summary>
    /// A broker can't be reached: avoid it for a while and send what waits for it elsewhere,
    /// unless the caller fixed the queue (explicit queue or sharding key, where order matters).
    /// </summary>
    private void RouteAround(BrokerConnection conn)
    {
        _unavailableUntil[conn.BrokerName] = Now + UnavailableMillis;
        var waiting = conn.Outbox.ToList();
        conn.Outbox.Clear();
        foreach (var p in waiting)
        {
            if (p.Finished) continue;
            if (p.Request.Queue == null && p.Request.ShardingKey == null)
            {
                p.LastBroker = conn.BrokerName;
                Dispatch(p);
            }
            else conn.Outbox.Enqueue(p);
        }
    }

    private static bool Retriable(ResponseCode code) => code is ResponseCode.SystemBusy or ResponseCode.ServiceNotAvailable
        or ResponseCode.SystemError or ResponseCode.TopicNotExist or ResponseCode.NoPermission or ResponseCode.FlushDiskTimeout;

    private void OnAcks(SendAcks m)
    {
        foreach (var ack in m.Acks)
        {
            if (!_inflight.TryGetValue(ack.CorrelationId, out var p) || p.Finished) continue;
            if (ack.Code == ResponseCode.Success)
            {
                // The ack names where the message was stored. After a failover re-send it can come
                // from an earlier attempt's broker, not the one p.Queue points at now.
                var q = new MessageQueue(p.Request.Message.Topic, m.BrokerName, ack.QueueId);
                var result = new SendResult(ack.Status, MessageId.Encode(q.BrokerName, q.Topic, q.QueueId, ack.QueueOffset), q, ack.QueueOffset);
                Finish(p, result, null);
                continue;
            }
            // A failure of an earlier attempt on another broker: the attempt in flight answers for itself.
            if (m.BrokerName != p.LastBroker) continue;
            BatchEntryDone(p);
            if (Retriable(ack.Code) && p.Attempt <= _p.RetryTimesWhenSendFailed && Now < p.Deadline)
            {
                _log.Debug("Send {0} to {1} failed ({2}: {3}); retrying", p.Id, p.Queue, ack.Code, ack.Error);
                RequestRoute(p.Request.Message.Topic);
                Dispatch(p);
                continue;
            }
            Finish(p, null, new AkkaMqException(ack.Code, ack.Error ?? "send failed"));
        }
    }

    private void Finish(PendingSend p, SendResult? result, Exception? error)
    {
        if (p.Finished) return;
        p.Finished = true;
        if (p.DeadlineNode != null)
        {
            _deadlines.Remove(p.DeadlineNode);
            p.DeadlineNode = null;
        }
        _inflight.Remove(p.Id);
        BatchEntryDone(p);
        try { p.Request.Done(result, error); }
        catch (Exception e) { _log.Warning("send completion callback threw: {0}", e.Message); }
    }

    private void ExpireDeadlines()
    {
        var now = Now;
        while (_deadlines.First is { } first && first.Value.Deadline <= now)
        {
            var p = first.Value; // unfinished: Finish unlinks a send
            var where = p.LastBroker != null ? $"broker '{p.LastBroker}' ({p.Queue})"
                : p.Queue.BrokerName != null ? $"broker '{p.Queue.BrokerName}' ({p.Queue}, its gateway was not reached)"
                : $"topic '{p.Request.Message.Topic}' (no route yet)";
            if (p.LastBroker != null) RequestRoute(p.Request.Message.Topic);
            RemoveFromRouteWait(p);
            Finish(p, null, new AkkaMqException(ResponseCode.SendTimeout,
                $"send to {where} was not acknowledged within {_p.SendMsgTimeout.TotalMilliseconds} ms after {p.Attempt} attempt(s)"));
        }
    }

    private void RemoveFromRouteWait(PendingSend p)
    {
        if (_awaitingRoute.TryGetValue(p.Request.Message.Topic, out var list)) list.Remove(p);
    }

    // ---------------------------------------------------------------- routes

    private void RequestRoute(string topic)
    {
        var attempt = _routeRequests.TryGetValue(topic, out var a) ? a : 0;
        if (_routeRequests.ContainsKey(topic)) return;
        _routeRequests[topic] = attempt;
        _nameServers[_nameServerIndex % _nameServers.Count]().Tell(new GetRouteInfo(topic, AllowAutoCreate: true));
        Timers.StartSingleTimer("route-" + topic, new RouteRequestTimedOut(topic, attempt), _settings.RequestTimeout);
    }

    private void OnRouteTimeout(RouteRequestTimedOut m)
    {
        if (!_routeRequests.TryGetValue(m.Topic, out var attempt) || attempt != m.Attempt) return;
        // Try the next NameServer; pending sends still end by their own deadlines.
        _nameServerIndex++;
        _routeRequests.Remove(m.Topic);
        _log.Warning("NameServer did not answer the route query for {0} within {1}; trying {2}", m.Topic, _settings.RequestTimeout,
            _settings.NamesrvAddr.Count > 0 ? _settings.NamesrvAddr[_nameServerIndex % _settings.NamesrvAddr.Count] : "it again");
        if (_awaitingRoute.TryGetValue(m.Topic, out var waiting) && waiting.Count > 0)
        {
            _routeRequests[m.Topic] = attempt + 1;
            _nameServers[_nameServerIndex % _nameServers.Count]().Tell(new GetRouteInfo(m.Topic, AllowAutoCreate: true));
            Timers.StartSingleTimer("route-" + m.Topic, new RouteRequestTimedOut(m.Topic, attempt + 1), _settings.RequestTimeout);
        }
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
        var queues = new List<MessageQueue>();
        foreach (var q in m.Route.QueueDatas.OrderBy(q => q.BrokerName, StringComparer.Ordinal))
        {
            if (!Perm.IsWriteable(q.Perm)) continue;
            for (var i = 0; i < q.WriteQueueNums; i++) queues.Add(new MessageQueue(m.Topic, q.BrokerName, i));
        }
        var next = _routes.TryGetValue(m.Topic, out var old) ? old.Next : Random.Shared.Next(Math.Max(1, queues.Count));
        _routes[m.Topic] = new TopicRoute { Data = m.Route, WriteQueues = queues, Next = next };
        var now = Now;
        foreach (var b in m.Route.BrokerDatas)
        {
            var address = b.SelectAddress();
            if (address == null || !_brokers.TryGetValue(b.BrokerName, out var conn)) continue;
            conn.Addresses = AddressesOf(b);
            if (conn.Address == address) continue;
            // Still listed but failed a moment ago: stay on the node that answers until the route drops it.
            if (AddressFailed(address, now) && conn.Addresses.Contains(conn.Address)) continue;
            // The group is now served from another node (failover): reconnect there.
            _log.Info("Broker {0} moved from {1} to {2}", b.BrokerName, conn.Address, address);
            DropGateway(conn, graceful: true);
            conn.Address = address;
            conn.Resolving = false;
            FlushBroker(conn);
        }
        // Dispatch may add a connection (a broker first used now), so iterate over a copy.
        foreach (var conn in _brokers.Values.ToList())
        {
            // A group that left this topic's route (its node died): send its queued messages elsewhere.
            var listed = m.Route.BrokerDatas.Any(b => b.BrokerName == conn.BrokerName && b.SelectAddress() != null);
            var usesTopic = conn.Outbox.Any(p => p.Request.Message.Topic == m.Topic);
            if (!listed && usesTopic) RouteAround(conn);
        }
        if (waiting != null)
            foreach (var p in waiting)
                if (!p.Finished) Dispatch(p);
    }

    // ---------------------------------------------------------------- broker connections

    private void OnIdentity(ActorIdentity m)
    {
        if (m.MessageId is not string key) return;
        var sep = key.IndexOf('|');
        var brokerName = key[..sep];
        var address = key[(sep + 1)..];
        if (!_brokers.TryGetValue(brokerName, out var conn) || conn.Address != address) return;
        conn.Resolving = false;
        if (m.Subject == null)
        {
            _log.Warning("No broker gateway answered at {0} for broker {1}", address, brokerName);
            Timers.Cancel("identify-" + brokerName);
            RouteAround(conn);
            SwitchToAnotherNode(conn);
            // Keep the outbox and ask again shortly; a route refresh may point elsewhere, and deadlines bound the wait.
            foreach (var topic in _routes.Keys.ToList()) RequestRoute(topic);
            Timers.StartSingleTimer("reresolve-" + brokerName, new Reresolve(brokerName), TimeSpan.FromMilliseconds(500));
            return;
        }
        if (conn.Gateway != null) return; // answered twice (a second Identify): the first one stands
        if (_settings.DataChannel && !_fallback.GatewayOnly(address))
        {
            // Still resolving (the identify timer runs on) until the gateway names its data channel.
            conn.Resolving = true;
            conn.RemoteGateway = m.Subject;
            m.Subject.Tell(new GetDataChannel(brokerName));
            return;
        }
        Timers.Cancel("identify-" + brokerName);
        conn.Gateway = m.Subject;
        Context.Watch(m.Subject);
        FlushBroker(conn);
    }

    private void OnDataChannel(DataChannelAddress m)
    {
        if (!_brokers.TryGetValue(m.BrokerName, out var conn) || !conn.Resolving || conn.Gateway != null || !Sender.Equals(conn.RemoteGateway)) return;
        Timers.Cancel("identify-" + m.BrokerName);
        conn.Resolving = false;
        Context.Watch(conn.RemoteGateway);
        if (m.Port > 0)
        {
            conn.Gateway = Context.ActorOf(DataChannelClient.Props(m.Host, m.Port, _settings.MaxFrameBytes, _settings.RequestTimeout, tellParentOpened: true));
            conn.Connecting = true;
        }
        else
        {
            conn.Gateway = conn.RemoteGateway;
            conn.RemoteGateway = null;
        }
        Context.Watch(conn.Gateway);
        FlushBroker(conn);
    }

    /// <summary>
    /// Stops sending to conn's gateway. A data channel is closed: at once when its node failed, or
    /// (graceful) once the sends still in flight on it have passed their deadline.
    /// </summary>
    private void DropGateway(BrokerConnection conn, bool graceful)
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
        conn.Gateway = null;
        conn.RemoteGateway = null;
        conn.Direct = null;
        conn.Connecting = false;
    }

    private void OnTerminated(Terminated t)
    {
        foreach (var conn in _brokers.Values.ToList())
        {
            if (!t.ActorRef.Equals(conn.Gateway) && !t.ActorRef.Equals(conn.RemoteGateway)) continue;
            if (conn.Connecting && t.ActorRef.Equals(conn.Gateway) && conn.RemoteGateway is { } remote)
            {
                // The data channel could not be opened (a firewall, say) but the gateway answered:
                // send over Akka.Remote to this node for a while instead of failing over.
                _log.Warning("Broker {0} at {1}: its data channel could not be opened; sending over Akka.Remote for {2} s",
                    conn.BrokerName, conn.Address, DataChannelFallback.Period.TotalSeconds);
                _fallback.MarkGatewayOnly(conn.Address);
                conn.Connecting = false;
                conn.Gateway = remote;
                conn.RemoteGateway = null;
                FlushBroker(conn);
                continue;
            }
            _log.Warning("Broker {0} at {1} is gone; failing over its in-flight sends", conn.BrokerName, conn.Address);
            _unavailableUntil[conn.BrokerName] = Now + UnavailableMillis;
            DropGateway(conn, graceful: false);
            conn.InflightBatches = 0;
            conn.BatchRemaining.Clear();
            SwitchToAnotherNode(conn);
            var lost = _inflight.Values.Where(p => !p.Finished && p.LastBroker == conn.BrokerName && p.BatchId != 0).OrderBy(p => p.Id).ToList();
            var queued = conn.Outbox.ToList();
            conn.Outbox.Clear();
            foreach (var topic in _routes.Keys.ToList()) RequestRoute(topic);
            foreach (var p in lost.Concat(queued))
            {
                p.BatchId = 0;
                if (p.Request.Queue == null && p.Request.ShardingKey == null && p.Attempt <= _p.RetryTimesWhenSendFailed) Dispatch(p);
                else if (p.Attempt > _p.RetryTimesWhenSendFailed)
                    Finish(p, null, new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker '{conn.BrokerName}' at {conn.Address} became unreachable"));
                else conn.Outbox.Enqueue(p);
            }
            if (conn.Outbox.Count > 0) FlushBroker(conn);
        }
    }
}
