using Akka.Actor;
using AkkaMq.Broker.Queue;
using AkkaMq.Broker.Retention;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Tests;

/// <summary>What the retention.bytes tests share: a one-queue topic with a size limit, and messages of 100 body bytes.</summary>
internal static class BytesScenario
{
    // deleteWhen is an hour the manual clock never shows: only the size limit deletes.
    public const string Hocon = RetentionScenario.Hocon + "\nakkamq.broker.deleteWhen = \"04\"";
    public static readonly DateTimeOffset Noon = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    public static string Body(int i) => $"{i:D3}" + new string('x', 97);

    public static void Create(BrokerTestBase t, string topic, string limit)
    {
        t.NameServer.Tell(new CreateTopic(new TopicConfig(topic, 1, 1, Perm.ReadWrite)
            { Attributes = TopicAttributes.ParseChanges(new[] { "+retention.bytes=" + limit }, out _)! }, null, null), t.TestActor);
        var reply = t.ExpectMsg<CreateTopicReply>(TimeSpan.FromSeconds(10));
        Assert.True(reply.Code == ResponseCode.Success, reply.Error);
    }

    /// <summary>One message (one journal event) at a time, so the sparse index has an entry per message.</summary>
    public static void Send(BrokerTestBase t, string topic, int from, int count)
    {
        for (var i = from; i < from + count; i++)
            Assert.Equal(ResponseCode.Success, Assert.Single(t.Send(t.Entry(BrokerTestBase.Text(topic, Body(i))))).Code);
    }

    public static void AwaitMin(BrokerTestBase t, string topic, long min) =>
        t.AwaitAssert(() => Assert.Equal(min, RetentionScenario.Bounds(t, topic).MinOffset), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
}

/// <summary>retention.bytes, Kafka's per-partition size limit as a topic attribute: each queue keeps its newest messages within it.</summary>
public sealed class RetentionBytesTests : BrokerTestBase
{
    private readonly ManualClock _clock = new(BytesScenario.Noon);

    public RetentionBytesTests(ITestOutputHelper output) : base(output, StartNode(BytesScenario.Hocon)) =>
        BrokerClock.For(Node.System).Use(_clock);

    [Fact]
    public async Task A_queue_over_its_retention_bytes_loses_its_oldest_messages_and_a_consumer_below_the_min_carries_on()
    {
        BytesScenario.Create(this, "Sized", "1000");
        CreateTopic("Unlimited", 1);
        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "slow", "Sized", new Dictionary<int, long> { [0] = 3 }), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<CommitConsumerOffsetsReply>().Code);
        BytesScenario.Send(this, "Sized", 0, 20);
        BytesScenario.Send(this, "Unlimited", 0, 20);

        // 2,000 bytes stored, 1,000 allowed: the ten oldest go, in steps of four events, outside deleteWhen's hours.
        BytesScenario.AwaitMin(this, "Sized", 10);
        Assert.Equal(20, RetentionScenario.Bounds(this, "Sized").MaxOffset);
        Assert.Equal(0, RetentionScenario.Bounds(this, "Unlimited").MinOffset);

        // A pull below the min is told where to go on, and finds the newest ten there.
        var below = Pull("Sized", 0, 3);
        Assert.Equal(PullStatus.OffsetIllegal, below.Status);
        Assert.Equal(10, below.NextBeginOffset);
        var kept = Pull("Sized", 0, below.NextBeginOffset);
        Assert.Equal(Enumerable.Range(10, 10).Select(BytesScenario.Body), kept.Messages.Select(RetentionScenario.Body));

        // More messages: the queue stays at its limit.
        BytesScenario.Send(this, "Sized", 20, 5);
        BytesScenario.AwaitMin(this, "Sized", 15);

