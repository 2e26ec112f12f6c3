using Akka.Actor;
using AkkaMq.Protocol;

namespace AkkaMq.Client;

/// <summary>
/// Task facade over <see cref="ProducerActor"/>: sync sends (await the broker's ack), async sends
/// (return at once, a callback completes them) and one-way sends (no ack). Outstanding sends are
/// bounded (max-outstanding-sends): callers wait rather than buffer without limit.
/// </summary>
public sealed class AkkaMqProducer : IAkkaMqProducer, IAsyncDisposable
{
    private readonly SemaphoreSlim _outstanding;
    private readonly bool _ownsActor;

    public AkkaMqProducer(IActorRef producer, ClientSettings settings, bool ownsActor = false)
    {
        Actor = producer;
        Settings = settings;
        _ownsActor = ownsActor;
        _outstanding = new SemaphoreSlim(settings.Producer.MaxOutstandingSends);
    }

    /// <summary>Starts a producer actor in the system, configured from its <c>akkamq.client</c> HOCON section.</summary>
    public static AkkaMqProducer Create(ActorSystem system, ClientSettings? settings = null, string? name = null, IActorRef? nameServer = null)
    {
        settings ??= ClientSettings.Create(system.Settings.Config);
        var props = ProducerActor.Props(settings, nameServer);
        var actor = name == null ? system.ActorOf(props) : system.ActorOf(props, name);
        return new AkkaMqProducer(actor, settings, ownsActor: true);
    }

    public IActorRef Actor { get; }
    public ClientSettings Settings { get; }

    /// <summary>Sync send: completes when the broker has stored the message durably (per its flush mode).</summary>
    public Task<SendResult> SendAsync(Message message, CancellationToken ct = default) => SendCore(message, null, null, ct);

    /// <summary>Sync send to a queue the caller chose.</summary>
    public Task<SendResult> SendAsync(Message message, MessageQueue queue, CancellationToken ct = default) => SendCore(message, queue, null, ct);

    /// <summary>Ordered send: messages with the same sharding key go to the same queue, in order.</summary>
    public Task<SendResult> SendOrderlyAsync(Message message, string shardingKey, CancellationToken ct = default) =>
        SendCore(message, null, shardingKey, ct);

    /// <summary>Async send: returns at once; the callback gets the result or the error (on a thread-pool thread).</summary>
    public void Send(Message message, Action<SendResult?, Exception?> callback)
    {
        if (!_outstanding.Wait(Settings.Producer.SendMsgTimeout))
        {
            ThreadPool.QueueUserWorkItem(_ => callback(null, new AkkaMqException(ResponseCode.SystemBusy,
                $"{Settings.Producer.MaxOutstandingSends} sends are outstanding; none completed within {Settings.Producer.SendMsgTimeout.TotalMilliseconds} ms")));
            return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Actor.Tell(new ProducerActor.Send(message, CommunicationMode.Async, null, null, (r, e) =>
        {
            _outstanding.Release();
            Metrics.ClientMetrics.RecordSend(message.Topic, started, e == null);
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.callback(s.r, s.e), (callback, r, e), preferLocal: false);
        }));
    }

    /// <summary>
    /// One-way send: no acknowledgement, no retry; the fastest and the least safe. Waits at most
    /// sendMsgTimeout for a free slot when max-outstanding-sends are pending.
    /// </summary>
    public void SendOneway(Message message)
    {
        if (!_outstanding.Wait(Settings.Producer.SendMsgTimeout))
            throw new AkkaMqException(ResponseCode.SystemBusy,
                $"{Settings.Producer.MaxOutstandingSends} sends are outstanding; none completed within {Settings.Producer.SendMsgTimeout.TotalMilliseconds} ms");
        Actor.Tell(new ProducerActor.Send(message, CommunicationMode.Oneway, null, null, (_, _) => _outstanding.Release()));
    }

    /// <summary>Sync send of a half message: not sent again after it was written to a broker whose ack never came.</summary>
    internal Task<SendResult> SendHalfAsync(Message message, CancellationToken ct) => SendCore(message, null, null, ct, transactional: true);

    private async Task<SendResult> SendCore(Message message, MessageQueue? queue, string? key, CancellationToken ct, bool transactional = false)
    {
        await _outstanding.WaitAsync(ct);
        var tcs = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Actor.Tell(new ProducerActor.Send(message, CommunicationMode.Sync, queue, key, (r, e) =>
        {
            _outstanding.Release();
            Metrics.ClientMetrics.RecordSend(message.Topic, started, e == null);
            if (e != null) tcs.TrySetException(e);
            else tcs.TrySetResult(r!);
        }) { Transactional = transactional });
        return await tcs.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsActor) await Actor.GracefulStop(TimeSpan.FromSeconds(5));
    }
}
