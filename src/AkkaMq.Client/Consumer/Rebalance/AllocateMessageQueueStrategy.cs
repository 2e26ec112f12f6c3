using System.Security.Cryptography;
using System.Text;
using AkkaMq.Protocol;

namespace AkkaMq.Client.Consumer.Rebalance;

/// <summary>
/// RocketMQ's AllocateMessageQueueStrategy: a pure function from the group's sorted queue and
/// client lists to the queues one client owns. Every member computes it from the same lists, so
/// together they cover each queue exactly once without talking to each other.
/// </summary>
public interface IAllocateMessageQueueStrategy
{
    string Name { get; }

    /// <param name="mqAll">All queues of the topic, sorted the same way on every member.</param>
    /// <param name="cidAll">All client ids of the group, sorted the same way on every member.</param>
    IReadOnlyList<MessageQueue> Allocate(string consumerGroup, string currentCid, IReadOnlyList<MessageQueue> mqAll, IReadOnlyList<string> cidAll);
}

public static class AllocateMessageQueueStrategies
{
    public static IAllocateMessageQueueStrategy ByName(string name) => name switch
    {
        "AVG" or "averagely" => new AllocateMessageQueueAveragely(),
        "AVG_BY_CIRCLE" or "averagely-by-circle" => new AllocateMessageQueueAveragelyByCircle(),
        "CONSISTENT_HASH" or "consistent-hash" => new AllocateMessageQueueConsistentHash(),
        _ => throw new ArgumentException($"unknown allocate strategy '{name}': use AVG, AVG_BY_CIRCLE or CONSISTENT_HASH"),
    };

    /// <summary>The order every member sorts queues in: broker name, topic, queue id.</summary>
    public static int Compare(MessageQueue a, MessageQueue b)
    {
        var c = string.CompareOrdinal(a.BrokerName, b.BrokerName);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Topic, b.Topic);
        return c != 0 ? c : a.QueueId.CompareTo(b.QueueId);
    }

    internal static int IndexOf(IReadOnlyList<string> cidAll, string cid)
    {
        for (var i = 0; i < cidAll.Count; i++)
            if (cidAll[i] == cid) return i;
        return -1;
    }
}

/// <summary>Contiguous blocks; the first (queues mod clients) clients get one extra (RocketMQ's default).</summary>
public sealed class AllocateMessageQueueAveragely : IAllocateMessageQueueStrategy
{
    public string Name => "AVG";

    public IReadOnlyList<MessageQueue> Allocate(string consumerGroup, string currentCid, IReadOnlyList<MessageQueue> mqAll, IReadOnlyList<string> cidAll)
    {
        var index = AllocateMessageQueueStrategies.IndexOf(cidAll, currentCid);
        if (index < 0 || mqAll.Count == 0) return Array.Empty<MessageQueue>();
        var mod = mqAll.Count % cidAll.Count;
        var averageSize = mqAll.Count <= cidAll.Count ? 1
            : mod > 0 && index < mod ? mqAll.Count / cidAll.Count + 1 : mqAll.Count / cidAll.Count;
        var startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod;
        var range = Math.Min(averageSize, mqAll.Count - startIndex);
        var result = new List<MessageQueue>(Math.Max(range, 0));
        for (var i = 0; i < range; i++) result.Add(mqAll[(startIndex + i) % mqAll.Count]);
        return result;
    }
}

/// <summary>Queue i goes to client i mod clients (round robin).</summary>
public sealed class AllocateMessageQueueAveragelyByCircle : IAllocateMessageQueueStrategy
{
    public string Name => "AVG_BY_CIRCLE";

    public IReadOnlyList<MessageQueue> Allocate(string consumerGroup, string currentCid, IReadOnlyList<MessageQueue> mqAll, IReadOnlyList<string> cidAll)
    {
        var index = AllocateMessageQueueStrategies.IndexOf(cidAll, currentCid);
        if (index < 0) return Array.Empty<MessageQueue>();
        var result = new List<MessageQueue>();
        for (var i = index; i < mqAll.Count; i += cidAll.Count) result.Add(mqAll[i]);
        return result;
    }
}

/// <summary>
/// A hash ring with virtual nodes per client: when a client joins or leaves only the queues next
/// to its nodes move, not everyone's. Uses MD5 like RocketMQ's ConsistentHashRouter.
/// </summary>
public sealed class AllocateMessageQueueConsistentHash : IAllocateMessageQueueStrategy
{
    private readonly int _virtualNodeCnt;

    public AllocateMessageQueueConsistentHash(int virtualNodeCnt = 10)
    {
        if (virtualNodeCnt < 1) throw new ArgumentOutOfRangeException(nameof(virtualNodeCnt), "at least one virtual node per client");
        _virtualNodeCnt = virtualNodeCnt;
    }

    public string Name => "CONSISTENT_HASH";

    public IReadOnlyList<MessageQueue> Allocate(string consumerGroup, string currentCid, IReadOnlyList<MessageQueue> mqAll, IReadOnlyList<string> cidAll)
    {
        if (AllocateMessageQueueStrategies.IndexOf(cidAll, currentCid) < 0) return Array.Empty<MessageQueue>();
        var ring = new SortedList<long, string>();
        foreach (var cid in cidAll)
            for (var i = 0; i < _virtualNodeCnt; i++)
                ring.TryAdd(Hash($"{cid}-{i}"), cid); // a (vanishingly rare) collision keeps the first node
        var keys = ring.Keys;
        var result = new List<MessageQueue>();
        foreach (var mq in mqAll)
        {
            var h = Hash($"{mq.Topic}@{mq.BrokerName}:{mq.QueueId}");
            // First node clockwise at or after the queue's hash, wrapping around.
            int lo = 0, hi = keys.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (keys[mid] < h) lo = mid + 1; else hi = mid;
            }
            if (ring.Values[lo == keys.Count ? 0 : lo] == currentCid) result.Add(mq);
        }
        return result;
    }

    private static long Hash(string key)
    {
        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(Encoding.UTF8.GetBytes(key), digest);
        // RocketMQ's MD5Hash: the first four bytes, little-endian, as an unsigned 32-bit value.
        return (long)(digest[3] & 0xFF) << 24 | (long)(digest[2] & 0xFF) << 16 | (long)(digest[1] & 0xFF) << 8 | (long)(digest[0] & 0xFF);
    }
}
