using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaMq.Hosting.Http;

/// <summary>Runs the node's HTTP endpoint beside its ActorSystem in a generic host (when akkamq.node.http.enabled).</summary>
public sealed class NodeHttpHostedService(ActorSystem system, NodeSettings settings, NodeHttpSettings http) : IHostedService
{
    private NodeHttpServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!http.Enabled) return;
        _server = await NodeHttpServer.StartAsync(system, settings, http);
        Console.WriteLine($"AkkaMq HTTP endpoint listening on {_server.Url} (/health, /metrics, /api)");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server != null) await _server.DisposeAsync();
    }
}

public static class NodeHttpServiceCollectionExtensions
{
    /// <summary>Adds the node's HTTP endpoint; register it after AddAkka so the ActorSystem starts first.</summary>
    public static IServiceCollection AddAkkaMqNodeHttp(this IServiceCollection services, Config nodeConfig)
    {
        var settings = NodeSettings.Create(nodeConfig);
        var http = NodeHttpSettings.Create(nodeConfig);
        return services.AddHostedService(sp => new NodeHttpHostedService(sp.GetRequiredService<ActorSystem>(), settings, http));
    }
}
