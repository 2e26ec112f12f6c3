using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Consumer;

/// <summary>The routes of a consumer's topics and how to reach their broker groups.</summary>
/// <param name="PullChannels">Where pulls go, per broker: the node's data channel, or its gateway when it has none.</param>
internal sealed record ConsumerRoutes(Dictionary<string, TopicRouteData> Routes, Dictionary<string, IActorRef> Gateways,
    Dictionary<string, IActorRef> PullChannels) : INoSerializationVerificationNeeded
{
    public static readonly ConsumerRoutes Empty = new(new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));

    /// <summary>Looks up each topic's route and a gateway and pull channel per broker group; a topic without a route is left out.</summary>
    /// <param name="warned">Topics already reported missing: said once, not every second.</param>
    public static async Task<ConsumerRoutes> FetchAsync(ClientContext ctx, IEnumerable<string> topics, ILoggingAdapter log,
        ConcurrentDictionary<string, byte> warned)
    {
        var routes = new Dictionary<string, TopicRouteData>(StringComparer.Ordinal);
        var gateways = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        var pullChannels = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            TopicRouteData route;
            try
            {
                route = await ctx.FetchRouteAsync(topic);
            }
            catch (AkkaMqException e)
            {
                // A topic that does not exist yet is looked up again shortly (the consumer's routes-again timer).
                if (!topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal) && warned.TryAdd(topic, 0))
                    log.Warning("Consumer subscribed to {0}: {1}", topic, e.Message);
                continue;
            }
            routes[topic] = route;
            warned.TryRemove(topic, out _);
            foreach (var b in route.BrokerDatas)
            {
                if (gateways.ContainsKey(b.BrokerName) || b.SelectAddress() is not { } address) continue;
                try
                {
                    gateways[b.BrokerName] = await ctx.GatewayAsync(address);
                    pullChannels[b.BrokerName] = await ctx.PullChannelAsync(address);
                }
                catch (AkkaMqException) { }
            }
        }
        return new ConsumerRoutes(routes, gateways, pullChannels);
    }
}
