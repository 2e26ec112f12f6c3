using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaMq.Hosting.Http;

/// <summary>Runs RocketMQ 5's gRPC endpoint (AkkaMq.Proxy) beside a broker node's ActorSystem (unless akkamq.proxy.grpc.port is -1).</summary>
public sealed class NodeGrpcHostedService(ActorSystem system, NodeSettings settings, ProxySettings proxy) : IHostedService
{
    private ProxyServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!proxy.Enabled || settings.Broker is not { } broker) return;
        try
        {
            _server = await ProxyServer.StartAsync(system, broker, proxy);
        }
        catch (IOException e)
        {
            // Port taken or address not local: name the setting instead of a Kestrel stack trace.
            throw new NodeHttpBindException($"the gRPC endpoint cannot bind {broker.BrokerIP1}:{proxy.GrpcPort} (akkamq.proxy.grpc.port): {e.Message}", e);
        }
        Console.WriteLine($"AkkaMq gRPC endpoint (RocketMQ 5 clients) listening on {_server.Endpoint}");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server != null) await _server.DisposeAsync();
    }
}

public static class NodeGrpcServiceCollectionExtensions
{
    /// <summary>Adds the broker node's gRPC endpoint; register it after AddAkka so the ActorSystem starts first.</summary>
    public static IServiceCollection AddAkkaMqGrpcEndpoint(this IServiceCollection services, Config nodeConfig)
    {
        var settings = NodeSettings.Create(nodeConfig);
        var proxy = ProxySettings.Create(nodeConfig);
        return services.AddHostedService(sp => new NodeGrpcHostedService(sp.GetRequiredService<ActorSystem>(), settings, proxy));
    }
}
