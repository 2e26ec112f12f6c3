using System.CommandLine;
using System.CommandLine.Parsing;

namespace AkkaMq.Cli.Common;

/// <summary>
/// Base class of a leaf subcommand: declares its options in the constructor and implements
/// <see cref="ExecuteAsync"/>. Maps <see cref="CliException"/> to one stderr line and its exit
/// code, and cancellation (Ctrl+C) to exit code 130.
/// </summary>
public abstract class CliCommand : Command
{
    protected CliCommand(string name, string description) : base(name, description)
    {
        SetAction(async (parseResult, ct) =>
        {
            try
            {
                return await ExecuteAsync(parseResult, ct);
            }
            catch (CliException e)
            {
                Console.Error.WriteLine($"{CommandPath(parseResult)}: {e.Message}");
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.Error.WriteLine($"{CommandPath(parseResult)}: interrupted");
                return 130;
            }
        });
    }

    /// <summary>"akkamq bench produce": the command as typed, for error messages.</summary>
    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (SymbolResult? r = parseResult.CommandResult; r != null; r = r.Parent)
            if (r is CommandResult c) names.Add(c.Command is RootCommand ? "akkamq" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken ct);
}
