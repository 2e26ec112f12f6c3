using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace AkkaMq.Cli.Common;

/// <summary>
/// Akka logger that writes to stderr, so a command's stdout carries only its result
/// (e.g. the bench RESULT line) whatever Akka has to say.
/// </summary>
public sealed class StderrLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public StderrLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => Console.Error.WriteLine("akka " + e));
    }
}
