using Akka.Configuration;
using AkkaMq.Broker.Memory;
using AkkaMq.Broker.Queue;
using AkkaMq.Broker.Topics;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Tests.Memory;

/// <summary>The node's memory budget and the parts that charge it, as plain classes: who gives back, who is refused, and when.</summary>
public sealed class MemoryBudgetTests
{
    private const int Kib = 1024;

    private static StoredMessage Stored(int bodyBytes) => new(null, null, Message.EmptyProperties, new byte[bodyBytes], 1);

    private static long _correlation;

    private static SendEntry[] Entries(int n, int bodyBytes) =>
        Enumerable.Range(0, n).Select(_ => new SendEntry(Interlocked.Increment(ref _correlation), 0, false, 1, new Message("t", new byte[bodyBytes]))).ToArray();

    [Fact]
    public void Pending_sends_are_taken_until_they_alone_fill_the_budget_whatever_the_caches_hold()
    {
        var budget = new MemoryBudget(100 * Kib);
        budget.ChargeCache(90 * Kib);
        Assert.True(budget.TryChargePending(60 * Kib)); // caches give back first: they do not count against sends
        Assert.True(budget.IsOver);
        Assert.True(budget.TryChargePending(40 * Kib));
        Assert.False(budget.TryChargePending(1));
        Assert.Equal(100 * Kib, budget.Pending);
        Assert.Equal(1, budget.Refused);
        budget.ReleasePending(60 * Kib);
        Assert.True(budget.TryChargePending(1));
    }

    [Fact]
    public void One_append_larger_than_the_budget_is_taken_while_nothing_else_is_pending()
    {
        var budget = new MemoryBudget(10 * Kib);
        Assert.True(budget.TryChargePending(50 * Kib));
        Assert.False(budget.TryChargePending(1 * Kib));
        budget.ReleasePending(50 * Kib);
        Assert.Equal(0, budget.Pending);
    }

    [Fact]
    public void Within_the_budget_a_cache_keeps_everything_and_over_it_gives_back_the_excess_or_down_to_its_share()
    {
        var budget = new MemoryBudget(100 * Kib);
        for (var i = 0; i < 4; i++) budget.AddHolder();
        budget.ChargeCache(80 * Kib);
        Assert.Equal(50 * Kib, budget.ShrinkTarget(50 * Kib));

        budget.ChargeCache(30 * Kib); // 110 KiB: 10 over
        Assert.Equal(40 * Kib, budget.ShrinkTarget(50 * Kib)); // the excess alone brings the node within
        Assert.Equal(25 * Kib, budget.ShrinkTarget(30 * Kib)); // not below its share (100 / 4)
        Assert.Equal(5 * Kib, budget.ShrinkTarget(5 * Kib));   // a small cache keeps what it has

        Assert.True(budget.TryChargePending(100 * Kib)); // pending sends fill the budget: caches keep nothing
        Assert.Equal(0, budget.ShrinkTarget(50 * Kib));
    }

    [Fact]
    public void Going_over_asks_the_holders_to_give_back_at_most_once_per_interval()
    {
        var asked = 0;
        var budget = new MemoryBudget(10 * Kib, () => asked++, TimeSpan.FromHours(1));
        budget.ChargeCache(5 * Kib);
        Assert.Equal(0, asked);
        budget.ChargeCache(6 * Kib);
        Assert.Equal(1, asked);
        budget.ChargeCache(6 * Kib);
        Assert.True(budget.TryChargePending(1 * Kib));
        Assert.Equal(1, asked);

        var every = 0;
        var eager = new MemoryBudget(10 * Kib, () => every++, TimeSpan.Zero);
        eager.ChargeCache(11 * Kib);
        eager.ChargeCache(1 * Kib);
        eager.ChargeCache(-5 * Kib); // giving back never asks
        Assert.Equal(2, every);
    }

    [Fact]
    public void The_busy_error_names_the_budget_its_setting_and_the_queue()
    {
        var budget = new MemoryBudget(1 << 20);
        var error = budget.BusyError("Orders", 3);
        Assert.Contains("broker busy, memory budget exhausted", error);
        Assert.Contains("akkamq.broker.memory.max-cache-bytes is 1048576 bytes", error);
        Assert.Contains("Orders:3", error);
    }

