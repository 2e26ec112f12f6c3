using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Pop;

/// <summary>
/// Reads one range of a queue for a POP entity through the queue log's own read path (a
/// <see cref="PullMessage"/> to the broker region) and hands the result back tagged with what it was
/// for. A read left unanswered past its time is answered with an error, so the entity never waits forever.
/// </summary>
public sealed class PullRelay : ReceiveActor
{
    /// <summary>The read for Purpose finished with Result.</summary>
    public sealed record Done(object Purpose, PullResult Result) : INoSerializationVerificationNeeded;

    // Beyond the pull's own suspend time: a queue log that has not answered by then is not coming back.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    public static Props Props(IActorRef region, PullMessage pull, object purpose) =>
        Akka.Actor.Props.Create(() => new PullRelay(region, pull, purpose));

    public PullRelay(IActorRef region, PullMessage pull, object purpose)
    {
        region.Tell(pull);
        Context.SetReceiveTimeout(TimeSpan.FromMilliseconds(pull.SuspendTimeoutMillis) + Slack);
        Receive<PullResult>(r =>
        {
            Context.Parent.Tell(new Done(purpose, r));
            Context.Stop(Self);
        });
        Receive<ReceiveTimeout>(_ =>
        {
            Context.Parent.Tell(new Done(purpose, PullResult.Failed(pull, ResponseCode.SystemError,
                $"queue {pull.Topic}:{pull.QueueId} did not answer a read at offset {pull.QueueOffset}")));
            Context.Stop(Self);
        });
    }
}
