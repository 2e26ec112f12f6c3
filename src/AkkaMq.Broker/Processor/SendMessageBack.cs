using System.Globalization;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Processor;

/// <summary>Where a message handed back by a consumer goes: its copy, the topic it is stored in, and when.</summary>
/// <param name="DeliverAt">When the schedule re-stores the retry copy; 0 for a dead letter, stored at once.</param>
public readonly record struct SendBackTarget(string Topic, bool ToDlq, SendEntry Entry, long DeliverAt);

/// <summary>
/// RocketMQ's consumerSendMsgBack decision: the failed message goes to %RETRY%group with a delay
/// (level 3 + times already reconsumed, unless the consumer chose one), or to %DLQ%group once it
/// was reconsumed maxReconsumeTimes times or the consumer asked for a negative level. Retry count,
/// first topic and first message id travel as properties.
/// </summary>
public sealed class SendMessageBack
{
    /// <summary>RocketMQ's first retry level (10s with the default messageDelayLevel).</summary>
    public const int FirstRetryLevel = 3;

    /// <summary>maxReconsumeTimes of a consumer that did not set one: the subscription group's retryMaxTimes decides.</summary>
    public const int UseGroupRetryMaxTimes = -1;

    private readonly string _brokerName;
    private readonly MessageLimits _limits;
    private readonly IReadOnlyList<TimeSpan> _delayLevels;

    public SendMessageBack(string brokerName, MessageLimits limits, IReadOnlyList<TimeSpan> delayLevels)
    {
        _brokerName = brokerName;
        _limits = limits;
        _delayLevels = delayLevels;
    }

    /// <summary>The copy to store for <paramref name="m"/> at time <paramref name="now"/> (Unix ms), or why it is refused.</summary>
    public RequestFailure? Decide(ConsumerSendMsgBack m, long now, out SendBackTarget target) =>
        Decide(m, now, SubscriptionGroupConfig.DefaultRetryMaxTimes, out target);

    /// <summary>
    /// As above; a consumer that did not set its own maxReconsumeTimes sends -1 (RocketMQ's default) and
    /// <paramref name="groupRetryMaxTimes"/>, the subscription group's retryMaxTimes, applies.
    /// </summary>
    public RequestFailure? Decide(ConsumerSendMsgBack m, long now, int groupRetryMaxTimes, out SendBackTarget target)
    {
        target = default;
        if (m.BrokerName != _brokerName)
            return new RequestFailure(ResponseCode.SystemError, $"this node serves broker '{_brokerName}', not '{m.BrokerName}'");
        if (Validators.CheckGroup(m.ConsumerGroup) is { } groupError) return new RequestFailure(ResponseCode.ConsumerGroupIllegal, groupError);
        if (Validators.CheckMessage(m.Msg.Topic, m.Msg.Tags, m.Msg.Keys, m.Msg.Properties, m.Msg.Body, _limits) is { } msgError)
            return new RequestFailure(ResponseCode.MessageIllegal, msgError);
        if (m.MaxReconsumeTimes < UseGroupRetryMaxTimes)
            return new RequestFailure(ResponseCode.MessageIllegal, $"maxReconsumeTimes {m.MaxReconsumeTimes} is negative (-1 means the group's retryMaxTimes)");
        var maxReconsumeTimes = m.MaxReconsumeTimes == UseGroupRetryMaxTimes ? groupRetryMaxTimes : m.MaxReconsumeTimes;
        var levels = _delayLevels;
        if (m.DelayLevel > levels.Count)
            return new RequestFailure(ResponseCode.MessageIllegal, $"delay level {m.DelayLevel} is over the {levels.Count} levels of messageDelayLevel");

        var reconsumed = MessageConst.ReconsumeTimes(m.Msg);
        var toDlq = reconsumed >= maxReconsumeTimes || m.DelayLevel < 0;
        var topic = toDlq ? MessageConst.GetDlqTopic(m.ConsumerGroup) : MessageConst.GetRetryTopic(m.ConsumerGroup);
        if (Validators.CheckTopic(topic) is { } topicError)
            return new RequestFailure(ResponseCode.ConsumerGroupIllegal,
                $"consumer group '{m.ConsumerGroup}' cannot have a retry or dead-letter topic: {topicError}");

        var props = new Dictionary<string, string>(m.Msg.Properties);
        props.TryAdd(MessageConst.RetryTopic, m.Msg.Topic);
        props.TryAdd(MessageConst.OriginMessageId, m.Msg.MsgId);
        props[MessageConst.ReconsumeTime] = (reconsumed + 1).ToString(CultureInfo.InvariantCulture);
        props.Remove(MessageConst.DelayTimeLevel);
        props.Remove(MessageConst.TimerDeliverMs);
        long deliverAt = 0;
        if (!toDlq)
        {
            var level = m.DelayLevel > 0 ? m.DelayLevel : Math.Min(FirstRetryLevel + reconsumed, levels.Count);
            props[MessageConst.DelayTimeLevel] = level.ToString(CultureInfo.InvariantCulture);
            deliverAt = now + (long)levels[level - 1].TotalMilliseconds;
        }
        var entry = new SendEntry(m.CorrelationId, 0, false, m.Msg.BornTimestamp, new Message(topic, m.Msg.Body, m.Msg.Tags, m.Msg.Keys, props));
        target = new SendBackTarget(topic, toDlq, entry, deliverAt);
        return null;
    }
}
