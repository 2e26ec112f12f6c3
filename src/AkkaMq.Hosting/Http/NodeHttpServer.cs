using Akka.Actor;
using AkkaMq.Broker.Stats;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Client.Metrics;
using AkkaMq.Protocol.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace AkkaMq.Hosting.Http;

/// <summary>
/// The node's HTTP endpoint (ASP.NET Core minimal APIs on Kestrel): GET /health, GET /metrics
/// (Prometheus text from the OpenTelemetry meters) and the admin JSON API under /api. Bound to
/// akkamq.node.http.hostname:port, 127.0.0.1 by default.
/// </summary>
public sealed class NodeHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AkkaMqAdmin _admin;
    private readonly NodeMetrics _metrics;

    private NodeHttpServer(WebApplication app, AkkaMqAdmin admin, NodeMetrics metrics)
    {
        _app = app;
        _admin = admin;
        _metrics = metrics;
    }

    /// <summary>The address actually bound ("http://127.0.0.1:PORT", https with akkamq.tls on), known once started.</summary>
    public string Url { get; private set; } = "";

    public static async Task<NodeHttpServer> StartAsync(ActorSystem system, NodeSettings settings, NodeHttpSettings http)
    {
        // The empty builder has no configuration sources: the slim one's appsettings.json source
        // watched the working directory recursively, so every journal write under ./data cost an
        // inotify event and a wake-up of the watcher thread (bench/results/HISTORY.md).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        var tls = TlsSettings.Create(system.Settings.Config);
        if (!tls.Enabled) builder.WebHost.UseUrls($"http://{http.Hostname}:{http.Port}");
        else
        {
            var certificate = tls.LoadCertificate();
            builder.WebHost.ConfigureKestrel(k =>
            {
                Action<ListenOptions> apply = o => AkkaMq.Proxy.KestrelTls.Apply(o, tls, certificate);
                if (System.Net.IPAddress.TryParse(http.Hostname, out var ip)) k.Listen(ip, http.Port, apply);
                else if (http.Hostname == "localhost") k.ListenLocalhost(http.Port, apply);
                else k.ListenAnyIP(http.Port, apply);
            });
        }
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(BrokerStats.MeterName, ClientMetrics.MeterName, NodeMetrics.MeterName, AkkaMq.Proxy.ProxyMetrics.MeterName)
            // The runtime's own meter: GC heap, committed and fragmentation sizes, working set, so RSS can be read against the memory budget.
            .AddMeter("System.Runtime")
            // A scrape reads the instruments now, not a cached answer from an earlier scrape.
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();

        // The node's own client: its NameServer list and system name, whatever akkamq.client says.
        var clientSettings = ClientSettings.Create(system.Settings.Config) with
        {
            NamesrvAddr = settings.NamesrvAddr,
            ClusterSystemName = settings.SystemName,
        };
        var admin = new AkkaMqAdmin(new ClientContext(system, clientSettings));
        var metrics = new NodeMetrics(settings, system);

        // Routing first, so the access check sees which endpoint (and route values) a request is for.
        app.UseRouting();
        var access = new HttpAccess(AkkaMq.Auth.AuthExtension.For(system));
        app.Use(access.InvokeAsync);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/health", async () =>
        {
            var report = await NodeHealth.CheckAsync(system, settings, http.JournalCheckTimeout);
            return Results.Json(report, statusCode: report.Status == "UP" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        AdminHttpApi.Map(app, admin);

        await app.StartAsync();
        var server = new NodeHttpServer(app, admin, metrics);
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _admin.DisposeAsync();
        _metrics.Dispose();
    }
}
