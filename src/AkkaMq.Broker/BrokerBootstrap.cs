using System.Net;
using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using AkkaMq.Broker.Gateway;
using AkkaMq.Broker.Storage;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;
using AkkaMq.Protocol.Security;

namespace AkkaMq.Broker;

/// <summary>Starts a broker node's identity guard, region and gateway (/user/broker), the SQLite journal's checkpointer and the disk watcher.</summary>
public static class BrokerBootstrap
{
    /// <param name="nameServerRole">Cluster role of the nodes hosting the NameServer singleton.</param>
    public static IActorRef Start(ActorSystem system, BrokerSettings settings, string nameServerRole = "nameserver")
    {
        var config = system.Settings.Config;
        var store = StoreSettings.Create(config);
        var checkpointed = config.GetString(JournalSetup.CheckpointConnectionStringPath, "");
        if (!string.IsNullOrEmpty(checkpointed))
            system.ActorOf(WalCheckpointer.Props(checkpointed, store.CheckpointInterval, store.WalRestartBytes), WalCheckpointer.Name);
        // Before the gateway, so the disk is read before the first send arrives.
        if (settings.Disk.CheckInterval > TimeSpan.Zero && DiskSpaceSettings.DataPath(store) is { } dataPath)
            system.ActorOf(DiskSpaceWatcher.Props(settings.Disk, dataPath), DiskSpaceWatcher.Name);
        // Stops this node if another live node holds its broker identity (brokerName, brokerId).
        system.ActorOf(BrokerIdentityGuard.Props(settings), BrokerIdentityGuard.Name);
        var region = BrokerRegion.Start(system, settings);
        system.ActorOf(Retention.RetentionCleaner.Props(settings.BrokerName, settings.Retention, region, Retention.BrokerClock.For(system)),
            Retention.RetentionCleaner.Name);
        system.Settings.InjectTopLevelFallback(ClusterSingleton.DefaultConfig());
        var proxy = ClusterSingletonProxySettings.Create(system).WithRole(nameServerRole).WithSingletonName("route-table");
        // Akka's proxy logs "failed to find an associated singleton ... after 30 seconds" the moment it
        // starts looking (its failure timer has no initial delay), on every start and shutdown. The
        // gateway warns instead when a registration goes unanswered for a heartbeat period.
        proxy = new ClusterSingletonProxySettings(proxy.SingletonName, proxy.Role, proxy.SingletonIdentificationInterval,
            proxy.BufferSize, proxy.ConsiderAppVersion, logSingletonIdentificationFailure: false, proxy.SingletonIdentificationFailurePeriod);
        var nameServer = system.ActorOf(ClusterSingletonProxy.Props("/user/namesrv-singleton", proxy), "broker-namesrv-proxy");
        // Bound here, before anything serves, so that a port in use stops the node at start; the
        // listener lives beside the gateway (not under it), so a gateway restart keeps the port.
        // With auth on each session opens with a handshake and its requests are authorized; with akkamq.tls on it serves TLS too.
        var auth = AkkaMq.Auth.AuthExtension.For(system);
        var tls = TlsSettings.Create(system.Settings.Config);
        var listener = settings.FastListenPort >= 0 ? DataChannelServer.Bind(settings.BrokerIP1, settings.FastListenPort) : null;
        var port = listener != null ? ((IPEndPoint)listener.LocalEndPoint!).Port : 0;
        var gateway = system.ActorOf(BrokerGateway.Props(settings, region, nameServer, port, auth.Settings.Enabled, tls.ServerMode), BrokerGateway.Name);
        if (listener != null)
            // Sends and pulls only: admin and group commands stay on Akka.Remote.
            system.ActorOf(DataChannelServer.Props(listener, gateway,
                m => m is SendMessages or PullMessage or AkkaMq.Protocol.Auth.SignedRequest { Request: SendMessages or PullMessage }, settings.MaxFrameBytes,
                limits: settings.DataChannel, auth: auth.Settings.Enabled ? DataChannelAuth(system, settings, auth) : null,
                tls: tls.Enabled ? new DataChannelTlsServer(tls.ServerMode, tls.LoadCertificate()) : null), DataChannelName);
        return gateway;
    }

    private static AkkaMq.Auth.DataChannelAuth DataChannelAuth(ActorSystem system, BrokerSettings settings, AkkaMq.Auth.AuthExtension auth)
    {
        BrokerIdentity? identity = null;
        // A refused request gets its own failure reply (a send's failed acks, a pull's failed result), as over Akka.Remote.
        object? Refusal(object request, AkkaMq.Protocol.ResponseCode code, string error)
        {
            if (request is not IBrokerRequest b) return new AkkaMq.Protocol.Auth.AccessRefused(code, error);
            var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
            return b.FailureReply(identity ??= settings.Identity($"{self.Host}:{self.Port}"), code, error);
        }
        return new AkkaMq.Auth.DataChannelAuth(auth.Authenticator, auth.Cache, auth.Guard.Authorize, Refusal, settings.DataChannel.HandshakeTimeout);
    }

    /// <summary>Name of the data channel's listener actor (/user/broker-data-channel); its sessions are its children.</summary>
    public const string DataChannelName = "broker-data-channel";
}
