using System.IO.Compression;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;
using AkkaMq.Proxy.Route;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Producer;

/// <summary>A checked gRPC message: the entry to send to the broker, or the status refusing it.</summary>
public readonly record struct CheckedMessage(SendEntry? Entry, V2.Status? Refusal);

/// <summary>
/// Turns one v2 message of a SendMessage into the <see cref="SendEntry"/> the local broker group stores, or a v2
/// status naming what is wrong with it (RocketMQ's SendMessageActivity checks). The message type must agree with
/// its properties and with the topic's message.type; a FIFO message group hashes to one write queue; a delivery
/// timestamp goes to the broker's schedule as TIMER_DELIVER_MS; a TRANSACTION message is a half message of producer group
/// topic; the client's message id is kept as UNIQ_KEY.
/// </summary>
public sealed class SendMessageCheck
{
    /// <summary>Longest message group, as RocketMQ's default maxMessageGroupSize.</summary>
    public const int MaxMessageGroupLength = 64;

    private readonly string _brokerName;
    private readonly MessageLimits _limits;
    private readonly TimeSpan _timerMaxDelay;
    private int _roundRobin;

    public SendMessageCheck(string brokerName, MessageLimits limits, TimeSpan timerMaxDelay)
    {
        _brokerName = brokerName;
        _limits = limits;
        _timerMaxDelay = timerMaxDelay;
    }

