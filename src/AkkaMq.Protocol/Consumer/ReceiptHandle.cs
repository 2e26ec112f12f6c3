using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace AkkaMq.Protocol.Consumer;

/// <summary>
/// A POP delivery's receipt handle: which broker group, topic, queue, offset and consumer group it
/// is for, and the delivery's handle Version, which the queue's POP entity raises at every delivery
/// and invisible-time change, so an older handle of the same message is refused. The text is
/// opaque to clients: a version digit, base64url of the fields, and a checksum that refuses typos
/// and truncation with a clear error.
/// </summary>
public readonly record struct ReceiptHandle(string BrokerName, string Topic, int QueueId, long Offset, string ConsumerGroup, long Version)
{
    private const string Prefix = "1.";

    public string Encode()
    {
        // ':' cannot occur in validated broker, topic or group names.
        var fields = string.Create(CultureInfo.InvariantCulture, $"{BrokerName}:{Topic}:{QueueId}:{Offset}:{ConsumerGroup}:{Version}");
        var bytes = Encoding.UTF8.GetBytes(fields);
        return Prefix + Base64Url.EncodeToString(bytes) + "." + Checksum(bytes).ToString("x8", CultureInfo.InvariantCulture);
    }

    public override string ToString() => $"{Topic}@{BrokerName}:{QueueId}#{Offset} v{Version} ({ConsumerGroup})";

    /// <summary>Parses a handle; false with the reason for anything this broker never wrote.</summary>
    public static bool TryParse(string? text, out ReceiptHandle handle, out string? error)
    {
        handle = default;
        error = null;
        if (string.IsNullOrEmpty(text)) return Fail("receipt handle is empty", out error);
        if (text.Length > 2048) return Fail($"receipt handle of {text.Length} characters is not one this broker wrote", out error);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return Fail($"receipt handle '{Show(text)}' has an unknown format", out error);
        var dot = text.LastIndexOf('.');
        if (dot <= Prefix.Length) return Fail($"receipt handle '{Show(text)}' has no checksum", out error);
        byte[] bytes;
        try { bytes = Base64Url.DecodeFromChars(text.AsSpan(Prefix.Length, dot - Prefix.Length)); }
        catch (FormatException) { return Fail($"receipt handle '{Show(text)}' is not base64url", out error); }
        if (!uint.TryParse(text.AsSpan(dot + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var sum) || sum != Checksum(bytes))
            return Fail($"receipt handle '{Show(text)}' fails its checksum (truncated or altered)", out error);
        var parts = Encoding.UTF8.GetString(bytes).Split(':');
        if (parts.Length != 6
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var queueId)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !long.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || parts[0].Length == 0 || parts[1].Length == 0 || parts[4].Length == 0)
            return Fail($"receipt handle '{Show(text)}' does not name a queue, offset, group and version", out error);
        handle = new ReceiptHandle(parts[0], parts[1], queueId, offset, parts[4], version);
        return true;
    }

    /// <summary>Null when the handle parses and was issued for this broker, topic and group; otherwise why not.</summary>
    public static string? Check(string? text, string brokerName, string topic, string group, out ReceiptHandle handle)
    {
        if (!TryParse(text, out handle, out var error)) return error;
        if (handle.BrokerName != brokerName) return $"receipt handle {handle} was issued by broker '{handle.BrokerName}', not '{brokerName}'";
        if (handle.Topic != topic) return $"receipt handle {handle} is for topic '{handle.Topic}', not '{topic}'";
        if (handle.ConsumerGroup != group) return $"receipt handle {handle} belongs to consumer group '{handle.ConsumerGroup}', not '{group}'";
        return null;
    }

    private static bool Fail(string why, out string? error)
    {
        error = why;
        return false;
    }

    private static string Show(string text) => text.Length > 40 ? text[..40] + "..." : text;

    // FNV-1a, 32 bits: catches altered or cut handles; not a secret (handles are not credentials).
    private static uint Checksum(ReadOnlySpan<byte> bytes)
    {
        var h = 2166136261u;
        foreach (var b in bytes) h = (h ^ b) * 16777619u;
        return h;
    }
}
