using System.Net;
using Akka.Actor;
using AkkaMq.Auth;
using AkkaMq.Broker;
using AkkaMq.Proxy.Security;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaMq.Proxy;

/// <summary>
/// RocketMQ 5's gRPC endpoint of a broker node: Kestrel, HTTP/2 (TLS as akkamq.tls says) on brokerIP1:akkamq.proxy.grpc.port;
/// with akkamq.auth.enabled every RPC is authenticated and authorized first (<see cref="GrpcAuthInterceptor"/>). Once
/// it listens it tells the local broker gateway its host:port (and repeats it, so a restarted gateway learns it
/// again); the gateway registers it with the NameServer, and routes served over gRPC name this node.
/// </summary>
public sealed class ProxyServer : IAsyncDisposable
{
    private static readonly TimeSpan AnnounceInterval = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly ProxyMetrics _metrics;
    private readonly Timer _announce;

    private ProxyServer(WebApplication app, ProxyMetrics metrics, ActorSystem system, string endpoint)
    {
        _app = app;
        _metrics = metrics;
        Endpoint = endpoint;
        Port = int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..]);
        var bound = new GrpcEndpointBound(endpoint);
        _announce = new Timer(_ => system.ActorSelection(BrokerAccess.GatewayPath).Tell(bound), null, TimeSpan.Zero, AnnounceInterval);
    }

    /// <summary>host:port the clients reach, as routes name it.</summary>
    public string Endpoint { get; }

    /// <summary>The port bound (the configured one, or the free one picked for port 0).</summary>
    public int Port { get; }

    /// <summary>Starts the endpoint beside a running broker node; throws IOException when the port cannot be bound.</summary>
    public static async Task<ProxyServer> StartAsync(ActorSystem system, BrokerSettings broker, ProxySettings settings, TlsSettings? tls = null)
    {
        tls ??= TlsSettings.Create(system.Settings.Config);
        var certificate = tls.Enabled ? tls.LoadCertificate() : null;
        if (!settings.Enabled) throw new InvalidOperationException("akkamq.proxy.grpc.port is -1: the gRPC endpoint is off");
        // The empty builder has no configuration sources, as the HTTP endpoint's (no file watchers under ./data).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        var address = IPAddress.TryParse(broker.BrokerIP1, out var ip) ? ip : IPAddress.Any;
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, settings.GrpcPort, o =>
        {
            o.Protocols = HttpProtocols.Http2;
            KestrelTls.Apply(o, tls, certificate);
        }));
        builder.Services.AddRoutingCore();
        // gRPC's default 4 MiB limit would refuse a maxMessageSize body before the check could name it.
        var auth = AuthExtension.For(system);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = broker.Limits.MaxMessageSize + broker.Limits.MaxPropertiesSize * 4 + 64 * 1024;
            if (auth.Settings.Enabled) o.Interceptors.Add<GrpcAuthInterceptor>();
        });
        if (auth.Settings.Enabled) builder.Services.AddSingleton(new GrpcAuthInterceptor(new GrpcAuthCheck(auth.Authenticator, auth.Cache)));
        var metrics = new ProxyMetrics();
        builder.Services.AddSingleton(new MessagingServiceImpl(new BrokerAccess(system, broker, settings.RequestTimeout), settings, metrics));
        var app = builder.Build();
        app.MapGrpcService<MessagingServiceImpl>();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            metrics.Dispose();
            throw;
        }
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
        var port = new Uri(url).Port;
        return new ProxyServer(app, metrics, system, $"{broker.BrokerIP1}:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _announce.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _metrics.Dispose();
    }
}
