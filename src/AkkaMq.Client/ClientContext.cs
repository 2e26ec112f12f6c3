using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;
using DataChannelEndpoint = AkkaMq.Protocol.Auth.DataChannelEndpoint;

namespace AkkaMq.Client;

/// <summary>
/// Request/reply access to the NameServer and broker gateways for the Task-based facades and
/// admin tools: asks with a timeout, trying each NameServer address in turn. Route cache,
/// NameServer rotation, gateways and pull channels live in the ActorSystem's shared
/// <see cref="ClientInstance"/>, so every context (and producer) of the app uses the same ones.
/// </summary>
public sealed class ClientContext
{
    private readonly ClientInstance _client;

    public ClientContext(ActorSystem system, ClientSettings settings, IActorRef? nameServer = null)
    {
        System = system;
        Settings = settings;
        _client = ClientInstance.For(system, settings, nameServer);
    }

    public ActorSystem System { get; }
    public ClientSettings Settings { get; }

    /// <summary>Asks the NameServer, moving to the next address when one does not answer.</summary>
    public async Task<T> AskNameServerAsync<T>(object request, CancellationToken ct = default)
    {
        if (_client.HasNameServerOverride) return Refused<T>(await _client.NameServer(0, Settings).Ask<object>(request, Settings.RequestTimeout, ct));
        Exception? last = null;
        var first = _client.CurrentNameServer;
        for (var i = 0; i < _client.NameServerCount; i++)
        {
            var index = (first + i) % _client.NameServerCount;
            try
            {
                var reply = await _client.NameServer(index, Settings).Ask<object>(request, Settings.RequestTimeout, ct);
                _client.NameServerAnswered(index);
                return Refused<T>(reply);
            }
            catch (AskTimeoutException e)
            {
                last = e;
            }
        }
        throw new AkkaMqException(ResponseCode.ServiceNotAvailable,
            $"no NameServer answered within {Settings.RequestTimeout.TotalMilliseconds} ms (tried {string.Join(", ", Settings.NamesrvAddr)}): {last?.Message}");
    }

    /// <summary>The reply as T, or the gateway's refusal of the credentials or ACL (UNAUTHORIZED, FORBIDDEN) as an exception.</summary>
    private static T Refused<T>(object reply) => reply is AkkaMq.Protocol.Auth.AccessRefused r
        ? throw new AkkaMqException(r.Code, r.Error)
        : reply is T t ? t : throw new AkkaMqException(ResponseCode.SystemError, $"unexpected reply {reply.GetType().Name}, expected {typeof(T).Name}");

    /// <summary>A topic's route, cached for pollNameServerInterval (and dropped after a broker failure).</summary>
    public async Task<TopicRouteData> GetRouteAsync(string topic, bool allowAutoCreate = false, CancellationToken ct = default)
    {
        if (_client.Routes.TryGetValue(topic, out var cached) && Environment.TickCount64 - cached.FetchedAt < Settings.PollNameServerInterval.TotalMilliseconds)
            return cached.Route;
        var route = await FetchRouteAsync(topic, allowAutoCreate, ct);
        _client.CacheRoute(topic, route);
        return route;
    }

    public void InvalidateRoute(string topic) => _client.Routes.TryRemove(topic, out _);

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
        var task = _client.Gateways.GetOrAdd(address, a => System.ActorSelection(Settings.BrokerPath(a)).ResolveOne(Settings.RequestTimeout));
        if (task.IsFaulted || task.IsCanceled) _client.Gateways.TryRemove(new KeyValuePair<string, Task<IActorRef>>(address, task));
        return Unwrap(address, task);
    }

    /// <summary>
    /// Where pulls to the node at address go: its data channel when it has one (and the client
    /// uses them), else its gateway. A channel that closed is replaced on the next call; pulls
    /// asked on it while it closed fail at once.
    /// </summary>
    public async Task<IActorRef> PullChannelAsync(string address)
    {
        if (!_client.UseDataChannel(Settings, address))
            return await GatewayAsync(address);
        var lazy = _client.PullChannels.GetOrAdd(address, a => new Lazy<Task<IActorRef>>(() => OpenPullChannel(a)));
        try
        {
            return await lazy.Value;
        }
        catch (Exception)
        {
            _client.PullChannels.TryRemove(new KeyValuePair<string, Lazy<Task<IActorRef>>>(address, lazy));
            throw;
        }
    }

    private async Task<IActorRef> OpenPullChannel(string address)
    {
        var gateway = await GatewayAsync(address);
        DataChannelEndpoint channel;
        try
        {
            channel = await gateway.Ask<object>(new GetDataChannel(""), Settings.RequestTimeout) switch
            {
                DataChannelAddress a => DataChannelPlan.Endpoint(a),
                DataChannelEndpoint e => e,
                _ => new DataChannelEndpoint("", "", 0, false, AkkaMq.Protocol.Security.TlsServerMode.Disabled),
            };
        }
        catch (AskTimeoutException)
        {
            _client.Gateways.TryRemove(address, out _);
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker at {address} did not name its data channel within {Settings.RequestTimeout.TotalMilliseconds} ms");
        }
        var plan = DataChannelPlan.Choose(channel, Settings.ChannelSecurity);
        if (!plan.Use)
        {
            if (channel.Port > 0) _client.DataChannelUnreachable(System.Log, "Pulls from the broker", address, plan.Reason!);
            return gateway;
        }
        var client = System.ActorOf(DataChannelClient.Props(channel.Host, channel.Port, Settings.MaxFrameBytes, Settings.RequestTimeout,
            plan: plan, security: Settings.ChannelSecurity));
        try
        {
            await client.Ask<DataChannelClient.Opened>(DataChannelClient.AwaitOpen.Instance, Settings.RequestTimeout + TimeSpan.FromSeconds(1));
        }
        catch (Exception e)
        {
            // The gateway answers but its channel cannot be reached (a firewall, say): pull through the gateway for a while.
            client.Tell(PoisonPill.Instance);
            _client.DataChannelUnreachable(System.Log, "Pulls from the broker", address, e.Message);
            return gateway;
        }
        // A closed channel leaves the cache, so the next pull opens a new one.
        _ = client.WatchAsync().ContinueWith(async _ =>
        {
            if (!_client.PullChannels.TryGetValue(address, out var current)) return;
            try
            {
                if ((await current.Value).Equals(client))
                    _client.PullChannels.TryRemove(new KeyValuePair<string, Lazy<Task<IActorRef>>>(address, current));
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
            _client.Gateways.TryRemove(new KeyValuePair<string, Task<IActorRef>>(address, task));
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
        if (fresh) _client.CacheRoute(topic, route);
        var broker = route.BrokerDatas.FirstOrDefault(b => b.BrokerName == brokerName);
        if (broker == null)
        {
            // The shared cache may hold a route fetched while the group was down: ask once more before refusing.
            if (!fresh) return await ServingAddressAsync(topic, brokerName, fresh: true, ct);
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker '{brokerName}' has no route for topic '{topic}'");
        }
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
            return Refused<T>(await gateway.Ask<object>(request, Settings.RequestTimeout + (extraTime ?? TimeSpan.Zero), ct));
        }
        catch (IOException e)
        {
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable, $"broker at {address}: {e.Message}");
        }
        catch (AskTimeoutException)
        {
            _client.Gateways.TryRemove(address, out _);
            throw new AkkaMqException(ResponseCode.ServiceNotAvailable,
                $"broker at {address} did not answer within {(Settings.RequestTimeout + (extraTime ?? TimeSpan.Zero)).TotalMilliseconds} ms");
        }
    }
}
