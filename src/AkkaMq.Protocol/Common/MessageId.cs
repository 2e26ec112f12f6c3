using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace AkkaMq.Protocol;

/// <summary>
/// The broker-assigned message id: 32 hex characters holding FNV-1a hashes of the broker name and
/// the topic, the queue id and the queue offset. From an id the broker group and the exact queue
/// position are recovered, so a lookup goes straight to the stored message. The broker refuses a
/// topic whose hash collides with another topic of the same broker, and the NameServer a broker
/// name that collides with another, which keeps ids unique.
/// </summary>
public readonly record struct MessageId(uint BrokerHash, uint TopicHash, int QueueId, long QueueOffset)
{
    public const long MaxOffset = (1L << 48) - 1;

    public static string Encode(string brokerName, string topic, int queueId, long queueOffset)
        => new MessageId(Hash(brokerName), Hash(topic), queueId, queueOffset).ToString();

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(b, BrokerHash);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], TopicHash);
        BinaryPrimitives.WriteUInt16BigEndian(b[8..], (ushort)QueueId);
        BinaryPrimitives.WriteUInt16BigEndian(b[10..], (ushort)(QueueOffset >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(b[12..], (uint)QueueOffset);
        return Convert.ToHexString(b);
    }

    public static bool TryParse(string? text, out MessageId id)
    {
        id = default;
        if (text == null || text.Length != 32) return false;
        Span<byte> b = stackalloc byte[16];
        for (var i = 0; i < 16; i++)
            if (!byte.TryParse(text.AsSpan(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out b[i])) return false;
        id = new MessageId(
            BinaryPrimitives.ReadUInt32BigEndian(b),
            BinaryPrimitives.ReadUInt32BigEndian(b[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(b[8..]),
            ((long)BinaryPrimitives.ReadUInt16BigEndian(b[10..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(b[12..]));
        return true;
    }

    /// <summary>32-bit FNV-1a over the UTF-8 bytes: stable across processes and versions.</summary>
    public static uint Hash(string s)
    {
        // Runs for every acked message (its id): names are short, so encode them on the stack.
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        Span<byte> bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        bytes = bytes[..Encoding.UTF8.GetBytes(s, bytes)];
        var hash = 2166136261u;
        foreach (var by in bytes)
        {
            hash ^= by;
            hash *= 16777619u;
        }
        return hash;
    }
}
