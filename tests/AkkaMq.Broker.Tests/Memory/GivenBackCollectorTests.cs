using Akka.Configuration;
using AkkaMq.Broker.Memory;
using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Tests.Memory;

/// <summary>When the node asks the GC for a gen2 because its caches gave back memory: a fake gen2 counter, no real collection.</summary>
public sealed class GivenBackCollectorTests
{
    private const long Mib = 1L << 20;
    private int _gen2;
    private int _asked;

    private GivenBackCollector Collector(long threshold) => new(threshold, () => _gen2, () => _asked++);

    [Fact]
    public void A_gen2_is_asked_for_once_the_given_back_bytes_reach_the_threshold_and_not_again_until_one_ran()
    {
        var c = Collector(64 * Mib);
        c.Note(40 * Mib);
        Assert.Equal(0, _asked);
        c.Note(24 * Mib);
        Assert.Equal(1, _asked);
        c.Note(100 * Mib); // no gen2 ran since the request: asking again would only queue another
        Assert.Equal(1, _asked);
        _gen2++;
        c.Note(63 * Mib); // the gen2 took what was given back before it
        Assert.Equal(1, _asked);
        c.Note(1 * Mib);
        Assert.Equal(2, _asked);
        Assert.Equal(2, c.Requested);
    }

    [Fact]
    public void A_gen2_the_GC_ran_by_itself_starts_the_count_again()
    {
        var c = Collector(64 * Mib);
        c.Note(60 * Mib);
        _gen2++;
        c.Note(10 * Mib);
        Assert.Equal(0, _asked);
        Assert.Equal(10 * Mib, c.GivenBack);
    }

    [Fact]
    public void Threshold_zero_never_asks_and_growth_is_never_counted()
    {
        var off = Collector(0);
        off.Note(1L << 40);
        var on = Collector(Mib);
        on.Note(-5 * Mib);
        on.Note(0);
        Assert.Equal(0, _asked);
        Assert.Equal(0, on.GivenBack);
    }

    [Fact]
    public void The_budget_reports_what_a_tail_gives_back_to_its_collector_and_nothing_it_takes()
    {
        var budget = new MemoryBudget(1 * Mib) { Collector = Collector(512 * 1024) };
        var tail = new MessageTail(100_000, 64 * Mib, budget);
        for (var i = 0; i < 1024; i++) tail.Append(i, 1, new StoredMessage(null, null, Message.EmptyProperties, new byte[1024], 1));
        // 1 MiB of bodies in a 1 MiB budget: the tail gave back its oldest chunks as it went.
        Assert.True(budget.Collector!.GivenBack > 0 || _asked > 0);
        var before = _asked;
        tail.ReleaseBudget(); // the queue stops: all it held is given back
        Assert.True(_asked > before || budget.Collector.GivenBack >= budget.Cached);
    }

    [Fact]
    public void Auto_is_a_quarter_of_the_budget_at_most_64_MiB_and_a_bad_value_is_refused_naming_its_key()
    {
        static MemorySettings Read(string hocon) => MemorySettings.Create(ConfigurationFactory.ParseString(hocon));
        Assert.Equal(16 * Mib, Read("memory.max-cache-bytes = 64 MiB").CollectAfterGivenBack);
        Assert.Equal(64 * Mib, Read("memory.max-cache-bytes = 2 GiB").CollectAfterGivenBack);
        Assert.Equal(0, Read("memory.collect-after-given-back = 0").CollectAfterGivenBack);
        Assert.Equal(8 * Mib, Read("memory.collect-after-given-back = 8 MiB").CollectAfterGivenBack);
        Assert.Equal(MemorySettings.CollectAuto(MemorySettings.Auto()), MemorySettings.Default.CollectAfterGivenBack);
        var e = Assert.Throws<ConfigurationException>(() => BrokerSettings.Create(ConfigurationFactory.ParseString("akkamq.broker.memory.collect-after-given-back = soon")));
        Assert.Contains("akkamq.broker.memory.collect-after-given-back must be auto, 0 (off) or a size", e.Message);
    }
}