    [Fact]
    public void A_tail_charges_what_it_holds_and_gives_back_its_oldest_messages_when_the_node_is_over()
    {
        var budget = new MemoryBudget(1 << 30);
        var tail = new MessageTail(4096, 64 << 20, budget);
        for (var i = 0; i < 1000; i++) tail.Append(i, 1, Stored(1 * Kib));
        Assert.InRange(budget.Cached, tail.Footprint - MessageTail.SettleBytes, tail.Footprint + MessageTail.SettleBytes);
        Assert.True(budget.Cached > 1000 * Kib);

        // Another holder takes the node over its budget: this tail keeps only what brings it back within.
        var other = new MemoryBudget(budget.Cached + 100 * Kib);
        var small = new MessageTail(4096, 64 << 20, other);
        for (var i = 0; i < 1000; i++) small.Append(i, 1, Stored(1 * Kib));
        other.AddHolder();
        other.ChargeCache(300 * Kib);
        small.GiveBack();
        Assert.False(other.IsOver);
        Assert.True(small.Count is > 0 and < 1000, $"{small.Count} held");
        Assert.Equal(999, small[small.Count - 1].Offset); // the newest stay
        Assert.Equal(1000 - small.Count, small.FirstOffset);
    }

    [Fact]
    public void A_tail_gives_back_everything_when_pending_sends_fill_the_budget_and_releases_all_when_its_queue_stops()
    {
        var budget = new MemoryBudget(4 << 20);
        var tail = new MessageTail(4096, 64 << 20, budget);
        for (var i = 0; i < 2000; i++) tail.Append(i, 1, Stored(1 * Kib));
        Assert.True(budget.TryChargePending(4 << 20));
        tail.GiveBack();
        Assert.Equal(0, tail.Count);
        Assert.Equal(-1, tail.IndexOf(1999)); // pulls of it now read the journal
        Assert.True(budget.Cached < 8 * Kib, $"{budget.Cached} bytes still charged");
        tail.Append(2000, 1, Stored(100));    // still over: kept in its own array, not in a new 64 KiB chunk
        Assert.True(tail.Footprint < 16 * Kib, $"{tail.Footprint} bytes held for one message");
        tail.Clear();
        budget.ReleasePending(4 << 20);
        tail.Append(2000, 1, Stored(100));    // and the tail starts over at the next offset
        Assert.Equal(0, tail.IndexOf(2000));
        tail.ReleaseBudget();
        Assert.Equal(0, budget.Cached);
        Assert.Equal(0, budget.Holders);
    }

    [Fact]
    public void A_tail_over_budget_while_appending_gives_back_on_its_own()
    {
        var budget = new MemoryBudget(256 * Kib);
        var tail = new MessageTail(4096, 64 << 20, budget);
        for (var i = 0; i < 5000; i++) tail.Append(i, 1, Stored(1 * Kib));
        Assert.True(budget.Cached <= 256 * Kib + MessageTail.SettleBytes + 64 * Kib, $"{budget.Cached} bytes charged");
        Assert.Equal(4999, tail[tail.Count - 1].Offset);
    }

    [Fact]
    public void A_read_ahead_range_is_charged_while_loaded_refused_while_over_and_dropped_when_asked()
    {
        var budget = new MemoryBudget(1 << 20);
        var host = new RecordingPullHost();
        var ahead = new ReadAheadCache(enabled: true, maxWaiting: 2, budget);
        Assert.True(ahead.TryBegin(0, 1000, long.MaxValue, out var id));
        ahead.Loaded(id, new List<MessagesAppended> { new(0, 1, Enumerable.Range(0, 10).Select(_ => Stored(1 * Kib)).ToArray()) }, 2, host);
        Assert.Equal(10 * (1 * Kib + MessageTail.PerMessageBytes), budget.Cached);
        ahead.GiveBack();
        Assert.False(ahead.IsActive);
        Assert.Equal(0, budget.Cached);

        budget.ChargeCache(2 << 20);
        Assert.False(ahead.TryBegin(0, 1000, long.MaxValue, out _));
    }

