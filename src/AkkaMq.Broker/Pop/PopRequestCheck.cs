using AkkaMq.Broker.Processor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Pop;

/// <summary>
/// The checks of a POP request beyond broker, topic, queue and group (which the gateway's
/// <see cref="RequestValidator"/> makes): batch size, filter, invisible and polling time, max
/// attempts and attempt id, each refused with the code and a text naming the problem.
/// </summary>
public static class PopRequestCheck
{
    public static RequestFailure? Check(PopMessage m)
    {
        if (m.QueueId < PopLimits.AnyQueue)
            return new RequestFailure(ResponseCode.MessageIllegal, $"queue id {m.QueueId} is negative (use {PopLimits.AnyQueue} for any queue)");
        if (m.MaxMessages is < 1 or > PopLimits.MaxBatch)
            return new RequestFailure(ResponseCode.MessageIllegal, $"batch size {m.MaxMessages} is outside 1..{PopLimits.MaxBatch}");
        if (!SubscriptionExpression.TryParse(m.FilterExpression, out _, out var filterError))
            return new RequestFailure(ResponseCode.SubscriptionParseFailed, filterError!);
        if (CheckInvisibleTime(m.InvisibleMillis) is { } invisible) return invisible;
        if (m.PollMillis is < 0 or > PopLimits.MaxPollMillis)
            return new RequestFailure(ResponseCode.IllegalPollingTime, $"polling time {m.PollMillis} ms is outside 0..{PopLimits.MaxPollMillis} ms");
        if (m.MaxDeliveryAttempts < 1)
            return new RequestFailure(ResponseCode.MessageIllegal, $"max delivery attempts {m.MaxDeliveryAttempts} is below 1");
        if (m.AttemptId is { } id && (id.Length == 0 || id.Length > PopLimits.MaxAttemptIdLength))
            return new RequestFailure(ResponseCode.MessageIllegal, $"attempt id of {id.Length} characters is outside 1..{PopLimits.MaxAttemptIdLength}");
        return null;
    }

    public static RequestFailure? CheckInvisibleTime(long millis) =>
        millis is < PopLimits.MinInvisibleMillis or > PopLimits.MaxInvisibleMillis
            ? new RequestFailure(ResponseCode.IllegalInvisibleTime,
                $"invisible time {millis} ms is outside {PopLimits.MinInvisibleMillis}..{PopLimits.MaxInvisibleMillis} ms (10 s..12 h)")
            : null;

    /// <summary>
    /// The order a receive of any queue asks the topic's queues in: round-robin from a rotating start,
    /// or, for a FIFO receive with an attempt id, from a start fixed by the id, so a retry asks the same queue first.
    /// </summary>
    public static int[] QueueOrder(int queues, string? attemptId, int rotation)
    {
        var start = attemptId != null ? (int)(Fnv(attemptId) % (uint)queues) : (int)((uint)rotation % (uint)queues);
        var order = new int[queues];
        for (var i = 0; i < queues; i++) order[i] = (start + i) % queues;
        return order;
    }

    private static uint Fnv(string s)
    {
        var h = 2166136261u;
        foreach (var c in s) h = (h ^ c) * 16777619u;
        return h;
    }
}
