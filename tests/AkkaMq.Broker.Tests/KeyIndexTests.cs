using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>The queue key index: bounds, multi-key messages, snapshot round trip; and through the broker across a restart.</summary>
public sealed class KeyIndexTests : IDisposable
{
    private readonly TempDirectory _dataDir = new("akkamq-keys-");
    private readonly ITestOutputHelper _output;

    public KeyIndexTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public void Space_separated_keys_are_indexed_each()
    {
        var index = new MessageKeyIndex(100, 4);
        index.Add("a  b c", 7);
        index.Add("a", 9);
        index.Add(null, 10);
        index.Add("", 11);
        Assert.Equal(new long[] { 7, 9 }, index.Lookup("a", 10));
        Assert.Equal(new long[] { 7 }, index.Lookup("b", 10));
        Assert.Equal(new long[] { 7 }, index.Lookup("c", 10));
        Assert.Empty(index.Lookup("", 10));
        Assert.Equal(3, index.Count);
    }

    [Fact]
    public void Index_is_bounded_in_keys_and_in_offsets_per_key()
    {
        var index = new MessageKeyIndex(maxKeys: 3, maxOffsetsPerKey: 2);
        for (var i = 0; i < 5; i++) index.Add("hot", i);
        Assert.Equal(new long[] { 3, 4 }, index.Lookup("hot", 10)); // the newest offsets are kept
        Assert.Equal(new long[] { 4 }, index.Lookup("hot", 1));
        index.Add("k1", 10);
        index.Add("k2", 11);
        index.Add("k3", 12); // a fourth key: the oldest ("hot") is forgotten
        Assert.Equal(3, index.Count);
        Assert.Empty(index.Lookup("hot", 10));
        Assert.Equal(new long[] { 12 }, index.Lookup("k3", 10));
        Assert.Empty(new MessageKeyIndex(0, 4).Lookup("x", 1));
    }

    [Fact]
    public void Snapshot_entries_restore_the_same_index()
    {
        var index = new MessageKeyIndex(1000, 16);
        for (var i = 0; i < 500; i++) index.Add($"k{i % 100} all", i);
        var restored = new MessageKeyIndex(1000, 16);
        restored.Restore(index.ToEntries());
        for (var k = 0; k < 100; k++) Assert.Equal(index.Lookup($"k{k}", 16), restored.Lookup($"k{k}", 16));
        Assert.Equal(Enumerable.Range(484, 16).Select(i => (long)i), restored.Lookup("all", 100));
    }

    // Snapshots every 3 writes: recovery uses the keyed snapshot and replays the events after it.
    private Task<BrokerSession> StartSession() => BrokerSession.StartAsync(_output, "akkamq.broker.queue.snapshot-every = 3", _dataDir.Path);

    [Fact]
    public async Task Broker_answers_key_queries_and_keeps_the_index_across_a_restart()
    {
        await using (var first = await StartSession())
        {
            first.CreateTopic("Keyed", 1);
            for (var i = 0; i < 10; i++) first.Send(first.Entry("Keyed", $"order-{i % 4} shared", keys: $"order-{i % 4} shared"));
            Assert.Equal(new long[] { 1, 5, 9 }, first.QueryKey("Keyed", "order-1").Offsets);
            Assert.Equal(ResponseCode.Success, first.QueryKey("Keyed", "none").Code);
            Assert.Empty(first.QueryKey("Keyed", "none").Offsets);
            var unknown = first.QueryKey("NoTopic", "x");
            Assert.Equal(ResponseCode.TopicNotExist, unknown.Code);
        }
        await using var second = await StartSession();
        Assert.Equal(new long[] { 1, 5, 9 }, second.QueryKey("Keyed", "order-1").Offsets);
        Assert.Equal(new long[] { 7, 8, 9 }, second.QueryKey("Keyed", "shared", 3).Offsets);
        second.Send(second.Entry("Keyed", "order-1", keys: "order-1"));
        Assert.Equal(new long[] { 1, 5, 9, 10 }, second.QueryKey("Keyed", "order-1").Offsets);
    }
}
