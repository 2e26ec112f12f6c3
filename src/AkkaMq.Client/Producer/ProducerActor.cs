using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;
using DataChannelEndpoint = AkkaMq.Protocol.Auth.DataChannelEndpoint;

namespace AkkaMq.Client;

/// <summary>
/// The producer. Keeps topic routes from the NameServer (refreshed every pollNameServerInterval
/// and after failures), picks a queue (round-robin per batch, by sharding key, or the caller's), and packs
/// concurrent sends to one broker into one <see cref="SendMessages"/> while earlier batches are in
/// flight (auto-batching, bounded per broker). Retriable failures are sent again on another
/// queue, preferring another broker; a broker gateway that dies fails over its in-flight sends
/// at once. Every send ends by its deadline (sendMsgTimeout). Queue selection is
/// <see cref="TopicPublishInfo"/>'s, broker avoidance <see cref="BrokerFaultTracker"/>'s, and each
/// broker's link a <see cref="BrokerConnection{TSend}"/>; this file is the send path,
/// ProducerActor.Routes.cs the route queries and ProducerActor.Brokers.cs gateway resolution and failover.
/// </summary>
public sealed partial class ProducerActor : ReceiveActor, IWithTimers
{
    /// <summary>Send request. Done is called exactly once (for one-way sends, when handed to the wire).</summary>
    public sealed record Send(Message Message, CommunicationMode Mode, MessageQueue? Queue, string? ShardingKey,
        Action<SendResult?, Exception?> Done) : INoSerializationVerificationNeeded
    {
        /// <summary>A half message: once written to a broker it is never sent again elsewhere (a lost ack is left to the check-back).</summary>
        public bool Transactional { get; init; }
    }

    private sealed class Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private readonly ClientSettings _settings;
    private readonly ProducerSettings _p;
    private readonly ClientInstance _client;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly MessageLimits _limits;
    private readonly BrokerFaultTracker _faults;
    private readonly Dictionary<string, TopicPublishInfo> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PendingSend>> _awaitingRoute = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _routeRequests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BrokerConnection<PendingSend>> _brokers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, PendingSend> _inflight = new();
    // Every send's deadline is its start plus sendMsgTimeout, so start order is deadline order. A
    // finished send leaves at once: held until its deadline, every acked send (message and body
    // with it) outlived gen0 and gen1, and the producer's app paid for it in gen2 collections.
    private readonly LinkedList<PendingSend> _deadlines = new();
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
        _client = ClientInstance.For(Context.System, settings, nameServer);
        _faults = new BrokerFaultTracker(_p.FaultAvoidance);

        Receive<Send>(OnSend);
        Receive<SendAcks>(OnAcks);
        Receive<RouteInfoReply>(OnRoute);
        Receive<RouteRequestTimedOut>(OnRouteTimeout);
        Receive<ActorIdentity>(OnIdentity);
        Receive<DataChannelAddress>(m => OnDataChannel(DataChannelPlan.Endpoint(m)));
        Receive<DataChannelEndpoint>(OnDataChannel);
        Receive<DataChannelClient.Opened>(OnOpened);
        Receive<Terminated>(OnTerminated);
        Receive<Tick>(_ => ExpireDeadlines());
        Receive<IdentifyTimedOut>(OnIdentifyTimedOut);
        Receive<Reresolve>(OnReresolve);
        Receive<RefreshRoutes>(_ => RequestAllRoutes());
        Receive<DetectIsolated>(_ => DetectIsolatedBrokers());
        ReceiveHeartbeats();
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(50));
        Timers.StartPeriodicTimer("routes", RefreshRoutes.Instance, _settings.PollNameServerInterval);
        Timers.StartPeriodicTimer("detect", DetectIsolated.Instance, _p.FaultAvoidance.DetectInterval);
        Timers.StartPeriodicTimer("heartbeat", HeartbeatTick.Instance, _settings.PollNameServerInterval);
    }

    protected override void PostStop()
    {
        UnregisterFromBrokers();
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
            AwaitRoute(topic, p);
            if (!_routeRequests.ContainsKey(topic)) RequestRoute(topic);
            return;
        }
        if (route.WriteQueues.Count == 0)
        {
            Finish(p, null, new AkkaMqException(ResponseCode.NoPermission, $"topic '{topic}' has no writable queue"));
            return;
        }
        Enqueue(p, p.Request.ShardingKey is { } key
            ? route.SelectByShardingKey(key)
            : route.SelectOneMessageQueue(p.LastBroker, _p.StickyQueueMessages, _faults));
    }

    private void AwaitRoute(string topic, PendingSend p)
    {
        if (!_awaitingRoute.TryGetValue(topic, out var list)) _awaitingRoute[topic] = list = new List<PendingSend>();
        list.Add(p);
    }

    private void Enqueue(PendingSend p, MessageQueue queue)
    {
        p.Queue = queue;
        var conn = Connection(queue.BrokerName);
        if (conn == null)
        {
            // Route not known yet for a caller-chosen queue: wait for it.
            AwaitRoute(queue.Topic, p);
            return;
        }
        conn.Outbox.Enqueue(p);
        FlushBroker(conn);
    }

    private BrokerConnection<PendingSend>? Connection(string brokerName)
    {
        if (_brokers.TryGetValue(brokerName, out var conn)) return conn;
        foreach (var route in _routes.Values)
            foreach (var b in route.Route.BrokerDatas)
                if (b.BrokerName == brokerName && b.SelectAddress() is { } address)
                    return _brokers[brokerName] = new BrokerConnection<PendingSend>(brokerName, address, BrokerConnection<PendingSend>.AddressesOf(b));
        return null;
    }

    private void FlushBroker(BrokerConnection<PendingSend> conn)
    {
        switch (conn.State)
        {
            case BrokerConnectionState.Unresolved:
                Identify(conn);
                return;
            case BrokerConnectionState.Remote:
            case BrokerConnectionState.DataChannel:
                break;
            default: // resolving, or the data channel is opening: the outbox waits
                return;
        }
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
            if (awaited > 0) conn.BatchSent(batchId, awaited, Now);
            var batch = new SendMessages(conn.BrokerName, entries);
            if (conn.Direct == null) conn.Gateway!.Tell(batch, Self);
            else if (!WriteDirect(conn, batch)) continue;
            // A batch left for this broker: unkeyed sends move on to the next queue (round-robin
            // per batch; per message while nothing waits).
            foreach (var route in _routes.Values) route.BatchSentTo(conn.BrokerName);
        }
    }

    /// <summary>Writes a batch to the data channel; false (its sends failed) when it cannot be framed.</summary>
    private bool WriteDirect(BrokerConnection<PendingSend> conn, SendMessages batch)
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
        if (conn.BatchEntryDone(p.BatchId, out var sentAt))
        {
            // The batch's round trip is the broker's latest send latency (MQFaultStrategy's updateFaultItem).
            _faults.UpdateFaultItem(conn.BrokerName, Now - sentAt, isolation: false);
            FlushBroker(conn);
        }
        p.BatchId = 0;
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
}
