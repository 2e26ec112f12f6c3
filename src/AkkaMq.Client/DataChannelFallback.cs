using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;

namespace AkkaMq.Client;

/// <summary>
/// Nodes whose data channel could not be opened lately (a firewall in between, say), kept per
/// ActorSystem so that every producer and consumer of the app learns it once: they reach those
/// nodes through the gateway over Akka.Remote for <see cref="Period"/>, then try the channel again.
/// </summary>
internal sealed class DataChannelFallback
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private static readonly ConditionalWeakTable<ActorSystem, DataChannelFallback> PerSystem = new();
    private readonly ConcurrentDictionary<string, long> _gatewayOnlyUntil = new(StringComparer.Ordinal);

    public static DataChannelFallback For(ActorSystem system) => PerSystem.GetValue(system, _ => new DataChannelFallback());

    public bool GatewayOnly(string address) =>
        _gatewayOnlyUntil.TryGetValue(address, out var until) && until > Environment.TickCount64;

    public void MarkGatewayOnly(string address) =>
        _gatewayOnlyUntil[address] = Environment.TickCount64 + (long)Period.TotalMilliseconds;
}
