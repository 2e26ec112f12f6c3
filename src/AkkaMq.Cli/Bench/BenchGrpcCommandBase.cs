using System.CommandLine;
using AkkaMq.Cli.Common;
using AkkaMq.Protocol;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// Shared shape of the gRPC scenarios (bench grpc-send, grpc-receive): the bench session's native client creates the
/// topic and counts what was stored; the timed work goes over RocketMQ 5's gRPC protocol to the endpoint given by
/// --endpoint, or else the one the topic's route names. A node started with --start-node serves gRPC on a free port.
/// </summary>
public abstract class BenchGrpcCommandBase : BenchCommandBase
{
    protected readonly Option<string?> EndpointOption = new("--endpoint", "-e")
    {
        Description = "host:port of the gRPC endpoint (default: the one the topic's route names; with --start-node always that)",
    };

    protected BenchGrpcCommandBase(string name, string description) : base(name, description)
    {
        EndpointOption.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (value != null && GrpcBenchClient.ParseEndpoint(value) == null) r.AddError($"--endpoint must be host:port (got '{value}')");
        });
        Validators.Add(r =>
        {
            if (r.GetValue<string?>("--endpoint") != null && r.GetValue<bool>("--start-node"))
                r.AddError("--endpoint cannot be used with --start-node (the started node's gRPC endpoint is found from the route)");
        });
    }

    protected static void Range(Option<int> option, int min, int max, string why) => option.Validators.Add(r =>
    {
        var v = r.GetValueOrDefault<int>();
        if (v < min || v > max) r.AddError($"{option.Name} must be {min} to {max}{why} (got {v})");
    });

    // The started node serves gRPC on a free port; its route names it.
    protected override string? NodeHocon(ParseResult r) => "akkamq.proxy.grpc.port = 0";

    /// <summary>--endpoint, or the gRPC endpoint the topic's route names (waits up to 15 s for the node to register it).</summary>
    protected async Task<string> ResolveEndpointAsync(BenchSession session, ParseResult r, string topic, CancellationToken ct)
    {
        if (r.GetValue(EndpointOption) is { } given) return given;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                var route = await session.Client.Context.FetchRouteAsync(topic, false, ct);
                if (route.BrokerDatas.Select(b => b.SelectGrpcEndpoint()).FirstOrDefault(e => e != null) is { } endpoint)
                {
                    Console.Error.WriteLine($"akkamq bench: gRPC endpoint {endpoint} (from the route of {topic})");
                    return endpoint;
                }
            }
            catch (AkkaMqException) when (DateTime.UtcNow < until)
            {
            }
            if (DateTime.UtcNow >= until)
                throw new CliException($"the route of {topic} names no gRPC endpoint after 15 s: is akkamq.proxy.grpc.port set on the node? (or give --endpoint host:port)");
            await Task.Delay(200, ct);
        }
    }
}
