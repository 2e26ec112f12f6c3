using Akka.Configuration;
using AkkaMq.Broker.Queue;
using AkkaMq.Broker.Retention;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Tests;

/// <summary>Retention's decisions without an actor: which events a step deletes, deleteWhen, the settings, and what the in-memory structures forget.</summary>
public sealed class RetentionPolicyTests
{
    // Events of 10 messages each: event n (seq n) holds offsets 10(n-1)..10n-1 and was stored at time 100n.
    private static QueueIndexEntry[] Index(int events, int stride = 1) =>
        Enumerable.Range(0, events).Where(i => i % stride == 0).Select(i => new QueueIndexEntry(10L * i, i + 1, 100L * (i + 1))).ToArray();

    private static RetentionCut? Plan(QueueIndexEntry[] index, long cutoff, int batch = 1000, long min = 0, long deletedTo = 0, int events = 10) =>
        RetentionPolicy.Plan(index, min, 10L * events, 100L * events, events, deletedTo, cutoff, batch);

    [Fact]
    public void Nothing_is_cut_while_every_message_is_newer_than_the_cutoff()
    {
        Assert.Null(Plan(Index(10), cutoff: 100));
        Assert.Null(Plan(Index(10), cutoff: 50));
    }

    [Fact]
    public void The_cut_falls_after_the_last_event_stored_before_the_cutoff()
    {
        // Events 1..4 stored at 100..400 are older than 450; event 5 (at 500) is not.
        var cut = Plan(Index(10), cutoff: 450)!.Value;
        Assert.Equal(new RetentionCut(4, 40, false), cut);
    }

    [Fact]
    public void Everything_goes_when_even_the_last_message_is_older_than_the_cutoff()
    {
        Assert.Equal(new RetentionCut(10, 100, false), Plan(Index(10), cutoff: 1001));
    }

    [Fact]
    public void A_step_deletes_at_most_the_batch_and_says_more_waits()
    {
        var first = Plan(Index(10), cutoff: 1001, batch: 3)!.Value;
        Assert.Equal(new RetentionCut(3, 30, true), first);
        // The next step starts where the first ended (the index now begins at event 4).
        var second = RetentionPolicy.Plan(Index(10)[3..], 30, 100, 1000, 10, 3, 1001, 3)!.Value;
        Assert.Equal(new RetentionCut(6, 60, true), second);
    }

    [Fact]
    public void A_sparse_index_cuts_at_its_own_entries_even_past_the_batch()
    {
        // Entries every 4 events: seq 1, 5, 9. A batch of 2 still cuts at seq 5, the first point there is.
        var cut = Plan(Index(10, stride: 4), cutoff: 950, batch: 2)!.Value;
        Assert.Equal(new RetentionCut(4, 40, true), cut);
        // Events 2..4 are not in the index: at 450 they might be newer than the cutoff, so they wait (one stride).
        Assert.Null(Plan(Index(10, stride: 4), cutoff: 450));
    }

    [Fact]
    public void Events_left_below_the_min_by_an_unfinished_step_are_deleted_next_time()
    {
        // After a restart: the min is 30 (index from event 4 on), nothing is known deleted, nothing new is old enough.
        var cut = RetentionPolicy.Plan(Index(10)[3..], 30, 100, 1000, 10, 0, 200, 1000);
        Assert.Equal(new RetentionCut(3, 30, false), cut);
        Assert.Null(RetentionPolicy.Plan(Index(10)[3..], 30, 100, 1000, 10, 3, 200, 1000));
        // An empty queue whose events were never deleted.
        Assert.Equal(new RetentionCut(10, 100, false), RetentionPolicy.Plan(Array.Empty<QueueIndexEntry>(), 100, 100, 1000, 10, 0, 200, 1000));
    }

    [Fact]
    public void Next_expiry_is_when_a_step_could_delete_something()
    {
        Assert.Equal(100, RetentionPolicy.NextExpiry(Index(10), 0, 100, 1000, now: 5000));
        Assert.Equal(500, RetentionPolicy.NextExpiry(Index(10, stride: 4), 0, 100, 1000, now: 5000));
        Assert.Equal(1000, RetentionPolicy.NextExpiry(Index(10)[9..], 90, 100, 1000, now: 5000));
        Assert.Equal(5000, RetentionPolicy.NextExpiry(Array.Empty<QueueIndexEntry>(), 100, 100, 1000, now: 5000));
    }

