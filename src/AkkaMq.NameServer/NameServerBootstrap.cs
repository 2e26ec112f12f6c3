using Akka.Actor;
using Akka.Cluster.Tools.Singleton;

namespace AkkaMq.NameServer;

/// <summary>Starts the NameServer singleton, its proxy and the client-facing gateway on a node.</summary>
public static class NameServerBootstrap
{
    public const string SingletonManagerName = "namesrv-singleton";
    public const string ProxyName = "namesrv-proxy";

    /// <summary>Returns the gateway (/user/namesrv).</summary>
    public static IActorRef Start(ActorSystem system, NameServerSettings settings)
    {
        system.Settings.InjectTopLevelFallback(ClusterSingleton.DefaultConfig());
        system.ActorOf(ClusterSingletonManager.Props(
                RouteTable.Props(settings),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(settings.Role).WithSingletonName("route-table")),
            SingletonManagerName);
        var proxySettings = ClusterSingletonProxySettings.Create(system).WithRole(settings.Role).WithSingletonName("route-table");
        // Without the failure log, which Akka's proxy writes the moment it starts looking (see BrokerBootstrap).
        proxySettings = new ClusterSingletonProxySettings(proxySettings.SingletonName, proxySettings.Role,
            proxySettings.SingletonIdentificationInterval, proxySettings.BufferSize, proxySettings.ConsiderAppVersion, logSingletonIdentificationFailure: false,
            proxySettings.SingletonIdentificationFailurePeriod);
        var proxy = system.ActorOf(ClusterSingletonProxy.Props($"/user/{SingletonManagerName}", proxySettings), ProxyName);
        return system.ActorOf(NameServerGateway.Props(proxy), NameServerGateway.Name);
    }
}