    /// <param name="topic">The topic's config on the local broker group; null when it has none.</param>
    /// <param name="now">Unix milliseconds.</param>
    public CheckedMessage Check(V2.Message m, TopicConfig? topic, long now)
    {
        var name = m.Topic?.Name ?? "";
        if (Validators.CheckTopic(name) is { } topicError) return Refuse(V2.Code.IllegalTopic, topicError);
        if (topic == null) return Refuse(V2.Code.TopicNotFound, $"topic '{name}' does not exist on broker group '{_brokerName}'");
        if (!Perm.IsWriteable(topic.Perm) || topic.WriteQueueNums < 1)
            return Refuse(V2.Code.Forbidden, $"topic '{name}' is not writable on broker group '{_brokerName}' (perm {Perm.ToText(topic.Perm)})");
        var sys = m.SystemProperties ?? new V2.SystemProperties();
        if (string.IsNullOrEmpty(sys.MessageId)) return Refuse(V2.Code.IllegalMessageId, "the message has no message_id");
        var body = m.Body.ToByteArray();
        if (sys.BodyEncoding == V2.Encoding.Gzip && Gunzip(body, _limits.MaxMessageSize + 1) is { } plain) body = plain;
        else if (sys.BodyEncoding == V2.Encoding.Gzip) return Refuse(V2.Code.MessageCorrupted, $"message {sys.MessageId}: the body is not valid GZIP");
        if (body.Length == 0) return Refuse(V2.Code.MessageBodyEmpty, $"message {sys.MessageId} has an empty body");
        if (body.Length > _limits.MaxMessageSize)
            return Refuse(V2.Code.MessageBodyTooLarge, $"message {sys.MessageId}: the body is {body.Length} bytes, over the broker's maxMessageSize of {_limits.MaxMessageSize}");
        if (TypeRefusal(m, sys, topic) is { } typeRefusal) return new CheckedMessage(null, typeRefusal);
        if (sys.HasTag && (string.IsNullOrWhiteSpace(sys.Tag) || sys.Tag.Contains('|')))
            return Refuse(V2.Code.IllegalMessageTag, $"message {sys.MessageId}: tag '{sys.Tag}' is blank or contains '|'");
        foreach (var key in sys.Keys)
            if (string.IsNullOrWhiteSpace(key) || key.Any(char.IsWhiteSpace))
                return Refuse(V2.Code.IllegalMessageKey, $"message {sys.MessageId}: key '{key}' is blank or contains whitespace");

        var properties = new Dictionary<string, string>(m.UserProperties.Count + 3, StringComparer.Ordinal);
        foreach (var (k, v) in m.UserProperties)
        {
            if (string.IsNullOrWhiteSpace(k) || MessageProperties.Reserved.Contains(k))
                return Refuse(V2.Code.IllegalMessagePropertyKey, $"message {sys.MessageId}: user property '{k}' is blank or a reserved system property name");
            properties[k] = v;
        }
        properties[MessageProperties.UniqKey] = sys.MessageId;
        if (!string.IsNullOrEmpty(sys.BornHost)) properties[MessageProperties.BornHost] = sys.BornHost;
        int queueId;
        if (sys.HasMessageGroup)
        {
            properties[MessageProperties.MessageGroup] = sys.MessageGroup;
            queueId = (int)(MessageId.Hash(sys.MessageGroup) % (uint)topic.WriteQueueNums);
        }
        else if (sys.QueueId >= 0 && sys.QueueId < topic.WriteQueueNums) queueId = sys.QueueId;
        else queueId = (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)topic.WriteQueueNums);
        if (sys.DeliveryTimestamp != null)
        {
            var at = sys.DeliveryTimestamp.Seconds * 1000 + sys.DeliveryTimestamp.Nanos / 1_000_000;
            if (at < 0 || at > now + (long)_timerMaxDelay.TotalMilliseconds)
                return Refuse(V2.Code.IllegalDeliveryTime, $"message {sys.MessageId}: delivery_timestamp {at} is negative or more than timerMaxDelay ({_timerMaxDelay}) ahead");
            properties[MessageConst.TimerDeliverMs] = at.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (sys.MessageType == V2.MessageType.Transaction)
        {
            // A half message; over gRPC the topic is the producer group (as RocketMQ's proxy registers gRPC producers).
            properties[TransactionConst.TransactionPrepared] = "true";
            properties[TransactionConst.ProducerGroup] = name;
            if (sys.OrphanedTransactionRecoveryDuration is { } recovery && recovery.Seconds > 0)
                properties[TransactionConst.CheckImmunityTimeInSeconds] = recovery.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var keys = sys.Keys.Count == 0 ? null : string.Join(' ', sys.Keys);
        var message = new Message(name, body, sys.HasTag ? sys.Tag : null, keys, properties);
        if (Validators.CheckMessage(message, _limits) is { } error)
            return Refuse(error.Contains("properties") ? V2.Code.MessagePropertiesTooLarge : V2.Code.BadRequest, $"message {sys.MessageId}: {error}");
        var born = sys.BornTimestamp is { } b ? b.Seconds * 1000 + b.Nanos / 1_000_000 : now;
        return new CheckedMessage(new SendEntry(0, queueId, false, born, message), null);
    }

    /// <summary>The message type against the message's own properties and the topic's message.type.</summary>
    private static V2.Status? TypeRefusal(V2.Message m, V2.SystemProperties sys, TopicConfig topic)
    {
        var type = sys.MessageType;
        string Name(V2.MessageType t) => t.ToString().ToUpperInvariant(); // as RocketMQ and message.type spell them
        if (type == V2.MessageType.Unspecified)
            type = sys.HasMessageGroup ? V2.MessageType.Fifo : sys.DeliveryTimestamp != null ? V2.MessageType.Delay : V2.MessageType.Normal;
        if (type is not (V2.MessageType.Normal or V2.MessageType.Fifo or V2.MessageType.Delay or V2.MessageType.Transaction))
            return ProxyStatus.Of(V2.Code.Unsupported, $"message {sys.MessageId}: message type {Name(type)} is not supported by AkkaMq");
        if (sys.HasMessageGroup && (sys.MessageGroup.Length == 0 || sys.MessageGroup.Length > MaxMessageGroupLength || sys.MessageGroup.Any(char.IsControl)))
            return ProxyStatus.Of(V2.Code.IllegalMessageGroup, $"message {sys.MessageId}: message group '{sys.MessageGroup}' is empty, longer than {MaxMessageGroupLength} characters or has control characters");
        if ((type == V2.MessageType.Fifo) != sys.HasMessageGroup)
            return ProxyStatus.Of(V2.Code.MessagePropertyConflictWithType, type == V2.MessageType.Fifo
                ? $"message {sys.MessageId}: a FIFO message needs a message_group"
                : $"message {sys.MessageId}: a {Name(type)} message cannot carry a message_group (only FIFO messages do)");
        if ((type == V2.MessageType.Delay) != (sys.DeliveryTimestamp != null))
            return ProxyStatus.Of(V2.Code.MessagePropertyConflictWithType, type == V2.MessageType.Delay
                ? $"message {sys.MessageId}: a DELAY message needs a delivery_timestamp"
                : $"message {sys.MessageId}: a {Name(type)} message cannot carry a delivery_timestamp (only DELAY messages do)");
        if (QueueRoutes.MessageTypeOf(topic.Attributes) is { } accepted && accepted != type)
            return ProxyStatus.Of(V2.Code.MessagePropertyConflictWithType,
                $"message {sys.MessageId}: topic '{m.Topic.Name}' accepts {Name(accepted)} messages (message.type), not {Name(type)}");
        return null;
    }

    private static CheckedMessage Refuse(V2.Code code, string message) => new(null, ProxyStatus.Of(code, message));

    /// <summary>Stops past limit bytes, so a small bomb cannot fill memory; the size check then refuses it.</summary>
    private static byte[]? Gunzip(byte[] body, int limit)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while (output.Length <= limit && (read = input.Read(buffer, 0, buffer.Length)) > 0) output.Write(buffer, 0, read);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