    [Theory]
    [InlineData("04", 4, true)]
    [InlineData("04", 5, false)]
    [InlineData("02;04", 2, true)]
    [InlineData(" 2 ; 23 ", 23, true)]
    [InlineData("02;04", 3, false)]
    [InlineData("*", 17, true)]
    public void DeleteWhen_matches_its_hours(string text, int hour, bool matches) =>
        Assert.Equal(matches, DeleteWhen.TryParse(text, out _)!.Matches(hour));

    [Theory]
    [InlineData("24")]
    [InlineData("4am")]
    [InlineData("")]
    [InlineData("02;;04")]
    [InlineData("-1")]
    public void DeleteWhen_refuses_what_is_not_an_hour(string text)
    {
        Assert.Null(DeleteWhen.TryParse(text, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Defaults_are_RocketMQs()
    {
        var s = BrokerSettings.Create(ConfigurationFactory.Empty).Retention;
        Assert.Equal(TimeSpan.FromHours(72), s.FileReservedTime);
        Assert.Equal("04", s.DeleteWhen.Text);
        Assert.Equal(TimeSpan.FromSeconds(10), s.CleanResourceInterval);
        Assert.Equal(1000, BrokerSettings.Create(ConfigurationFactory.Empty).Queue.DeleteBatchEvents);
        Assert.Null(BrokerSettings.Create(ConfigurationFactory.ParseString("akkamq.broker.fileReservedTime = off")).Retention.FileReservedTime);
        Assert.Equal(TimeSpan.FromMinutes(2),
            BrokerSettings.Create(ConfigurationFactory.ParseString("akkamq.broker.fileReservedTime = 2m")).Retention.FileReservedTime);
    }

    [Theory]
    [InlineData("akkamq.broker.fileReservedTime = 72", "akkamq.broker.fileReservedTime needs a unit")]
    [InlineData("akkamq.broker.fileReservedTime = soon", "akkamq.broker.fileReservedTime 'soon' is not a duration")]
    [InlineData("akkamq.broker.fileReservedTime = 0s", "akkamq.broker.fileReservedTime must be a positive duration")]
    [InlineData("akkamq.broker.deleteWhen = \"25\"", "akkamq.broker.deleteWhen '25'")]
    [InlineData("akkamq.broker.cleanResourceInterval = 0s", "akkamq.broker.cleanResourceInterval must be positive")]
    [InlineData("akkamq.broker.queue.delete-batch-events = 0", "akkamq.broker.queue.delete-batch-events must be at least 1")]
    public void A_bad_retention_setting_is_refused_naming_the_key(string hocon, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => BrokerSettings.Create(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_tail_the_sparse_index_and_the_key_index_forget_what_lies_below_the_min()
    {
        var tail = new MessageTail(100, 1 << 20);
        var keys = new MessageKeyIndex(100, 16);
        var index = new SparseOffsetIndex(64);
        for (var i = 0; i < 10; i++)
        {
            tail.Append(i, 100 + i, new StoredMessage(null, $"k{i % 3}", new Dictionary<string, string>(), new[] { (byte)i }, 0));
            keys.Add($"k{i % 3} only{i}", i);
            index.Add(i, i + 1, 100 + i);
        }
        tail.DropBefore(6);
        keys.DropBefore(6);
        index.DropBefore(6);

        Assert.Equal(4, tail.Count);
        Assert.Equal(6, tail.FirstOffset);
        Assert.Equal(new byte[] { 6 }, tail[0].CopyBody());
        Assert.Equal(new long[] { 6, 9 }, keys.Lookup("k0", 16));
        Assert.Equal(new long[] { 7 }, keys.Lookup("k1", 16));
        Assert.Empty(keys.Lookup("only5", 16));
        Assert.Equal(new long[] { 8 }, keys.Lookup("only8", 16));
        Assert.Equal(3 + 4, keys.Count);
        Assert.Equal(6, index.Entries[0].Offset);
        Assert.Equal(7, index.FloorSeqNrForOffset(6));
        // New entries still come after the kept ones.
        keys.Add("k0", 10);
        Assert.Equal(new long[] { 6, 9, 10 }, keys.Lookup("k0", 16));
    }

    [Theory]
    [InlineData(1_000, 11_000, false, 2_000)]     // the oldest tenth of the stored span
    [InlineData(1_000, 11_000, true, 3_500)]      // past diskSpaceCleanForciblyRatio: a quarter
    [InlineData(5_000, 5_005, false, 5_001)]      // a tiny span still moves past the oldest
    [InlineData(9_000, 5_000, true, 9_001)]       // a clock behind the store times too
    public void Under_disk_pressure_the_cutoff_takes_the_oldest_share_and_always_moves(long oldest, long now, bool forcibly, long cutoff) =>
        Assert.Equal(cutoff, RetentionPolicy.PressureCutoff(oldest, now, forcibly));
}