        var client = ActorSystem.Create("bytes-admin", Node.ClientConfig());
        try
        {
            await using var admin = new AkkaMqAdmin(new ClientContext(client, ClientSettings.Create(client.Settings.Config)));
            var status = Assert.Single(await admin.TopicStatusAsync("Sized"));
            Assert.Equal("1000", status.Attributes[TopicAttributes.RetentionBytes]);
            Assert.Equal((15L, 25L), (status.MinOffset, status.MaxOffset));
            // The group committed at 3: its lag counts from the min.
            Assert.Equal(10, (await admin.ConsumerProgressAsync("slow", "Sized")).DiffTotal);
        }
        finally
        {
            await client.Terminate();
        }
    }

    [Theory]
    [InlineData("+retention.bytes=banana", "'banana' is not a size")]
    [InlineData("+retention.bytes=-5", "'-5' is not a size")]
    [InlineData("+retention.bytes=0", "must be more than zero bytes")]
    public async Task A_bad_retention_bytes_is_refused_with_a_clear_error_and_nothing_changes(string change, string why)
    {
        BytesScenario.Create(this, "Guarded", "1000");
        BytesScenario.Send(this, "Guarded", 0, 3);

        var client = ActorSystem.Create("bytes-bad", Node.ClientConfig());
        try
        {
            await using var admin = new AkkaMqAdmin(new ClientContext(client, ClientSettings.Create(client.Settings.Config)));
            var e = await Assert.ThrowsAsync<AkkaMqException>(() => admin.UpdateTopicAsync("Guarded", 1, 1, Perm.ReadWrite, null, BrokerName, new[] { change }));
            Assert.Contains("retention.bytes", e.Message);
            Assert.Contains(why, e.Message);
        }
        finally
        {
            await client.Terminate();
        }

        // The broker refuses it too, when asked directly.
        var bad = new Dictionary<string, string> { [change[..change.IndexOf('=')]] = change[(change.IndexOf('=') + 1)..] };
        Gateway.Tell(new UpdateTopicConfig(BrokerName, new TopicConfig("Guarded", 1, 1, Perm.ReadWrite) { Attributes = bad }), TestActor);
        var reply = ExpectMsg<UpdateTopicConfigReply>(TimeSpan.FromSeconds(10));
        Assert.Equal(ResponseCode.MessageIllegal, reply.Code);
        Assert.Contains(why, reply.Error);

        Gateway.Tell(new GetTopicConfigs(BrokerName), TestActor);
        Assert.Equal("1000", ExpectMsg<TopicConfigs>().Configs.Single(c => c.TopicName == "Guarded").Attributes[TopicAttributes.RetentionBytes]);
        Assert.Equal((0L, 3L), (RetentionScenario.Bounds(this, "Guarded").MinOffset, RetentionScenario.Bounds(this, "Guarded").MaxOffset));
    }
}

/// <summary>A queue's stored bytes survive a restart (from its snapshot), so the limit set afterwards deletes the right amount.</summary>
public sealed class RetentionBytesRestartTests : IDisposable
{
    private readonly TempDirectory _dataDir = new("akkamq-retention-bytes-");
    private readonly ITestOutputHelper _output;

    public RetentionBytesRestartTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public async Task The_stored_bytes_are_recovered_from_the_snapshot()
    {
        // A snapshot after every event: recovery starts from the last one and replays nothing.
        const string hocon = BytesScenario.Hocon + "\nakkamq.broker.queue.snapshot-every = 1";
        await using (var s = await BrokerSession.StartAsync(_output, hocon, _dataDir.Path))
        {
            BrokerClock.For(s.Sys).Use(new ManualClock(BytesScenario.Noon));
            BytesScenario.Create(s, "Sized", "1MiB");
            BytesScenario.Send(s, "Sized", 0, 20);
        }
        await using (var s = await BrokerSession.StartAsync(_output, hocon, _dataDir.Path))
        {
            BrokerClock.For(s.Sys).Use(new ManualClock(BytesScenario.Noon));
            Assert.Equal(0, RetentionScenario.Bounds(s, "Sized").MinOffset);
            BytesScenario.Create(s, "Sized", "500");
            BytesScenario.AwaitMin(s, "Sized", 15);
            Assert.Equal(Enumerable.Range(15, 5).Select(BytesScenario.Body), s.Pull("Sized", 0, 15).Messages.Select(RetentionScenario.Body));
        }
    }
}

