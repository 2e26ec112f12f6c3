namespace AkkaMq.Cli.Common;

/// <summary>
/// A failure the user can act on (NameServer unreachable, node binary missing, bad option
/// combination). Commands let it propagate; <see cref="CliCommand"/> prints its message as one
/// line on stderr and exits with <see cref="ExitCode"/>.
/// </summary>
public sealed class CliException(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
