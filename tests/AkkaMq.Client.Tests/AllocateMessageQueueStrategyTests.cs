using AkkaMq.Client.Consumer.Rebalance;
using AkkaMq.Protocol;

namespace AkkaMq.Client.Tests;

public sealed class AllocateMessageQueueStrategyTests
{
    private static readonly IAllocateMessageQueueStrategy[] All =
    {
        new AllocateMessageQueueAveragely(), new AllocateMessageQueueAveragelyByCircle(), new AllocateMessageQueueConsistentHash(),
    };

    public static IEnumerable<object[]> Strategies => All.Select(s => new object[] { s.Name });

    private static IAllocateMessageQueueStrategy Get(string name) => AllocateMessageQueueStrategies.ByName(name);

    private static List<MessageQueue> Queues(int n, string topic = "T", params string[] brokers)
    {
        if (brokers.Length == 0) brokers = new[] { "broker-a" };
        var list = new List<MessageQueue>();
        foreach (var b in brokers)
            for (var i = 0; i < n; i++) list.Add(new MessageQueue(topic, b, i));
        list.Sort(AllocateMessageQueueStrategies.Compare);
        return list;
    }

    private static List<string> Clients(int n) => Enumerable.Range(0, n).Select(i => $"10.0.0.{i}@c{i}").OrderBy(c => c, StringComparer.Ordinal).ToList();

    private static Dictionary<string, IReadOnlyList<MessageQueue>> AllocateAll(IAllocateMessageQueueStrategy s, List<MessageQueue> mqs, List<string> cids) =>
        cids.ToDictionary(c => c, c => s.Allocate("g", c, mqs, cids));

    /// <summary>Every queue is owned by exactly one client: none twice, none missing.</summary>
    private static void AssertPartition(Dictionary<string, IReadOnlyList<MessageQueue>> allocation, List<MessageQueue> mqs)
    {
        var owned = allocation.Values.SelectMany(x => x).ToList();
        Assert.Equal(owned.Count, owned.Distinct().Count());
        Assert.Equal(mqs.ToHashSet(), owned.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Every_queue_has_exactly_one_owner_for_even_and_uneven_counts(string name)
    {
        var s = Get(name);
        foreach (var queues in new[] { 1, 3, 4, 7, 8, 16, 33 })
        foreach (var clients in new[] { 1, 2, 3, 5, 8, 40 })
        {
            var mqs = Queues(queues);
            AssertPartition(AllocateAll(s, mqs, Clients(clients)), mqs);
        }
    }

    [Fact]
    public void Averagely_gives_contiguous_blocks_with_the_remainder_to_the_first_clients()
    {
        var mqs = Queues(8);
        var cids = Clients(3);
        var a = AllocateAll(new AllocateMessageQueueAveragely(), mqs, cids);
        Assert.Equal(new[] { 0, 1, 2 }, a[cids[0]].Select(q => q.QueueId));
        Assert.Equal(new[] { 3, 4, 5 }, a[cids[1]].Select(q => q.QueueId));
        Assert.Equal(new[] { 6, 7 }, a[cids[2]].Select(q => q.QueueId));
    }

    [Fact]
    public void Averagely_by_circle_deals_queues_round_robin()
    {
        var mqs = Queues(8);
        var cids = Clients(3);
        var a = AllocateAll(new AllocateMessageQueueAveragelyByCircle(), mqs, cids);
        Assert.Equal(new[] { 0, 3, 6 }, a[cids[0]].Select(q => q.QueueId));
        Assert.Equal(new[] { 1, 4, 7 }, a[cids[1]].Select(q => q.QueueId));
        Assert.Equal(new[] { 2, 5 }, a[cids[2]].Select(q => q.QueueId));
    }

    [Theory]
    [InlineData("AVG")]
    [InlineData("AVG_BY_CIRCLE")]
    public void Balanced_strategies_differ_by_at_most_one_queue(string name)
    {
        var s = Get(name);
        foreach (var (q, c) in new[] { (8, 3), (33, 5), (4, 4), (100, 7) })
        {
            var sizes = AllocateAll(s, Queues(q), Clients(c)).Values.Select(x => x.Count).ToList();
            Assert.True(sizes.Max() - sizes.Min() <= 1, $"{name} {q} queues / {c} clients: sizes {string.Join(",", sizes)}");
        }
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void More_clients_than_queues_leaves_the_extra_clients_idle(string name)
    {
        var mqs = Queues(3);
        var a = AllocateAll(Get(name), mqs, Clients(5));
        AssertPartition(a, mqs);
        Assert.True(a.Values.Count(x => x.Count == 0) >= 2);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_client_missing_from_the_list_owns_nothing_and_no_queues_means_nothing(string name)
    {
        var s = Get(name);
        Assert.Empty(s.Allocate("g", "stranger", Queues(8), Clients(3)));
        Assert.Empty(s.Allocate("g", Clients(3)[0], new List<MessageQueue>(), Clients(3)));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Membership_churn_keeps_a_partition_at_every_step(string name)
    {
        var s = Get(name);
        var mqs = Queues(8, "T", "broker-a", "broker-b");
        var members = new List<string>();
        var rng = new Random(42);
        for (var step = 0; step < 60; step++)
        {
            if (members.Count == 0 || (members.Count < 9 && rng.Next(2) == 0)) members.Add($"10.0.1.{step}@c{step}");
            else members.RemoveAt(rng.Next(members.Count));
            members.Sort(StringComparer.Ordinal);
            if (members.Count == 0) continue;
            AssertPartition(AllocateAll(s, mqs, members), mqs);
        }
    }

    [Fact]
    public void Consistent_hash_moves_only_the_leavers_queues()
    {
        var s = new AllocateMessageQueueConsistentHash();
        var mqs = Queues(64);
        var cids = Clients(4);
        var before = AllocateAll(s, mqs, cids);
        var leaver = cids[2];
        var after = AllocateAll(s, mqs, cids.Where(c => c != leaver).ToList());
        foreach (var c in cids.Where(c => c != leaver))
            Assert.True(before[c].ToHashSet().IsSubsetOf(after[c]), $"{c} lost a queue it owned although another client left");
        // ...whereas averagely reshuffles blocks of the survivors too.
        var avg = new AllocateMessageQueueAveragely();
        var avgBefore = AllocateAll(avg, mqs, cids);
        var avgAfter = AllocateAll(avg, mqs, cids.Where(c => c != leaver).ToList());
        Assert.Contains(cids.Where(c => c != leaver), c => !avgBefore[c].ToHashSet().IsSubsetOf(avgAfter[c]));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Every_member_computes_the_same_result_from_the_same_lists(string name)
    {
        var mqs = Queues(13);
        var cids = Clients(4);
        // A fresh instance (another process) agrees: nothing depends on instance state or hash seeds.
        Assert.Equal(Get(name).Allocate("g", cids[1], mqs, cids), Get(name).Allocate("g", cids[1], mqs, cids));
    }

    [Fact]
    public void Unknown_strategy_name_is_refused_naming_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => AllocateMessageQueueStrategies.ByName("RANDOM"));
        Assert.Contains("RANDOM", e.Message);
        Assert.Contains("AVG_BY_CIRCLE", e.Message);
    }
}