    [Fact]
    public void An_append_the_budget_cannot_take_is_refused_whole_with_the_budget_named_and_taken_once_memory_is_released()
    {
        var budget = new MemoryBudget(100 * Kib);
        var buffer = new GroupCommitBuffer("broker-a", 0, 1000, 2, 100, 1 << 20);
        var charged = new GroupCommitBuffer("broker-a", 0, new QueueLogSettings(100, 1 << 20, 2, 1000, 16, 1 << 20, 10, 16, 10, 10, 1 << 20, 10, 10,
            TimeSpan.FromSeconds(1)), budget);
        Assert.True(charged.TryEnqueue(Entries(5, 10 * Kib), new RecordingRef(), 0));
        Assert.Equal(5 * (10 * Kib + MessageTail.PerMessageBytes), budget.Pending);

        Assert.True(budget.TryChargePending(40 * Kib)); // another queue's sends
        var producer = new RecordingRef();
        Assert.False(charged.EnqueueOrReject(Entries(1, 10 * Kib), producer, 0, "Orders"));
        var ack = Assert.Single(producer.Single<SendAcks>().Acks);
        Assert.Equal(ResponseCode.SystemBusy, ack.Code);
        Assert.Contains("memory budget exhausted", ack.Error);
        Assert.Equal(5, charged.PendingCount);

        charged.TakeBatch();
        charged.AckOldest(0); // persisted: its bytes leave the budget
        Assert.Equal(40 * Kib, budget.Pending);
        Assert.True(charged.EnqueueOrReject(Entries(1, 10 * Kib), new RecordingRef(), 0, "Orders"));
        charged.FailAll("journal gone");
        charged.ReleaseBudget();
        Assert.Equal(40 * Kib, budget.Pending);
        Assert.True(buffer.TryEnqueue(Entries(200, 10 * Kib), new RecordingRef(), 0)); // no budget: only the pending limit
    }

    [Fact]
    public void Auto_sizes_the_budget_as_a_quarter_of_the_memory_within_its_floor_and_cap()
    {
        Assert.Equal(64L << 20, MemorySettings.Auto(128L << 20));
        Assert.Equal(1L << 30, MemorySettings.Auto(4L << 30));
        Assert.Equal(2L << 30, MemorySettings.Auto(64L << 30));
        Assert.Equal(MemorySettings.Auto(), MemorySettings.Create(Config.Empty).MaxCacheBytes);
        Assert.Equal(10_000, MemorySettings.Create(Config.Empty).AutoCreateQueueLimit);
        Assert.Equal(512L << 20, MemorySettings.Create(ConfigurationFactory.ParseString("memory.max-cache-bytes = 512 MiB")).MaxCacheBytes);
    }

    [Theory]
    [InlineData("memory.max-cache-bytes = 100k", "at least 1 MiB")]
    [InlineData("memory.max-cache-bytes = lots", "must be auto or a size")]
    [InlineData("autoCreateQueueLimit = -1", "autoCreateQueueLimit must be a whole number")]
    public void A_bad_setting_is_refused_naming_its_key(string hocon, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => BrokerSettings.Create(ConfigurationFactory.ParseString("akkamq.broker." + hocon)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Auto_create_may_add_queues_up_to_the_cap_counting_every_topic_of_the_group()
    {
        var topics = new Dictionary<string, TopicConfig>
        {
            ["Explicit"] = new("Explicit", 8, 4, Perm.ReadWrite), // counts its larger queue number
            ["Auto"] = TopicConfig.Create("Auto", 4),
        };
        Assert.Null(AutoCreateCap.Check(topics, TopicConfig.Create("New", 4), 16, "broker-a"));
        var error = AutoCreateCap.Check(topics, TopicConfig.Create("New", 5), 16, "broker-a");
        Assert.Contains("auto-create of topic 'New' refused", error);
        Assert.Contains("akkamq.broker.autoCreateQueueLimit (16)", error);
        Assert.Contains("holds 12 queues", error);
        Assert.Null(AutoCreateCap.Check(topics, TopicConfig.Create("Auto", 8), 0, "broker-a")); // an existing topic is not auto-created again
        Assert.NotNull(AutoCreateCap.Check(new Dictionary<string, TopicConfig>(), TopicConfig.Create("First", 1), 0, "broker-a"));
    }
}
