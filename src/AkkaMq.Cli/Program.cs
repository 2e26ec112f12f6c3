using System.Globalization;
using AkkaMq.Cli;

// akkamq: AkkaMq's command-line tool. Each subcommand is one class (AkkaMqCli lists them); keep this file to the wiring.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return await AkkaMqCli.RunAsync(args);
