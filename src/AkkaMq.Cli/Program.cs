using System.CommandLine;
using System.Globalization;
using AkkaMq.Cli.Bench;

// akkamq: AkkaMq's command-line tool. Each subcommand is one class; groups (bench, later admin
// commands) add their subcommands in their own group class. Keep this file to the wiring.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var root = new RootCommand("akkamq: command-line tools for AkkaMq")
{
    new BenchCommand(),
};

// Ctrl+C / SIGTERM cancel the running command; give it time to stop a node it started.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
return await root.Parse(args).InvokeAsync(invocation);