/// <summary>The size rule on its own: where a step cuts, and the stored-bytes figure.</summary>
public sealed class RetentionBytesPolicyTests
{
    // Ten events of one message each, offsets 0..9 at sequence numbers 1..10.
    private static readonly QueueIndexEntry[] Index = Enumerable.Range(0, 10).Select(i => new QueueIndexEntry(i, i + 1, 1000 + i)).ToArray();

    [Fact]
    public void Within_the_limit_nothing_is_cut()
    {
        Assert.Null(RetentionPolicy.PlanBytes(Index, 0, 10, 10, 1000, 1000, 100));
        Assert.Null(RetentionPolicy.PlanBytes(Array.Empty<QueueIndexEntry>(), 5, 5, 10, 0, 1, 100));
    }

    [Fact]
    public void Over_the_limit_the_oldest_messages_go_until_the_rest_fits()
    {
        // 100 bytes a message, 1000 stored, 650 allowed: four go (350 bytes would leave 650; 3.5 rounds up).
        Assert.Equal(new RetentionCut(4, 4, false), RetentionPolicy.PlanBytes(Index, 0, 10, 10, 1000, 650, 100));
        // A batch of two events: the step stops at the second event and says more follows.
        Assert.Equal(new RetentionCut(2, 2, true), RetentionPolicy.PlanBytes(Index, 0, 10, 10, 1000, 650, 2));
    }

    [Fact]
    public void With_a_sparse_index_the_cut_is_the_first_entry_past_the_target_or_the_last_entry()
    {
        var sparse = new[] { new QueueIndexEntry(0, 1, 1), new QueueIndexEntry(40, 5, 2), new QueueIndexEntry(80, 9, 3) };
        // 100 messages of 10 bytes; 550 must go (offset 55): the entry at 80 is the first past it.
        Assert.Equal(new RetentionCut(8, 80, false), RetentionPolicy.PlanBytes(sparse, 0, 100, 10, 1000, 450, 100));
        // 950 must go (offset 95): no entry that far, so the last one; the rest waits for a later entry.
        Assert.Equal(new RetentionCut(8, 80, false), RetentionPolicy.PlanBytes(sparse, 0, 100, 10, 1000, 50, 100));
    }

    [Fact]
    public void A_limit_below_one_message_empties_the_queue()
    {
        Assert.Equal(new RetentionCut(10, 10, false), RetentionPolicy.PlanBytes(Index, 0, 10, 10, 1000, 50, 100));
    }

    [Fact]
    public void Stored_bytes_add_appends_drop_at_the_average_and_are_exact_when_empty()
    {
        var bytes = new QueueBytes();
        var body = new byte[100];
        bytes.Appended(new MessagesAppended(0, 1, Enumerable.Range(0, 10).Select(_ => new StoredMessage(null, null, new Dictionary<string, string>(), body, 1)).ToList()));
        Assert.Equal(1000, bytes.Stored);
        bytes.Dropped(0, 4, 10);
        Assert.Equal(600, bytes.Stored);
        bytes.Dropped(4, 10, 10);
        Assert.Equal(0, bytes.Stored);

        // After an older snapshot (no figure, offsets 2..6 uncounted) the uncounted ones are taken at the replayed average.
        var legacy = new QueueBytes();
        legacy.Restore(null, 6);
        legacy.Appended(new MessagesAppended(6, 1, new[] { new StoredMessage(null, null, new Dictionary<string, string>(), new byte[50], 1) }));
        legacy.Recovered(2, 7);
        Assert.Equal(250, legacy.Stored);
    }
}
