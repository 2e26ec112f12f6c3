using System.CommandLine;

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
                Console.Error.WriteLine($"akkamq {Name}: {e.Message}");
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.Error.WriteLine($"akkamq {Name}: interrupted");
                return 130;
            }
        });
    }

    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken ct);
}
