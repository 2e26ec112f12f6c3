using Akka.Actor;
using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests;

/// <summary>An actor ref without an actor system that keeps what it is told, for testing the queue log's plain classes.</summary>
internal sealed class RecordingRef : MinimalActorRef
{
    private static int _next;

    public RecordingRef(string? name = null) =>
        Path = new RootActorPath(new Address("akka", "plain")) / (name ?? "ref-" + Interlocked.Increment(ref _next));

    public List<object> Received { get; } = new();

    public override ActorPath Path { get; }

    public override IActorRefProvider Provider => throw new NotSupportedException("no actor system");

    protected override void TellInternal(object message, IActorRef sender) => Received.Add(message);

    public T Single<T>() => Assert.IsType<T>(Assert.Single(Received));
}

/// <summary>A pull host that collects with fixed limits and records what it is asked to serve or cancel.</summary>
internal sealed class RecordingPullHost : IPullHost
{
    public int MaxMessages { get; init; } = 32;
    public long MaxBytes { get; init; } = 1 << 20;
    public int MaxScan { get; init; } = 10_000;

    public List<(PullMessage Request, long Offset, IActorRef ReplyTo)> Served { get; } = new();
    public List<long> Cancelled { get; } = new();

    public PullCollector Collect(PullMessage request, SubscriptionExpression filter, long offset) =>
        new(request with { QueueOffset = offset }, filter, Math.Min(request.MaxMsgNums, MaxMessages), MaxBytes, MaxScan);

    public void Serve(PullMessage request, SubscriptionExpression filter, long offset, IActorRef replyTo) => Served.Add((request, offset, replyTo));

    public void CancelExpiry(long id) => Cancelled.Add(id);
}
