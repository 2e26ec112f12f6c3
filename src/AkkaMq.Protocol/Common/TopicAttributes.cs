using System.Collections.Immutable;
using System.Globalization;

namespace AkkaMq.Protocol;

/// <summary>RocketMQ 5's TopicMessageType, as the message.type attribute names it.</summary>
public enum TopicMessageType
{
    Normal = 0,
    Fifo = 1,
    Delay = 2,
    Transaction = 3,
}

/// <summary>
/// Per-topic attributes, RocketMQ 5's mechanism: a string map stored with the topic config. A stored map holds only
/// known names with valid values. A change request (updateTopic -a) is RocketMQ's alteration map: "+name" → value adds
/// or changes, "-name" → "" removes, and an empty map keeps what is there. Every check returns the error text naming
/// the attribute, or null.
/// </summary>
public static class TopicAttributes
{
    /// <summary>Messages older than this are deleted (overrides the broker's fileReservedTime), e.g. 10m, 72h.</summary>
    public const string RetentionTime = "retention.time";

    /// <summary>The most bytes each queue of the topic keeps (Kafka's per-partition retention.bytes), e.g. 1GiB, 500MB.</summary>
    public const string RetentionBytes = "retention.bytes";

    /// <summary>NORMAL, FIFO, DELAY or TRANSACTION: the only type of message the topic takes (<see cref="TopicMessageTypes"/>); none takes every type.</summary>
    public const string MessageType = "message.type";

    public static readonly IReadOnlyList<string> Known = new[] { MessageType, RetentionBytes, RetentionTime };

    public static readonly ImmutableSortedDictionary<string, string> Empty = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    private static string KnownList => string.Join(", ", Known);

