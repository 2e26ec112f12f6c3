using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;

namespace AkkaMq.Client;

/// <summary>
/// Request/reply access to the NameServer and broker gateways for the Task-based facades and
/// admin tools: asks with a timeout, trying each NameServer address in turn, and caches broker
/// gateway references.
/// </summary>
public sealed class ClientContext
{
    private readonly ConcurrentDictionary<string, Task<IActorRef>> _gateways = new();
    // Pull channels are shared by every client of an ActorSystem, one per node (as RocketMQ's
    // MQClientInstance shares its broker connections), so short-lived consumers do not add connections.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ActorSystem, SharedPullChannels> PullChannels = new();
    private readonly SharedPullChannels _pull;
    private readonly DataChannelFallback _fallback;

    private sealed class SharedPullChannels
    {
        // Lazy: consumers starting at once open one channel per node, not one each.
        public readonly ConcurrentDictionary<string, Lazy<Task<IActorRef>>> Channels = new();
    }
    private readonly ConcurrentDictionary<string, (TopicRouteData Route, long FetchedAt)> _routes = new();
    private readonly IActorRef? _nameServerOverride;
    private int _nameServerIndex;

    public ClientContext(ActorSystem system, ClientSettings settings, IActorRef? nameServer = null)
    {
        System = system;
        Settings = settings;
        _nameServerOverride = nameServer;
        _pull = PullChannels.GetValue(system, _ => new SharedPullChannels());
        _fallback = DataChannelFallback.For(system);
    }

    public ActorSystem System { get; }
    public ClientSettings Settings { get; }

    /// <summary>Asks the NameServer, moving to the next address when one does not answer.</summary>
    public async Task<T> AskNameServerAsync<T>(object request, CancellationToken ct = default)
    {
        if (_nameServerOverride != null) return await _nameServerOverride.Ask<T>(request, Settings.RequestTimeout, ct);
        Exception? last = null;
        for (var i = 0; i < Settings.NamesrvAddr.Count; i++)
        {
            var index = (Volatile.Read(ref _nameServerIndex) + i) % Settings.NamesrvAddr.Count;
            var address = Settings.NamesrvAddr[index];
            try
            {
                var reply = await System.ActorSelection(Settings.NameServerPath(address)).Ask<T>(request, Settings.RequestTimeout, ct);
                Volatile.Write(ref _nameServerIndex, index);
                return reply;
            }
            catch (AskTimeoutException e)
            {
                last = e;
            }
        }
        throw new AkkaMqException(ResponseCode.ServiceNotAvailable,
            $"no NameServer answered within {Settings.RequestTimeout.TotalMilliseconds} ms (tried {string.Join(", ", Settings.NamesrvAddr)}): {last?.Message}");
    }

    /// <summary>A topic's route, cached for pollNameServerInterval (and dropped after a broker failure).</summary>
    public async Task<TopicRouteData> GetRouteAsync(string topic, bool allowAutoCreate = false, CancellationToken ct = default)
    {
        if (_routes.TryGetValue(topic, out var cached) && Environment.TickCount64 - cached.FetchedAt < Settings.PollNameServerInterval.TotalMilliseconds)
            return cached.Route;
        var route = await FetchRouteAsync(topic, allowAutoCreate, ct);
        _routes[topic] = (route, Environment.TickCount64);
        return route;
    }

    public void InvalidateRoute(string topic) => _routes.TryRemove(topic, out _);

    /// <summary>Asks the NameServer for a topic's route, bypassing the cache.</summary>
    public async Task<TopicRouteData> FetchRouteAsync(string topic, bool allowAutoCreate = false, CancellationToken ct = default)
    {
        var reply = await AskNameServerAsync<RouteInfoReply>(new GetRouteInfo(topic, allowAutoCreate), ct);
        if (reply.Code != ResponseCode.Success || reply.Route == null)
            throw new AkkaMqException(reply.Code, reply.Error ?? $"no route for topic '{topic}'");
        return reply.Route;
    }

    /// <summary>Creates or updates a topic (RocketMQ's updateTopic) on a cluster, one broker group, or every broker.</summary>
    public async Task<CreateTopicReply> CreateTopicAsync(TopicConfig config, string? clusterName = null, string? brokerName = null,
        CancellationToken ct = default)
    {
        var reply = await AskNameServerAsync<CreateTopicReply>(new CreateTopic(config, clusterName, brokerName), ct);
        if (reply.Code != ResponseCode.Success) throw new AkkaMqException(reply.Code, reply.Error ?? "topic creation failed");
        return reply;
    }

    /// <summary>The gateway actor of a broker node; cached, and resolved again after a failure.</summary>
    public Task<IActorRef> GatewayAsync(string address)
    {
        var task = _gateways.GetOrAdd(address, a => System.ActorSelection(Settings.BrokerPath(a)).ResolveOne(Settings.RequestTimeout));
        if (task.IsFaulted || task.IsCanceled) _gateways.TryRemove(new KeyValuePair<string, Task<IActorRef>>(address, task));
        return Unwrap(address, task);
    }

