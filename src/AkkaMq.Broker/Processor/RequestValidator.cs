using AkkaMq.Broker.Consumer;
using AkkaMq.Broker.Storage;
using AkkaMq.Broker.Topics;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Processor;

/// <summary>Why a request is refused: the code and text its failure reply carries.</summary>
public readonly record struct RequestFailure(ResponseCode Code, string Error);

/// <summary>
/// The broker's checks of a client request before anything is stored (RocketMQ's
/// AbstractSendMessageProcessor.msgCheck and the processors' own checks): broker name, topic and
/// group names, topic existence and permission, queue ids, message limits, delivery times, disk space. Each
/// check returns the failure to answer with, or null; an accepted request allocates nothing.
/// </summary>
public sealed class RequestValidator
{
    private readonly string _brokerName;
    private readonly MessageLimits _limits;
    private readonly ScheduleSettings _schedule;
    private readonly DiskSpace? _disk;

    /// <param name="disk">The node's data directory disk; null when writes never wait for it.</param>
    public RequestValidator(string brokerName, MessageLimits limits, ScheduleSettings schedule, DiskSpace? disk = null)
    {
        _brokerName = brokerName;
        _limits = limits;
        _schedule = schedule;
        _disk = disk;
    }

    /// <summary>
    /// A write (send batch, send-back) while the data directory's disk is over
    /// diskSpaceWarningLevelRatio: SERVICE_NOT_AVAILABLE with "disk full", as RocketMQ refuses a put.
    /// One field read per batch.
    /// </summary>
    public RequestFailure? CheckWritable() =>
        _disk?.Current is { RefusesWrites: true } s ? new RequestFailure(ResponseCode.ServiceNotAvailable, s.RefusalError!) : null;

    /// <summary>A request addressed to another broker group than the one this node serves.</summary>
    public RequestFailure? CheckBroker(string brokerName) =>
        brokerName == _brokerName ? null : WrongBroker(brokerName);

    public RequestFailure WrongBroker(string brokerName) =>
        new(ResponseCode.SystemError, $"this node serves broker '{_brokerName}', not '{brokerName}'");

    /// <summary>A queue of a topic this broker group serves, readable (pull, queries) or writable (send).</summary>
    public RequestFailure? CheckQueue(string brokerName, string topic, int queueId, bool read, TopicTable topics) =>
        CheckQueue(brokerName, topic, queueId, read, topics, out _);

    private RequestFailure? CheckQueue(string brokerName, string topic, int queueId, bool read, TopicTable topics, out TopicConfig config)
    {
        config = null!;
        if (brokerName != _brokerName) return WrongBroker(brokerName);
        if (Validators.CheckTopic(topic) is { } topicError) return new RequestFailure(ResponseCode.MessageIllegal, topicError);
        if (!topics.TryGet(topic, out config))
            return new RequestFailure(ResponseCode.TopicNotExist, $"topic '{topic}' does not exist on broker '{_brokerName}'");
        if (read ? !Perm.IsReadable(config.Perm) : !Perm.IsWriteable(config.Perm))
            return new RequestFailure(ResponseCode.NoPermission,
                $"topic '{topic}' on broker '{_brokerName}' is not {(read ? "readable" : "writable")} (perm {Perm.ToText(config.Perm)})");
        var queues = read ? Math.Max(config.ReadQueueNums, config.WriteQueueNums) : config.WriteQueueNums;
        if (queueId < 0 || queueId >= queues)
            return new RequestFailure(ResponseCode.MessageIllegal,
                $"queue id {queueId} is outside 0..{queues - 1} of topic '{topic}' on broker '{_brokerName}'");
        return null;
    }

    /// <summary>A read of one queue, on behalf of consumer group <paramref name="group"/> when it is not null.</summary>
    public RequestFailure? CheckQueueRead(string brokerName, string topic, int queueId, string? group, TopicTable topics)
    {
        if (CheckQueue(brokerName, topic, queueId, read: true, topics) is { } failure) return failure;
        if (group != null && Validators.CheckGroup(group) is { } groupError) return new RequestFailure(ResponseCode.ConsumerGroupIllegal, groupError);
        return null;
    }