    /// <summary>The map sorted by name (ordinal), so equal maps serialize to equal bytes.</summary>
    public static ImmutableSortedDictionary<string, string> Sorted(IReadOnlyDictionary<string, string> attributes) =>
        attributes is ImmutableSortedDictionary<string, string> sorted && sorted.KeyComparer == StringComparer.Ordinal
            ? sorted
            : attributes.Count == 0 ? Empty : ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, attributes);

    /// <summary>Null when value is valid for the attribute, else why not; normalized is the value to store.</summary>
    public static string? CheckValue(string name, string? value, out string normalized)
    {
        normalized = value?.Trim() ?? "";
        switch (name)
        {
            case RetentionTime:
                return TryParseDuration(normalized, out _, out var timeError) ? null : $"attribute '{name}': {timeError}";
            case RetentionBytes:
                return TryParseSize(normalized, out _, out var sizeError) ? null : $"attribute '{name}': {sizeError}";
            case MessageType:
                if (ParseMessageType(normalized) is { } type)
                {
                    normalized = type.ToString().ToUpperInvariant();
                    return null;
                }
                return $"attribute '{name}': '{normalized}' is not a message type; use NORMAL, FIFO, DELAY or TRANSACTION";
            default:
                return $"unknown topic attribute '{name}'; known are {KnownList}";
        }
    }

    /// <summary>
    /// Applies an alteration map ("+name" → value, "-name" → "") to the current attributes. On an error nothing is
    /// applied and result is the current map. Removing an attribute the topic does not have is no error.
    /// </summary>
    public static bool TryAlter(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> changes,
        out ImmutableSortedDictionary<string, string> result, out string? error)
    {
        var start = current as ImmutableSortedDictionary<string, string> ?? current.ToImmutableSortedDictionary(StringComparer.Ordinal);
        result = start;
        error = null;
        if (changes.Count == 0) return true;
        var builder = start.ToBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in changes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var op = key.Length > 0 ? key[0] : ' ';
            var name = key.Length > 0 ? key[1..] : "";
            if (op is not ('+' or '-'))
                error = $"attribute change '{key}' must start with '+' (add or change) or '-' (remove)";
            else if (name.Length == 0)
                error = $"attribute change '{key}' names no attribute";
            else if (!seen.Add(name))
                error = $"attribute '{name}' is both set and removed";
            else if (op == '-')
            {
                if (!Known.Contains(name)) error = $"unknown topic attribute '{name}'; known are {KnownList}";
                else if (!string.IsNullOrEmpty(value)) error = $"removing attribute '{name}' takes no value (write -{name})";
                else builder.Remove(name);
            }
            else if (CheckValue(name, value, out var normalized) is { } bad) error = bad;
            else builder[name] = normalized;
            if (error != null) return false;
        }
        result = builder.ToImmutable();
        return true;
    }

    /// <summary>Null when the alteration map is valid on its own (the broker applies it to what it has), else why not.</summary>
    public static string? CheckChanges(IReadOnlyDictionary<string, string> changes) =>
        TryAlter(Empty, changes, out _, out var error) ? null : error;

    /// <summary>
    /// The command line's form, repeated: "+name=value" adds or changes, "-name" removes. Returns the alteration map,
    /// or null with the error naming the bad argument or attribute.
    /// </summary>
    public static ImmutableSortedDictionary<string, string>? ParseChanges(IEnumerable<string> args, out string? error)
    {
        var changes = Empty.ToBuilder();
        foreach (var raw in args)
        {
            var arg = raw.Trim();
            var eq = arg.IndexOf('=');
            string key, value;
            if (arg.StartsWith('+'))
            {
                if (eq < 0)
                {
                    error = $"attribute change '{arg}' has no value; write {arg}=VALUE";
                    return null;
                }
                (key, value) = (arg[..eq].Trim(), arg[(eq + 1)..].Trim());
            }
            else if (arg.StartsWith('-'))
            {
                if (eq >= 0)
                {
                    error = $"attribute change '{arg}' removes an attribute and takes no value; write {arg[..eq]}";
                    return null;
                }
                (key, value) = (arg, "");
            }
            else
            {
                error = $"attribute change '{arg}' must be +name=value (add or change) or -name (remove)";
                return null;
            }
            if (changes.ContainsKey(key))
            {
                error = $"attribute '{key[1..]}' is given twice";
                return null;
            }
            changes[key] = value;
        }
        var result = changes.ToImmutable();
        error = CheckChanges(result);
        return error == null ? result : null;
    }

    /// <summary>A positive whole number with a unit: ms, s, m, h or d (10m, 72h, 7d).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration, out string? error)
    {
        duration = default;
        var (number, unit) = Split(text);
        var unitMs = unit.ToLowerInvariant() switch
        {
            "ms" => 1L,
            "s" => 1_000L,
            "m" => 60_000L,
            "h" => 3_600_000L,
            "d" => 86_400_000L,
            _ => 0L,
        };
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || unitMs == 0)
        {
            error = $"'{text}' is not a duration; write a whole number and a unit: ms, s, m, h or d (e.g. 10m, 72h)";
            return false;
        }
        if (n <= 0)
        {
            error = $"'{text}' must be longer than zero";
            return false;
        }
        if (n > TimeSpan.MaxValue.TotalMilliseconds / unitMs / 2)
        {
            error = $"'{text}' is too long";
            return false;
        }
        duration = TimeSpan.FromMilliseconds(n * unitMs);
        error = null;
        return true;
    }

    /// <summary>A positive whole number of bytes, with an optional unit as in HOCON: KiB/K, MiB/M, GiB/G, TiB/T are powers of 1024, KB, MB, GB, TB of 1000.</summary>
    public static bool TryParseSize(string text, out long bytes, out string? error)
    {
        bytes = 0;
        var (number, unit) = Split(text);
        var factor = unit.ToLowerInvariant() switch
        {
            "" or "b" => 1L,
            "k" or "ki" or "kib" => 1L << 10,
            "kb" => 1_000L,
            "m" or "mi" or "mib" => 1L << 20,
            "mb" => 1_000_000L,
            "g" or "gi" or "gib" => 1L << 30,
            "gb" => 1_000_000_000L,
            "t" or "ti" or "tib" => 1L << 40,
            "tb" => 1_000_000_000_000L,
            _ => 0L,
        };
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || factor == 0)
        {
            error = $"'{text}' is not a size; write a whole number and a unit: B, KiB, MiB, GiB, TiB or KB, MB, GB, TB (e.g. 1GiB, 500MB)";
            return false;
        }
        if (n <= 0)
        {
            error = $"'{text}' must be more than zero bytes";
            return false;
        }
        if (n > long.MaxValue / factor)
        {
            error = $"'{text}' is too large";
            return false;
        }
        bytes = n * factor;
        error = null;
        return true;
    }

    private static (string Number, string Unit) Split(string text)
    {
        var t = text.Trim();
        var i = 0;
        while (i < t.Length && char.IsAsciiDigit(t[i])) i++;
        return (t[..i], t[i..].Trim());
    }

    /// <summary>retention.time of a stored map, or null when it has none.</summary>
    public static TimeSpan? RetentionTimeOf(IReadOnlyDictionary<string, string> attributes) =>
        attributes.TryGetValue(RetentionTime, out var v) && TryParseDuration(v, out var d, out _) ? d : null;

    /// <summary>retention.bytes of a stored map, or null when it has none.</summary>
    public static long? RetentionBytesOf(IReadOnlyDictionary<string, string> attributes) =>
        attributes.TryGetValue(RetentionBytes, out var v) && TryParseSize(v, out var b, out _) ? b : null;

    /// <summary>message.type of a stored map; NORMAL when it has none.</summary>
    public static TopicMessageType MessageTypeOf(IReadOnlyDictionary<string, string> attributes) =>
        attributes.TryGetValue(MessageType, out var v) && ParseMessageType(v) is { } t ? t : TopicMessageType.Normal;

    // By name only: Enum.TryParse would also take "1" or "NORMAL,FIFO".
    private static TopicMessageType? ParseMessageType(string text)
    {
        foreach (var t in Enum.GetValues<TopicMessageType>())
            if (string.Equals(t.ToString(), text, StringComparison.OrdinalIgnoreCase)) return t;
        return null;
    }

    /// <summary>message.type of a stored map, or null when it has none (the topic takes every type).</summary>
    public static TopicMessageType? DeclaredMessageTypeOf(IReadOnlyDictionary<string, string> attributes) =>
        attributes.Count > 0 && attributes.TryGetValue(MessageType, out var v) ? v switch
        {
            // Stored values are normalized (CheckValue); the switch keeps the send path free of allocations.
            "NORMAL" => TopicMessageType.Normal,
            "FIFO" => TopicMessageType.Fifo,
            "DELAY" => TopicMessageType.Delay,
            "TRANSACTION" => TopicMessageType.Transaction,
            _ => ParseMessageType(v),
        } : null;

    /// <summary>"name=value" pairs in name order, for tables and logs.</summary>
    public static string ToText(IReadOnlyDictionary<string, string> attributes) =>
        string.Join(",", attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>
/// A message's type as RocketMQ 5 reads it from its properties (TopicMessageType.parseFromMessageProperty), first
/// match wins: TRANSACTION when TRAN_MSG is "true"; DELAY with a delay level above 0 or a TIMER_DELIVER_MS; FIFO with
/// a __SHARDINGKEY (the message group); else NORMAL. The native producer's SendOrderlyAsync routes by its sharding key
/// but sets no property: to send to a FIFO topic, put the message group in __SHARDINGKEY.
/// </summary>
public static class TopicMessageTypes
{
    /// <summary>RocketMQ's PROPERTY_SHARDING_KEY: the message group of a FIFO message.</summary>
    public const string ShardingKey = "__SHARDINGKEY";

    /// <summary>RocketMQ's PROPERTY_TRANSACTION_PREPARED: "true" on a transactional (half) message.</summary>
    public const string TransactionPrepared = "TRAN_MSG";

    /// <summary>Reads the properties without allocating.</summary>
    public static TopicMessageType Of(IReadOnlyDictionary<string, string> properties)
    {
        if (properties.Count == 0) return TopicMessageType.Normal;
        if (properties.TryGetValue(TransactionPrepared, out var tran) && string.Equals(tran, "true", StringComparison.OrdinalIgnoreCase))
            return TopicMessageType.Transaction;
        if (properties.TryGetValue(Consumer.MessageConst.DelayTimeLevel, out var level) && level != "0"
            || properties.ContainsKey(Consumer.MessageConst.TimerDeliverMs))
            return TopicMessageType.Delay;
        return properties.ContainsKey(ShardingKey) ? TopicMessageType.Fifo : TopicMessageType.Normal;
    }

    /// <summary>The attribute's spelling: NORMAL, FIFO, DELAY, TRANSACTION.</summary>
    public static string Name(TopicMessageType type) => type switch
    {
        TopicMessageType.Normal => "NORMAL",
        TopicMessageType.Fifo => "FIFO",
        TopicMessageType.Delay => "DELAY",
        TopicMessageType.Transaction => "TRANSACTION",
        _ => type.ToString().ToUpperInvariant(),
    };

    /// <summary>Null when a topic of type <paramref name="topicType"/> takes a message of type <paramref name="messageType"/>, else why not.</summary>
    public static string? CheckConflict(string topic, TopicMessageType topicType, TopicMessageType messageType)
    {
        if (topicType == messageType) return null;
        var hint = topicType switch
        {
            TopicMessageType.Fifo => $"; a FIFO message carries its message group in property {ShardingKey}",
            TopicMessageType.Delay => $"; a DELAY message has a delay level or {Consumer.MessageConst.TimerDeliverMs}",
            TopicMessageType.Transaction => $"; a TRANSACTION message has {TransactionPrepared}=true",
            _ => "",
        };
        return $"topic '{topic}' takes only {Name(topicType)} messages ({TopicAttributes.MessageType}={Name(topicType)}), not a {Name(messageType)} message{hint}";
    }
}
