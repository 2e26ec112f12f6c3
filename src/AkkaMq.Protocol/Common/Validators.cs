namespace AkkaMq.Protocol;

/// <summary>Limits a message must respect; the broker's values come from its HOCON settings.</summary>
public sealed record MessageLimits(int MaxMessageSize, int MaxPropertyCount, int MaxPropertiesSize)
{
    /// <summary>RocketMQ's defaults: 4 MiB bodies, 128 properties, 32 KiB of property text.</summary>
    public static readonly MessageLimits Default = new(4 * 1024 * 1024, 128, 32 * 1024);
}

/// <summary>
/// Name and message rules shared by client and broker, so that a bad message is refused before
/// it crosses the wire and again at the broker (which trusts no client). Each check returns the
/// error text or null: no exceptions on the hot path.
/// </summary>
public static class Validators
{
    public const int TopicMaxLength = 127;
    public const int GroupMaxLength = 255;
    public const int TagsMaxLength = 255;

    // RocketMQ's rule: letters, digits, '%', '_', '-', '|'.
    private static bool IsNameChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '%' or '_' or '-' or '|';

    public static string? CheckTopic(string? topic)
    {
        if (string.IsNullOrEmpty(topic)) return "topic name is empty";
        if (topic.Length > TopicMaxLength) return $"topic name is {topic.Length} characters long, the maximum is {TopicMaxLength}";
        foreach (var c in topic)
            if (!IsNameChar(c)) return $"topic name '{topic}' contains the illegal character '{c}'; allowed are letters, digits, '%', '_', '-' and '|'";
        return null;
    }

    public static string? CheckGroup(string? group)
    {
        if (string.IsNullOrEmpty(group)) return "consumer group name is empty";
        if (group.Length > GroupMaxLength) return $"consumer group name is {group.Length} characters long, the maximum is {GroupMaxLength}";
        foreach (var c in group)
            if (!IsNameChar(c)) return $"consumer group name '{group}' contains the illegal character '{c}'";
        return null;
    }

    public static string? CheckBrokerName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "broker name is empty";
        if (name.Length > TopicMaxLength) return $"broker name is longer than {TopicMaxLength} characters";
        foreach (var c in name)
            if (!IsNameChar(c)) return $"broker name '{name}' contains the illegal character '{c}'";
        return null;
    }

    public static string? CheckMessage(string topic, string? tags, string? keys, IReadOnlyDictionary<string, string>? properties,
        byte[]? body, MessageLimits limits)
    {
        var topicError = CheckTopic(topic);
        if (topicError != null) return topicError;
        if (body == null || body.Length == 0) return "message body is empty";
        if (body.Length > limits.MaxMessageSize)
            return $"message body is {body.Length} bytes, over the maximum message size of {limits.MaxMessageSize} bytes";
        if (tags != null)
        {
            if (tags.Length > TagsMaxLength) return $"tags are {tags.Length} characters long, the maximum is {TagsMaxLength}";
            if (tags.Contains("||")) return "tags must not contain '||' (it separates tags in subscription expressions)";
        }
        var size = (tags?.Length ?? 0) + (keys?.Length ?? 0);
        if (properties != null)
        {
            if (properties.Count > limits.MaxPropertyCount)
                return $"message has {properties.Count} properties, the maximum is {limits.MaxPropertyCount}";
            // A Dictionary's struct enumerator: through the interface it would be boxed per message.
            if (properties is Dictionary<string, string> d)
            {
                foreach (var kv in d)
                    if (CheckProperty(kv.Key, kv.Value, ref size) is { } error) return error;
            }
            else
            {
                foreach (var kv in properties)
                    if (CheckProperty(kv.Key, kv.Value, ref size) is { } error) return error;
            }
        }
        if (size > limits.MaxPropertiesSize)
            return $"tags, keys and properties take {size} characters, the maximum is {limits.MaxPropertiesSize}";
        return null;
    }

    private static string? CheckProperty(string key, string? value, ref int size)
    {
        if (string.IsNullOrEmpty(key)) return "a property name is empty";
        if (value == null) return $"property '{key}' has no value";
        size += key.Length + value.Length;
        return null;
    }

    public static string? CheckMessage(Message m, MessageLimits limits) =>
        CheckMessage(m.Topic, m.Tags, m.Keys, m.Properties, m.Body, limits);

    /// <summary>Splits RocketMQ-style space separated keys.</summary>
    public static string[] SplitKeys(string? keys) =>
        string.IsNullOrWhiteSpace(keys) ? Array.Empty<string>() : keys.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