    /// <summary>
    /// Where pulls to the node at address go: its data channel when it has one (and the client
    /// uses them), else its gateway. A channel that closed is replaced on the next call; pulls
    /// asked on it while it closed fail at once.
    /// </summary>
    public async Task<IActorRef> PullChannelAsync(string address)
    {
        if (!Settings.DataChannel || _fallback.GatewayOnly(address))
            return await GatewayAsync(address);
        var lazy = _pull.Channels.GetOrAdd(address, a => new Lazy<Task<IActorRef>>(() => OpenPullChannel(a)));
        try
        {
            return await lazy.Value;
        }
        catch (Exception)
        {
            _pull.Channels.TryRemove(new KeyValuePair<string, Lazy<Task<IActorRef>>>(address, lazy));
            throw;
        }
    }

    private async Task<IActorRef> OpenPullChannel(string address)
    {
        var gateway = await GatewayAsync(address);
        DataChannelAddress channel;
        try
        {
            channel = await gateway.Ask<DataChannelAddress>(new GetDataChannel(""), Settings.RequestTimeout);
        }
        catch (AskTimeoutException)
        {
            _gateways.TryRemove(address, out _);
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker at {address} did not name its data channel within {Settings.RequestTimeout.TotalMilliseconds} ms");
        }
        if (channel.Port <= 0) return gateway;
        var client = System.ActorOf(DataChannelClient.Props(channel.Host, channel.Port, Settings.MaxFrameBytes, Settings.RequestTimeout));
        try
        {
            await client.Ask<DataChannelClient.Opened>(DataChannelClient.AwaitOpen.Instance, Settings.RequestTimeout + TimeSpan.FromSeconds(1));
        }
        catch (Exception e)
        {
            // The gateway answers but its channel cannot be reached (a firewall, say): pull through the gateway for a while.
            client.Tell(PoisonPill.Instance);
            _fallback.MarkGatewayOnly(address);
            System.Log.Warning("Data channel to the broker at {0} could not be opened ({1}); pulling over Akka.Remote for {2} s",
                address, e.Message, DataChannelFallback.Period.TotalSeconds);
            return gateway;
        }
        // A closed channel leaves the cache, so the next pull opens a new one.
        _ = client.WatchAsync().ContinueWith(async _ =>
        {
            if (!_pull.Channels.TryGetValue(address, out var current)) return;
            try
            {
                if ((await current.Value).Equals(client))
                    _pull.Channels.TryRemove(new KeyValuePair<string, Lazy<Task<IActorRef>>>(address, current));
            }
            catch (Exception)
            {
                // That entry failed on its own and is removed by its caller.
            }
        }, TaskScheduler.Default);
        return client;
    }

    private async Task<IActorRef> Unwrap(string address, Task<IActorRef> task)
    {
        try
        {
            return await task;
        }
        catch (Exception e) when (e is ActorNotFoundException or AskTimeoutException)
        {
            _gateways.TryRemove(new KeyValuePair<string, Task<IActorRef>>(address, task));
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"no broker answered at {address}: {e.Message}");
        }
    }

    /// <summary>
    /// Asks the gateway of the node serving a broker group. When it does not answer, the route is
    /// fetched again and, if the group is now served elsewhere (failover), the request goes there once.
    /// </summary>
    public async Task<T> AskBrokerAsync<T>(string topic, string brokerName, object request, CancellationToken ct = default,
        TimeSpan? extraTime = null)
    {
        var address = await ServingAddressAsync(topic, brokerName, fresh: false, ct);
        try
        {
            return await AskGatewayAsync<T>(address, request, extraTime, ct);
        }
        catch (AkkaMqException e) when (e.Code == ResponseCode.ServiceNotAvailable)
        {
            InvalidateRoute(topic);
            var moved = await ServingAddressAsync(topic, brokerName, fresh: true, ct);
            if (moved == address) throw;
            return await AskGatewayAsync<T>(moved, request, extraTime, ct);
        }
    }

    private async Task<string> ServingAddressAsync(string topic, string brokerName, bool fresh, CancellationToken ct)
    {
        var route = fresh ? await FetchRouteAsync(topic, false, ct) : await GetRouteAsync(topic, false, ct);
        if (fresh) _routes[topic] = (route, Environment.TickCount64);
        var broker = route.BrokerDatas.FirstOrDefault(b => b.BrokerName == brokerName)
                     ?? throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker '{brokerName}' has no route for topic '{topic}'");
        return broker.SelectAddress() ?? throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker '{brokerName}' has no live node");
    }

    /// <summary>Asks the broker gateway of the node at address (admin requests about that node).</summary>
    public Task<T> AskGatewayAtAsync<T>(string address, object request, CancellationToken ct = default) =>
        AskGatewayAsync<T>(address, request, null, ct);

    private async Task<T> AskGatewayAsync<T>(string address, object request, TimeSpan? extraTime, CancellationToken ct)
    {
        // Pulls take the data channel; everything else (offsets, admin, group commands) the gateway.
        var gateway = request is PullMessage ? await PullChannelAsync(address) : await GatewayAsync(address);
        try
        {
            return await gateway.Ask<T>(request, Settings.RequestTimeout + (extraTime ?? TimeSpan.Zero), ct);
        }
        catch (IOException e)
        {
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker at {address}: {e.Message}");
        }
        catch (AskTimeoutException)
        {
            _gateways.TryRemove(address, out _);
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable,
                $"broker at {address} did not answer within {(Settings.RequestTimeout + (extraTime ?? TimeSpan.Zero)).TotalMilliseconds} ms");
        }
    }
}
