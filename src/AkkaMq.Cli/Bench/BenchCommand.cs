using System.CommandLine;

namespace AkkaMq.Cli.Bench;

/// <summary>`akkamq bench`: the benchmark group (produce, consume, e2e, push, soak, delay; grpc-send and grpc-receive over the gRPC endpoint).</summary>
public sealed class BenchCommand : Command
{
    public BenchCommand() : base("bench", "Benchmarks against a running AkkaMq cluster (or one started with --start-node). " +
                                          "Progress goes to stderr; one RESULT line (peerbench format) to stdout.")
    {
        Subcommands.Add(new BenchProduceCommand());
        Subcommands.Add(new BenchConsumeCommand());
        Subcommands.Add(new BenchE2eCommand());
        Subcommands.Add(new BenchPushCommand());
        Subcommands.Add(new BenchSoakCommand());
        Subcommands.Add(new BenchDelayCommand());
        Subcommands.Add(new BenchGrpcSendCommand());
        Subcommands.Add(new BenchGrpcReceiveCommand());
    }
}
