using System.CommandLine;
using AkkaMq.Cli.Common;
using AkkaMq.Protocol;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// Shared shape of the bench subcommands: common options (NameServer, --start-node, topic, size,
/// warmup...), a <see cref="BenchSession"/> opened and torn down around the scenario, stdout kept
/// for the single RESULT line (anything else that writes to stdout is sent to stderr meanwhile).
/// </summary>
public abstract class BenchCommandBase : CliCommand
{
    private readonly Option<string> _namesrv = new("--namesrv", "-n")
    {
        Description = "NameServer address(es), host:port[;host:port] (ignored with --start-node)",
        DefaultValueFactory = _ => "127.0.0.1:9876",
    };
    private readonly Option<bool> _startNode = new("--start-node")
    {
        Description = "Start a standalone node (child process, free 127.0.0.1 port, temporary data directory) for this run and stop it afterwards",
    };
    private readonly Option<string?> _nodeDll = new("--node-dll")
    {
        Description = "Path of akkamq-node.dll for --start-node (default: next to akkamq, else the repo's src/AkkaMq.Node/bin/{Release,Debug})",
    };
    private readonly Option<string?> _flush = new Option<string?>("--flush")
    {
        Description = "flushDiskType of the node started by --start-node (default ASYNC_FLUSH); without --start-node it is only reported",
    }.AcceptOnlyFromAmong("ASYNC_FLUSH", "SYNC_FLUSH");
    private readonly Option<string?> _topic = new("--topic", "-t")
    {
        Description = "Topic to use (created with --queues queues); default BenchTopic plus a random suffix",
    };
    private readonly Option<int> _queues = new("--queues")
    {
        Description = "Queues of the benchmark topic",
        DefaultValueFactory = _ => 4,
    };
    private readonly Option<int> _warmup = new("--warmup")
    {
        Description = "Warm-up sends before timing (not measured)",
        DefaultValueFactory = _ => 5000,
    };
    // The node's JIT compiles its hot paths fully only after a few seconds of load (tiered
    // compilation); 5,000 sends alone left the first timed seconds on unoptimized code.
    private readonly Option<double> _warmupSeconds = new("--warmup-seconds")
    {
        Description = "Keep warming up until this many seconds have passed as well (the node's JIT reaches its optimized code); 0 = count only",
        DefaultValueFactory = _ => 5,
    };
    // Kafka's perf tools take --producer-props; these take HOCON, as the node and clients do.
    private readonly Option<string?> _clientConfig = new("--client-config")
    {
        Description = "Extra HOCON for the bench's client, over its defaults (e.g. \"akkamq.client.producer.max-inflight-batches-per-broker = 4\")",
    };
    private readonly Option<string?> _nodeConfig = new("--node-config")
    {
        Description = "With --start-node: extra HOCON appended to the started node's config (e.g. \"akkamq.broker.queue.max-batch-messages = 512\")",
    };
    private readonly Option<double> _maxSeconds = new("--max-seconds")
    {
        Description = "Stop the timed phase after this many seconds and report what was done (marked truncated=1)",
        DefaultValueFactory = _ => 50,
    };
    private readonly Option<int> _brokerPid = new("--broker-pid")
    {
        Description = "Also report this process's CPU seconds during the timed phase (automatic with --start-node)",
    };
    private readonly Option<string?> _tag = new("--tag")
    {
        Description = "Free-form text appended to the RESULT line (e.g. round=1)",
    };
    private readonly Option<bool> _verbose = new("--verbose", "-v")
    {
        Description = "Show client-side Akka warnings",
    };

    protected readonly Option<int> SizeOption = new("--size", "-s")
    {
        Description = "Message body size in bytes",
        DefaultValueFactory = _ => 1024,
    };

    protected BenchCommandBase(string name, string description) : base(name, description)
    {
        Positive(SizeOption);
        Positive(_queues);
        NonNegative(_warmup);
    }