    /// <summary>A consumer group command: broker, group, client id (when it has one) and the queues it names.</summary>
    public RequestFailure? CheckGroupRequest(string brokerName, string group, string? clientId, IReadOnlyList<MessageQueue>? queues)
    {
        if (brokerName != _brokerName) return WrongBroker(brokerName);
        if (Validators.CheckGroup(group) is { } groupError) return new RequestFailure(ResponseCode.ConsumerGroupIllegal, groupError);
        if (clientId != null && string.IsNullOrWhiteSpace(clientId))
            return new RequestFailure(ResponseCode.SystemError, $"consumer of group '{group}' sent an empty client id");
        if (queues == null) return null;
        foreach (var q in queues)
        {
            if (q.BrokerName != _brokerName) return new RequestFailure(ResponseCode.SystemError, $"queue {q} is not on broker '{_brokerName}'");
            if (Validators.CheckTopic(q.Topic) is { } topicError) return new RequestFailure(ResponseCode.MessageIllegal, topicError);
            if (q.QueueId < 0) return new RequestFailure(ResponseCode.MessageIllegal, $"queue id {q.QueueId} of {q} is negative");
        }
        return null;
    }

    /// <summary>
    /// One entry of a send batch: a writable queue, a message within the limits and of the topic's
    /// message.type, and a valid delivery time. deliverAt is the time to schedule it for, 0 to store it now.
    /// </summary>
    public RequestFailure? CheckSendEntry(string brokerName, SendEntry e, TopicTable topics, out long deliverAt)
    {
        deliverAt = 0;
        var msg = e.Message;
        if (CheckQueue(brokerName, msg.Topic, e.QueueId, read: false, topics, out var config) is { } failure) return failure;
        if (Validators.CheckMessage(msg, _limits) is { } error) return new RequestFailure(ResponseCode.MessageIllegal, error);
        // A topic without attributes (the common case) costs one count read here.
        if (config.Attributes.Count > 0 && CheckMessageType(config, msg) is { } conflict) return conflict;
        return msg.Properties.Count > 0 ? DeliverTime(msg, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out deliverAt) : null;
    }

    /// <summary>RocketMQ 5's MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: a message of another type than the topic's message.type.</summary>
    public static RequestFailure? CheckMessageType(TopicConfig config, Message msg) =>
        TopicAttributes.DeclaredMessageTypeOf(config.Attributes) is { } topicType
        && TopicMessageTypes.CheckConflict(config.TopicName, topicType, TopicMessageTypes.Of(msg.Properties)) is { } error
            ? new RequestFailure(ResponseCode.MessagePropertyConflictWithType, error)
            : null;

    /// <summary>
    /// A delayed message (DELAY level or TIMER_DELIVER_MS) goes to the schedule until its time;
    /// deliverAt stays 0 for a message to store now (no delay, or a time already past).
    /// </summary>
    public RequestFailure? DeliverTime(Message msg, long now, out long deliverAt)
    {
        deliverAt = 0;
        var levels = _schedule.DelayLevels;
        if (msg.Properties.TryGetValue(MessageConst.DelayTimeLevel, out var levelText))
        {
            if (!int.TryParse(levelText, out var level) || level < 0 || level > levels.Count)
                return Illegal($"delay level '{levelText}' is not 0..{levels.Count} (messageDelayLevel has {levels.Count} levels)");
            if (level > 0) deliverAt = now + (long)levels[level - 1].TotalMilliseconds;
        }
        if (msg.Properties.TryGetValue(MessageConst.TimerDeliverMs, out var atText))
        {
            if (deliverAt > 0) return Illegal($"a message cannot have both {MessageConst.DelayTimeLevel} and {MessageConst.TimerDeliverMs}");
            if (!long.TryParse(atText, out var at) || at < 0)
                return Illegal($"{MessageConst.TimerDeliverMs} '{atText}' is not a Unix time in milliseconds");
            var max = now + (long)_schedule.TimerMaxDelay.TotalMilliseconds;
            if (at > max)
                return Illegal($"{MessageConst.TimerDeliverMs} {at} is more than timerMaxDelay ({_schedule.TimerMaxDelay}) ahead");
            if (at > now) deliverAt = at;
        }
        return null;
    }

    private static RequestFailure Illegal(string error) => new(ResponseCode.MessageIllegal, error);
}
