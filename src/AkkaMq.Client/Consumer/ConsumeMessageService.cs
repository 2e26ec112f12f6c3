using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client.Consumer;

/// <summary>A batch of one queue's cached messages handed to the listener in one call.</summary>
internal sealed class ConsumeRequest
{
    public required ProcessQueue Pq;
    public required IReadOnlyList<MessageExt> Msgs;
}

/// <summary>
/// Hands cached messages to the listener and decides what a result means (RocketMQ's
/// ConsumeMessageService). The push consumer actor calls it from its own thread; the service
/// reaches the actor's timers and brokers through <see cref="IConsumeServiceHost"/>.
/// </summary>
internal interface IConsumeMessageService
{
    /// <summary>A pull cached <paramref name="fresh"/> in <paramref name="pq"/>.</summary>
    void SubmitConsumeRequest(ProcessQueue pq, List<MessageExt> fresh);

    /// <summary>The listener call for <paramref name="request"/> ended (a throw or a timeout is a failure).</summary>
    void OnConsumed(ConsumeRequest request, bool success);

    /// <summary>A pause asked for through <see cref="IConsumeServiceHost.ConsumeLater"/> has passed.</summary>
    void ConsumeAgain(ConsumeRequest request);

    /// <summary>The broker answered a send-back (concurrently, clustering): <paramref name="failed"/> it did not take.</summary>
    void OnSendBackDone(ConsumeRequest request, IReadOnlyList<MessageExt> failed);

    /// <summary>The broker granted this member the lock on <paramref name="pq"/> (orderly).</summary>
    void OnLocked(ProcessQueue pq);
}

/// <summary>What the consume services need from the push consumer actor.</summary>
internal interface IConsumeServiceHost
{
    /// <summary>The consumer is shutting down: start no new listener calls.</summary>
    bool Stopping { get; }

    /// <summary>Routes a listener call's outcome back to <see cref="IConsumeMessageService.OnConsumed"/>.</summary>
    void Consuming(ConsumeRequest request, Task<bool> consumed);

    /// <summary>Calls <see cref="IConsumeMessageService.ConsumeAgain"/> after <paramref name="delay"/> (one pending call per key).</summary>
    void ConsumeLater(object key, ConsumeRequest request, TimeSpan delay);

    /// <summary>Sends the messages back to the broker for the retry topic; false when their broker is not reachable.</summary>
    bool SendMessageBack(ConsumeRequest request);

    /// <summary>Asks the broker for the queue's lock again.</summary>
    void Lock(ProcessQueue pq);

    /// <summary>Commits the queue's offset, then releases its lock (a queue given up during a listener call).</summary>
    void CommitThenUnlock(ProcessQueue pq);
}

internal static class ConsumeListeners
{
    /// <summary>RocketMQ's fixed pause before a failed batch is handed to the listener again locally.</summary>
    public static readonly TimeSpan LocalReconsumeDelay = TimeSpan.FromSeconds(5);

    /// <summary>A retried message is shown under the topic it was sent to (RocketMQ's resetRetryTopic).</summary>
    public static IReadOnlyList<MessageExt> ForListener(IReadOnlyList<MessageExt> msgs)
    {
        List<MessageExt>? copy = null;
        for (var i = 0; i < msgs.Count; i++)
            if (msgs[i].Properties.TryGetValue(MessageConst.RetryTopic, out var original) && msgs[i].Topic != original)
            {
                copy ??= new List<MessageExt>(msgs);
                copy[i] = msgs[i] with { Topic = original };
            }
        return copy ?? msgs;
    }

    /// <summary>Runs a concurrently listener on the thread pool; a throw or a timeout is a failure.</summary>
    public static async Task<bool> Run(MessageListenerConcurrently listener, IReadOnlyList<MessageExt> msgs, MessageQueue mq, TimeSpan timeout)
    {
        try
        {
            // WaitAsync drops its timer when the call ends; a Task.Delay per message would live for the whole timeout.
            return await Task.Run(() => listener(msgs, new ConsumeConcurrentlyContext(mq))).WaitAsync(timeout) == ConsumeConcurrentlyStatus.ConsumeSuccess;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>Runs an orderly listener on the thread pool; a throw or a timeout is a failure.</summary>
    public static async Task<bool> Run(MessageListenerOrderly listener, IReadOnlyList<MessageExt> msgs, MessageQueue mq, TimeSpan timeout)
    {
        try
        {
            return await Task.Run(() => listener(msgs, new ConsumeOrderlyContext(mq))).WaitAsync(timeout) == ConsumeOrderlyStatus.Success;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
