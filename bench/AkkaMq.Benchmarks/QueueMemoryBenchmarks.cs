using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;
using BenchmarkDotNet.Attributes;

namespace AkkaMq.Benchmarks;

/// <summary>
/// The in-memory work QueueLog does per group commit, without the journal: the batch becomes a
/// MessagesAppended event, the event is applied to the sparse index and the tail, and a pull is
/// served from the tail by a PullCollector. Sizes are the broker's defaults (tail 4096 messages /
/// 8 MiB, index 4096 entries, pulls up to 1024 messages).
/// </summary>
[MemoryDiagnoser]
public class QueueMemoryBenchmarks
{
    private const int TailMessages = 4096;
    private const long TailBytes = 8L << 20;
    private const int IndexMaxEntries = 4096;

    [Params(1, 32, 1024)] public int N;

    private SendEntry[] _batch = null!;
    private MessageTail _tail = null!;
    private SparseOffsetIndex _index = null!;
    private long _nextOffset;
    private long _seqNr;
    private MessageTail _fullTail = null!;
    private PullMessage _pull = null!;
    private SubscriptionExpression _filter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batch = TestData.Entries(TestData.Messages(N));
        _tail = new MessageTail(TailMessages, TailBytes);
        _index = new SparseOffsetIndex(IndexMaxEntries);
        // A full tail to pull from, as for a consumer keeping up.
        _fullTail = new MessageTail(TailMessages, TailBytes);
        var stored = TestData.Stored(TestData.Messages(TailMessages));
        for (var i = 0; i < stored.Length; i++) _fullTail.Append(i, 1, stored[i]);
        _pull = new PullMessage(TestData.BrokerName, "bench-group", TestData.Topic, 0, 0, N, "*", 0);
        if (!SubscriptionExpression.TryParse("TagA || TagB", out _filter, out var error)) throw new InvalidOperationException(error);
    }

    /// <summary>What QueueLog.Flush builds per batch and what Apply does once it is durable.</summary>
    [Benchmark]
    public MessagesAppended AppendBatch()
    {
        var stored = new StoredMessage[_batch.Length];
        for (var i = 0; i < stored.Length; i++)
        {
            var msg = _batch[i].Message;
            stored[i] = new StoredMessage(msg.Tags, msg.Keys, msg.Properties, msg.Body, _batch[i].BornTimestamp);
        }
        var e = new MessagesAppended(_nextOffset, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), stored);
        _nextOffset += stored.Length;
        _index.Add(e.BaseOffset, ++_seqNr, e.StoreTimestamp);
        for (var i = 0; i < stored.Length; i++) _tail.Append(e.BaseOffset + i, e.StoreTimestamp, stored[i]);
        return e;
    }

    /// <summary>A pull of N messages with a tag filter, served from the tail as QueueLog.ServeOrRead does.</summary>
    [Benchmark]
    public PullResult PullFromTail()
    {
        var offset = TailMessages - N;
        var c = new PullCollector(_pull with { QueueOffset = offset }, _filter, N, 4L << 20, 20_000);
        var start = _fullTail.IndexOf(offset);
        for (var i = start; i < _fullTail.Count; i++)
        {
            var e = _fullTail[i];
            if (!c.Offer(e.Offset, e.StoreTimestamp, e.Message)) break;
        }
        return c.Result(0, TailMessages);
    }
}
