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
        try
        {
            _server = await NodeHttpServer.StartAsync(system, settings, http);
        }
        catch (IOException e)
        {
            // Port taken or address not local: name the setting instead of a Kestrel stack trace.
            throw new NodeHttpBindException($"the HTTP endpoint cannot bind {http.Hostname}:{http.Port} (akkamq.node.http): {e.Message}", e);
        }
        Console.WriteLine($"AkkaMq HTTP endpoint listening on {_server.Url} (/health, /metrics, /api)");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server != null) await _server.DisposeAsync();
    }
}

public sealed class NodeHttpBindException(string message, Exception inner) : Exception(message, inner);

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
