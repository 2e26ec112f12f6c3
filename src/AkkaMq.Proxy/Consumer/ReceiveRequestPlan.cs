using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Consumer;

/// <summary>A ReceiveMessage as the broker's POP request, or the status refusing it.</summary>
public readonly record struct PlannedReceive(PopMessage? Pop, V2.Status? Refusal);

/// <summary>
/// Turns a v2 ReceiveMessageRequest and its group's subscription config into a <see cref="PopMessage"/>: any queue
/// of the topic (the request's queue id only names the broker group), the TAG filter, the batch, the invisible time, FIFO and max attempts from the group, and a
/// polling time bounded so the stream ends before the call's deadline. The broker checks the ranges.
/// </summary>
public static class ReceiveRequestPlan
{
    /// <summary>Apache's proxy clamps long polling to 20 s at most.</summary>
    public static readonly TimeSpan MaxPolling = TimeSpan.FromSeconds(20);

    /// <summary>Left before the call's deadline for the answer to travel back.</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(1);

    /// <summary>A PushConsumer's receive with auto-renew may carry no invisible time: RocketMQ's default then.</summary>
    public static readonly TimeSpan DefaultInvisible = TimeSpan.FromSeconds(30);

    /// <param name="remaining">Time left before the call's deadline; null when the call has none.</param>
    public static PlannedReceive Plan(V2.ReceiveMessageRequest r, string brokerName, SubscriptionGroupConfig group, TimeSpan? remaining)
    {
        var topic = r.MessageQueue?.Topic?.Name ?? "";
        if (Validators.CheckTopic(topic) is { } topicError) return Refuse(V2.Code.IllegalTopic, topicError);
        if (!group.ConsumeEnable)
            return Refuse(V2.Code.Forbidden, $"consumer group '{group.GroupName}' may not consume (consumeEnable is false on broker group '{brokerName}')");
        var filter = r.FilterExpression;
        if (filter != null && filter.Type == V2.FilterType.Sql)
            return Refuse(V2.Code.IllegalFilterExpression, $"SQL filter expressions are not supported by AkkaMq; use a TAG expression (got '{filter.Expression}')");
        var expression = string.IsNullOrWhiteSpace(filter?.Expression) ? "*" : filter!.Expression;
        var invisible = r.InvisibleDuration?.ToTimeSpan() ?? DefaultInvisible;
        if (Polling(r.LongPollingTimeout, remaining) is not { } polling)
            return Refuse(V2.Code.IllegalPollingTime, $"long_polling_timeout {r.LongPollingTimeout.ToTimeSpan()} is negative");
        // As Apache's proxy: a receive asks the broker group, any queue of the topic (the Node.js client only ever names queue 0).
        var queueId = PopLimits.AnyQueue;
        var attemptId = r.HasAttemptId && r.AttemptId.Length > 0 ? r.AttemptId : null;
        return new PlannedReceive(new PopMessage(brokerName, group.GroupName, topic, queueId, r.BatchSize, expression,
            (long)invisible.TotalMilliseconds, (long)polling.TotalMilliseconds, group.ConsumeMessageOrderly, attemptId, group.RetryMaxTimes + 1), null);
    }

    /// <summary>The polling time to hold a receive or pull: at most 20 s, ending 1 s before the deadline; null when negative.</summary>
    public static TimeSpan? Polling(Google.Protobuf.WellKnownTypes.Duration? requested, TimeSpan? remaining)
    {
        var polling = requested?.ToTimeSpan() ?? TimeSpan.Zero;
        if (polling < TimeSpan.Zero) return null;
        if (polling > MaxPolling) polling = MaxPolling;
        if (remaining is { } left && polling > left - DeadlineMargin) polling = left - DeadlineMargin;
        return polling < TimeSpan.Zero ? TimeSpan.Zero : polling;
    }

    /// <summary>
    /// A PushConsumer nacks with ChangeInvisibleDuration of its retry backoff (seconds, or milliseconds in the Node.js client),
    /// which Apache's proxy accepts: a time under the broker's 10 s minimum is raised to it, so the nack works and the
    /// message comes back then, rather than the client retrying a refused nack for ever. Negative times stay refused.
    /// </summary>
    public static long ChangedInvisibleMillis(TimeSpan requested)
    {
        var millis = (long)requested.TotalMilliseconds;
        return millis is >= 0 and < PopLimits.MinInvisibleMillis ? PopLimits.MinInvisibleMillis : millis;
    }

    private static PlannedReceive Refuse(V2.Code code, string message) => new(null, ProxyStatus.Of(code, message));
}