    /// <summary>Adds the scenario's own options, then the shared ones (so --help lists them in that order).</summary>
    protected void AddOptions(params Option[] scenarioOptions)
    {
        foreach (var o in scenarioOptions) Options.Add(o);
        foreach (var o in new Option[] { SizeOption, _topic, _queues, _warmup, _warmupSeconds, _namesrv, _startNode, _nodeDll, _nodeConfig, _clientConfig, _flush, _maxSeconds, _brokerPid, _tag, _verbose })
            Options.Add(o);
    }

    protected static void Positive(Option<int> option) => option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() < 1) r.AddError($"{option.Name} must be at least 1");
    });

    protected static void NonNegative(Option<int> option) => option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() < 0) r.AddError($"{option.Name} must not be negative");
    });

    protected static void PositiveLong(Option<long> option) => option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<long>() < 1) r.AddError($"{option.Name} must be at least 1");
    });

    private BenchSettings ReadSettings(ParseResult r)
    {
        var topic = r.GetValue(_topic) ?? BenchSettings.DefaultTopic();
        if (AkkaMq.Protocol.Validators.CheckTopic(topic) is { } error) throw new CliException($"--topic: {error}", 2);
        var maxSeconds = r.GetValue(_maxSeconds);
        if (maxSeconds <= 0) throw new CliException("--max-seconds must be positive", 2);
        var warmupSeconds = r.GetValue(_warmupSeconds);
        if (warmupSeconds < 0) throw new CliException("--warmup-seconds must not be negative", 2);
        var nodeConfig = r.GetValue(_nodeConfig);
        if (nodeConfig != null && !r.GetValue(_startNode)) throw new CliException("--node-config needs --start-node (it configures the node the bench starts)", 2);
        if (nodeConfig != null) CheckHocon("--node-config", nodeConfig);
        var clientConfig = r.GetValue(_clientConfig);
        if (clientConfig != null) CheckHocon("--client-config", clientConfig);
        return new BenchSettings(r.GetValue(_namesrv)!, r.GetValue(_startNode), r.GetValue(_nodeDll), r.GetValue(_flush), topic,
            r.GetValue(_queues), r.GetValue(SizeOption), r.GetValue(_warmup), warmupSeconds, maxSeconds, r.GetValue(_brokerPid), r.GetValue(_tag),
            r.GetValue(_verbose), clientConfig, nodeConfig);
    }

    private static void CheckHocon(string option, string hocon)
    {
        try
        {
            Akka.Configuration.ConfigurationFactory.ParseString(hocon);
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            throw new CliException($"{option}: not valid HOCON: {e.Message}", 2);
        }
    }

    /// <summary>Extra client HOCON (e.g. a larger max-outstanding-sends for a big window).</summary>
    protected virtual string? ClientHocon(ParseResult r) => null;

    /// <summary>Extra HOCON for the node --start-node starts (e.g. the soak's retention); --node-config comes after it and wins.</summary>
    protected virtual string? NodeHocon(ParseResult r) => null;

    /// <summary>Runs the scenario and returns the RESULT line (built with <see cref="BenchSession.Result"/>).</summary>
    protected abstract Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct);

    protected sealed override async Task<int> ExecuteAsync(ParseResult r, CancellationToken ct)
    {
        var settings = ReadSettings(r);
        if (settings.StartNode && NodeHocon(r) is { } nodeHocon)
            settings = settings with { NodeConfig = settings.NodeConfig == null ? nodeHocon : nodeHocon + "\n" + settings.NodeConfig };
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        try
        {
            // --client-config comes last, so it wins over the scenario's own client settings.
            var clientHocon = settings.ClientConfig == null ? ClientHocon(r) : ClientHocon(r) + "\n" + settings.ClientConfig;
            var session = await BenchSession.OpenAsync(settings, clientHocon, ct);
            try
            {
                // Printed before teardown, so a slow node shutdown cannot lose the result.
                var line = await RunAsync(session, r, ct);
                stdout.WriteLine(line);
                stdout.Flush();
                return 0;
            }
            finally
            {
                await session.DisposeAsync();
            }
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }
}
