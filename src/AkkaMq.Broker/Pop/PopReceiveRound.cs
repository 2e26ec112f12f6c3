using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Pop;

/// <summary>
/// A receive of any queue of a topic (RocketMQ's POP with queue id -1): asks the queues' POP
/// entities in turn, without holding, until the batch is full (a FIFO receive stops at the first
/// queue that gives a batch). When a whole round finds nothing and polling time is left, it asks
/// again every <see cref="RoundPauseMillis"/> until the deadline, then answers empty. Always answers once.
/// </summary>
public sealed class PopReceiveRound : ReceiveActor, IWithTimers
{
    /// <summary>The pause between rounds of a waiting receive: how late at most it sees a new message.</summary>
    public const long RoundPauseMillis = 200;

    private sealed class NextRound { public static readonly NextRound Instance = new(); }

    private readonly IActorRef _region;
    private readonly PopMessage _request;
    private readonly int[] _queues;
    private readonly IActorRef _replyTo;
    private readonly long _deadline;
    private readonly List<PoppedMessage> _found = new();
    private (ResponseCode Code, string? Error)? _failure;
    private int _next;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, PopMessage request, int[] queues, IActorRef replyTo) =>
        Akka.Actor.Props.Create(() => new PopReceiveRound(region, request, queues, replyTo));

    public PopReceiveRound(IActorRef region, PopMessage request, int[] queues, IActorRef replyTo)
    {
        _region = region;
        _request = request;
        _queues = queues;
        _replyTo = replyTo;
        _deadline = Environment.TickCount64 + request.PollMillis;
        // Each queue answers a hold-less receive promptly; this only guards against one that never does.
        Context.SetReceiveTimeout(TimeSpan.FromMilliseconds(request.PollMillis) + TimeSpan.FromSeconds(30));
        Receive<PopResult>(OnResult);
        Receive<NextRound>(_ => AskNext());
        Receive<ReceiveTimeout>(_ => Finish());
    }

    protected override void PreStart() => AskNext();

    private void AskNext() =>
        _region.Tell(_request with { QueueId = _queues[_next], PollMillis = 0, MaxMessages = _request.MaxMessages - _found.Count }, Self);

    private void OnResult(PopResult r)
    {
        if (r.Code != ResponseCode.Success) _failure ??= (r.Code, r.Error);
        else _found.AddRange(r.Messages);
        if (_found.Count >= _request.MaxMessages || _request.Fifo && _found.Count > 0)
        {
            Finish();
            return;
        }
        if (++_next < _queues.Length)
        {
            AskNext();
            return;
        }
        var remaining = _deadline - Environment.TickCount64;
        if (_found.Count > 0 || remaining <= 0)
        {
            Finish();
            return;
        }
        _next = 0;
        Timers.StartSingleTimer("round", NextRound.Instance, TimeSpan.FromMilliseconds(Math.Min(RoundPauseMillis, remaining)));
    }

    private void Finish()
    {
        // A queue's failure matters only when nothing was found elsewhere.
        var (code, error) = _found.Count == 0 && _failure is { } f ? f : (ResponseCode.Success, (string?)null);
        _replyTo.Tell(new PopResult(_request.BrokerName, _request.ConsumerGroup, _request.Topic, _found, code, error));
        Context.Stop(Self);
    }
}
