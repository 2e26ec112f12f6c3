using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.TestKit;

namespace AkkaMq.Broker.Tests;

/// <summary>The queue key index: bounds, multi-key messages, snapshot round trip; and through the broker across a restart.</summary>
public sealed class KeyIndexTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "akkamq-keys-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public KeyIndexTests(ITestOutputHelper output) => _output = output;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dataDir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }

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

    private sealed class Session : BrokerTestBase
    {
        public Session(ITestOutputHelper output, string dataDir)
            // Snapshots every 3 writes: recovery uses the keyed snapshot and replays the events after it.
            : base(output, StartNode("akkamq.broker.queue.snapshot-every = 3", dataDir)) { }

        public new void CreateTopic(string topic, int queues = 4, int perm = Perm.ReadWrite) => base.CreateTopic(topic, queues, perm);
        public void SendKeyed(string topic, string keys) => Send(Entry(Text(topic, keys, keys: keys)));

        public MessageKeyOffsets Query(string topic, string key, int max = 32)
        {
            Gateway.Tell(new QueryMessageKey(BrokerName, topic, 0, key, max), TestActor);
            return ExpectMsg<MessageKeyOffsets>(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void Broker_answers_key_queries_and_keeps_the_index_across_a_restart()
    {
        using (var first = new Session(_output, _dataDir))
        {
            first.CreateTopic("Keyed", 1);
            for (var i = 0; i < 10; i++) first.SendKeyed("Keyed", $"order-{i % 4} shared");
            Assert.Equal(new long[] { 1, 5, 9 }, first.Query("Keyed", "order-1").Offsets);
            Assert.Equal(ResponseCode.Success, first.Query("Keyed", "none").Code);
            Assert.Empty(first.Query("Keyed", "none").Offsets);
            var unknown = first.Query("NoTopic", "x");
            Assert.Equal(ResponseCode.TopicNotExist, unknown.Code);
        }
        using var second = new Session(_output, _dataDir);
        Assert.Equal(new long[] { 1, 5, 9 }, second.Query("Keyed", "order-1").Offsets);
        Assert.Equal(new long[] { 7, 8, 9 }, second.Query("Keyed", "shared", 3).Offsets);
        second.SendKeyed("Keyed", "order-1");
        Assert.Equal(new long[] { 1, 5, 9, 10 }, second.Query("Keyed", "order-1").Offsets);
    }
}
