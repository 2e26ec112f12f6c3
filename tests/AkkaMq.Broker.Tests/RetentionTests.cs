using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using AkkaMq.Broker.Retention;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>A clock a test sets by hand; local time is UTC.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    private long _ticks = now.UtcTicks;

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}

/// <summary>What the retention tests share: old and new messages, the queue's bounds, the journal's rows.</summary>
internal static class RetentionScenario
{
    public const string Hocon = """
        akkamq.broker.deleteWhen = "*"
        akkamq.broker.cleanResourceInterval = 100ms
        akkamq.broker.queue.tail-messages = 16
        akkamq.broker.queue.delete-batch-events = 4
        """;

    public static readonly TimeSpan Reserved = TimeSpan.FromHours(72);

    /// <summary>
    /// Sends old messages one at a time (a journal event each, keys old-i), then, once the system
    /// clock has moved past the last one's store time, the new ones; returns the first new store time.
    /// </summary>
    public static long SendOldThenNew(BrokerTestBase t, string topic, int old, int fresh)
    {
        for (var i = 0; i < old; i++)
            Assert.Equal(ResponseCode.Success, Assert.Single(t.Send(t.Entry(BrokerTestBase.Text(topic, $"old-{i}", keys: $"old-{i}")))).Code);
        var oldLast = Assert.Single(t.Pull(topic, 0, old - 1, 1).Messages).StoreTimestamp;
        t.AwaitCondition(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > oldLast);
        for (var i = 0; i < fresh; i++)
            Assert.Equal(ResponseCode.Success, Assert.Single(t.Send(t.Entry(BrokerTestBase.Text(topic, $"new-{i}", keys: $"new-{i}")))).Code);
        var first = Assert.Single(t.Pull(topic, 0, old, 1).Messages).StoreTimestamp;
        Assert.True(first > oldLast);
        return first;
    }

    public static QueueOffsetReply Bounds(BrokerTestBase t, string topic)
    {
        t.Gateway.Tell(new QueryQueueOffset(t.BrokerName, topic, 0, QueueOffsetKind.Min, 0), t.TestActor);
        return t.ExpectMsg<QueueOffsetReply>(TimeSpan.FromSeconds(10));
    }

    /// <summary>Journal rows of the queue: all, and those not marked deleted.</summary>
    public static (long All, long Live) JournalRows(string dataDir, string brokerName, string topic)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "akkamq.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*), coalesce(sum(deleted = 0), 0) FROM journal WHERE persistence_id = $p";
        cmd.Parameters.AddWithValue("$p", Queue.QueueLog.PersistenceIdFor(brokerName, topic, 0));
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1));
    }

    public static string Body(MessageExt m) => Encoding.UTF8.GetString(m.Body);
}

/// <summary>
/// Retention by time on a node whose retention clock the test sets: messages older than
/// fileReservedTime go, newer ones stay, the min offset moves, and consumers and queries are told.
/// </summary>
public sealed class RetentionTests : BrokerTestBase
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public RetentionTests(ITestOutputHelper output) : base(output, StartNode(RetentionScenario.Hocon)) =>
        BrokerClock.For(Node.System).Use(_clock);

    /// <summary>Moves the retention clock so that messages stored before cutoff are older than fileReservedTime.</summary>
    private void ExpireBefore(long cutoff) => _clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(cutoff) + RetentionScenario.Reserved;

    private void AwaitMinOffset(string topic, long min) =>
        AwaitAssert(() => Assert.Equal(min, RetentionScenario.Bounds(this, topic).MinOffset), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));

    [Fact]
    public void Messages_older_than_fileReservedTime_are_deleted_and_newer_ones_kept()
    {
        CreateTopic("Expiring", 1);
        var firstNew = RetentionScenario.SendOldThenNew(this, "Expiring", 10, 5);
        var before = RetentionScenario.JournalRows(Node.DataDir, BrokerName, "Expiring");
        Assert.Equal(15, before.Live);

        // Nothing is old enough yet: the cleaner runs every 100 ms and deletes nothing.
        Assert.Equal(0, RetentionScenario.Bounds(this, "Expiring").MinOffset);
        ExpireBefore(firstNew);
        AwaitMinOffset("Expiring", 10);

        var bounds = RetentionScenario.Bounds(this, "Expiring");
        Assert.Equal(15, bounds.MaxOffset);
        var r = Pull("Expiring", 0, 10, 32);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"new-{i}"), r.Messages.Select(RetentionScenario.Body));
        Assert.Equal(10, r.MinOffset);

        // The journal rows of the deleted events are gone (Akka.Persistence.Sql keeps at most one, marked deleted).
        AwaitAssert(() =>
        {
            var after = RetentionScenario.JournalRows(Node.DataDir, BrokerName, "Expiring");
            Assert.Equal(5, after.Live);
            Assert.True(after.All <= 6, $"{after.All} rows left");
        }, TimeSpan.FromSeconds(10));

        // The key index forgot the deleted messages and still knows the kept ones.
        Gateway.Tell(new Protocol.Admin.QueryMessageKey(BrokerName, "Expiring", 0, "old-3", 8), TestActor);
        Assert.Empty(ExpectMsg<Protocol.Admin.MessageKeyOffsets>().Offsets);
        Gateway.Tell(new Protocol.Admin.QueryMessageKey(BrokerName, "Expiring", 0, "new-2", 8), TestActor);
        Assert.Equal(new long[] { 12 }, ExpectMsg<Protocol.Admin.MessageKeyOffsets>().Offsets);
    }

    [Fact]
    public void A_topics_retention_time_attribute_replaces_fileReservedTime_for_that_topic()
    {
        NameServer.Tell(new Protocol.NameServer.CreateTopic(new TopicConfig("ShortLived", 1, 1, Perm.ReadWrite)
            { Attributes = TopicAttributes.ParseChanges(new[] { "+retention.time=10m" }, out _)! }, null, null), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<Protocol.NameServer.CreateTopicReply>(TimeSpan.FromSeconds(10)).Code);
        CreateTopic("LongLived", 1);
        var firstNew = RetentionScenario.SendOldThenNew(this, "ShortLived", 4, 2);
        for (var i = 0; i < 3; i++) Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text("LongLived", $"l-{i}")))).Code);

        // Ten minutes after the first new message: the old ones are past the topic's 10m, far from the broker's 72h.
        _clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(firstNew) + TimeSpan.FromMinutes(10);
        AwaitMinOffset("ShortLived", 4);
        Assert.Equal(0, RetentionScenario.Bounds(this, "LongLived").MinOffset);
        Assert.Equal(3, RetentionScenario.Bounds(this, "LongLived").MaxOffset);
    }

    [Fact]
    public void A_pull_below_the_min_offset_answers_offset_illegal_with_the_min()
    {
        CreateTopic("BelowMin", 1);
        ExpireBefore(RetentionScenario.SendOldThenNew(this, "BelowMin", 6, 2));
        AwaitMinOffset("BelowMin", 6);

        var r = Pull("BelowMin", 0, 2, 32);
        Assert.Equal(ResponseCode.Success, r.Code);
        Assert.Equal(PullStatus.OffsetIllegal, r.Status);
        Assert.Equal(6, r.NextBeginOffset);
        Assert.Equal(6, r.MinOffset);
        Assert.Contains("too small", r.Error);
        Assert.Contains("expired", r.Error);
        Assert.Empty(r.Messages);
    }

    [Fact]
    public void Sends_made_while_the_queue_is_cleaned_all_succeed()
    {
        CreateTopic("Busy", 1);
        const int old = 60, fresh = 300;
        for (var i = 0; i < old; i++) Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text("Busy", $"old-{i}")))).Code);
        var oldLast = Assert.Single(Pull("Busy", 0, old - 1, 1).Messages).StoreTimestamp;
        AwaitCondition(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > oldLast);

        // Cleaning (in steps of 4 events) starts, and the sends go on meanwhile, each its own request.
        ExpireBefore(oldLast + 1);
        for (var i = 0; i < fresh; i++) Gateway.Tell(new SendMessages(BrokerName, new[] { Entry(Text("Busy", $"new-{i}")) }), TestActor);
        var acks = new List<SendAck>();
        while (acks.Count < fresh) acks.AddRange(ExpectMsg<SendAcks>(TimeSpan.FromSeconds(20)).Acks);
        Assert.All(acks, a => Assert.True(a.Code == ResponseCode.Success, a.Error));
        Assert.Equal(Enumerable.Range(old, fresh).Select(i => (long)i), acks.Select(a => a.QueueOffset).OrderBy(o => o));

        AwaitMinOffset("Busy", old);
        Assert.Equal(old + fresh, RetentionScenario.Bounds(this, "Busy").MaxOffset);
        var kept = new List<string>();
        for (var offset = (long)old; offset < old + fresh;)
        {
            var r = Pull("Busy", 0, offset, 64);
            Assert.Equal(PullStatus.Found, r.Status);
            kept.AddRange(r.Messages.Select(RetentionScenario.Body));
            offset = r.NextBeginOffset;
        }
        Assert.Equal(fresh, kept.Count);
        Assert.All(kept, b => Assert.StartsWith("new-", b));
    }

    [Fact]
    public async Task Queries_of_a_deleted_message_say_it_expired_and_consumer_progress_counts_from_the_min()
    {
        CreateTopic("Queried", 1);
        // The group committed nothing past offset 0 before retention ran.
        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "lagging", "Queried", new Dictionary<int, long> { [0] = 0 }), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<CommitConsumerOffsetsReply>().Code);
        var firstNew = RetentionScenario.SendOldThenNew(this, "Queried", 8, 3);
        var deletedId = Pull("Queried", 0, 1, 1).Messages[0].MsgId;
        ExpireBefore(firstNew);
        AwaitMinOffset("Queried", 8);

        var client = ActorSystem.Create("retention-admin", Node.ClientConfig());
        try
        {
            await using var admin = new AkkaMqAdmin(new ClientContext(client, ClientSettings.Create(client.Settings.Config)));
            await AssertQueries(admin, deletedId);
        }
        finally
        {
            await client.Terminate();
        }
    }

    private async Task AssertQueries(AkkaMqAdmin admin, string deletedId)
    {
        var byOffset = await Assert.ThrowsAsync<AkkaMqException>(() => admin.QueryMsgByOffsetAsync("Queried", BrokerName, 0, 1));
        Assert.Contains("expired", byOffset.Message);
        Assert.Contains("min offset is 8", byOffset.Message);
        var byId = await Assert.ThrowsAsync<AkkaMqException>(() => admin.QueryMsgByIdAsync(deletedId));
        Assert.Contains("expired", byId.Message);
        Assert.Equal("new-0", (await admin.QueryMsgByOffsetAsync("Queried", BrokerName, 0, 8)).Body);

        var status = Assert.Single(await admin.TopicStatusAsync("Queried"));
        Assert.Equal((8L, 11L), (status.MinOffset, status.MaxOffset));

        var progress = await admin.ConsumerProgressAsync("lagging", "Queried");
        var row = Assert.Single(progress.Queues);
        Assert.Equal(3, row.Diff);
        Assert.Equal(3, progress.DiffTotal);
    }

    [Fact]
    public async Task A_push_consumer_whose_committed_offset_is_below_the_min_goes_on_from_the_min()
    {
        CreateTopic("Pushed", 1);
        Gateway.Tell(new CommitConsumerOffsets(BrokerName, "behind", "Pushed", new Dictionary<int, long> { [0] = 2 }), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<CommitConsumerOffsetsReply>().Code);
        ExpireBefore(RetentionScenario.SendOldThenNew(this, "Pushed", 7, 4));
        AwaitMinOffset("Pushed", 7);

        var client = ActorSystem.Create("retention-client", Node.ClientConfig());
        try
        {
            var received = new ConcurrentQueue<string>();
            var consumer = AkkaMqPushConsumer.Create(client, "behind", PushConsumerSettings.Create(client.Settings.Config));
            consumer.Subscribe("Pushed");
            consumer.RegisterMessageListener((msgs, _) =>
            {
                foreach (var m in msgs) received.Enqueue(RetentionScenario.Body(m));
                return ConsumeConcurrentlyStatus.ConsumeSuccess;
            });
            await consumer.StartAsync();
            await AwaitAssertAsync(() => Assert.Equal(Enumerable.Range(0, 4).Select(i => $"new-{i}"), received.OrderBy(b => b)),
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
            await consumer.ShutdownAsync();
            Assert.All(received, b => Assert.StartsWith("new-", b));

            // The committed offset moved past the min (to the end of what was consumed).
            Gateway.Tell(new QueryConsumerOffset(BrokerName, "behind", "Pushed", 0), TestActor);
            Assert.Equal(11, ExpectMsg<ConsumerOffsetReply>().Offset);
        }
        finally
        {
            await client.Terminate();
        }
    }
}

/// <summary>A node restarted after retention recovers with the same min offset and the messages left.</summary>
public sealed class RetentionRestartTests : IDisposable
{
    private readonly TempDirectory _dataDir = new("akkamq-retention-");
    private readonly ITestOutputHelper _output;

    public RetentionRestartTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public async Task A_restarted_node_recovers_the_min_offset_and_the_remaining_messages()
    {
        // Snapshots are rare here, so the one retention saves is what recovery starts from.
        const string hocon = RetentionScenario.Hocon + "\nakkamq.broker.queue.snapshot-every = 1000\nakkamq.broker.deleteWhen = \"03\"";
        await using (var s = await BrokerSession.StartAsync(_output, hocon, _dataDir.Path))
        {
            s.CreateTopic("Survivor", 1);
            var firstNew = RetentionScenario.SendOldThenNew(s, "Survivor", 9, 4);
            // A pass asked for directly runs whatever deleteWhen says.
            s.Sys.ActorSelection("/user/" + RetentionCleaner.Name).Tell(new CleanExpired(firstNew), s.TestActor);
            var pass = s.Expect<CleanPassFinished>();
            Assert.Null(pass.Error);
            Assert.Equal(9, pass.DeletedMessages);
            Assert.Equal(9, RetentionScenario.Bounds(s, "Survivor").MinOffset);
        }
        await using (var s = await BrokerSession.StartAsync(_output, hocon, _dataDir.Path))
        {
            var bounds = RetentionScenario.Bounds(s, "Survivor");
            Assert.Equal(9, bounds.MinOffset);
            Assert.Equal(13, bounds.MaxOffset);
            var r = s.Pull("Survivor", 0, 9, 32);
            Assert.Equal(Enumerable.Range(0, 4).Select(i => $"new-{i}"), r.Messages.Select(RetentionScenario.Body));
            Assert.Equal(PullStatus.OffsetIllegal, s.Pull("Survivor", 0, 0, 32).Status);
            Assert.Empty(s.QueryKey("Survivor", "old-0").Offsets);
            Assert.Equal(new long[] { 10 }, s.QueryKey("Survivor", "new-1").Offsets);
            Assert.Equal(13, Assert.Single(s.Send(s.Entry("Survivor", "after restart"))).QueueOffset);
            Assert.Equal(5, RetentionScenario.JournalRows(_dataDir.Path, s.BrokerName, "Survivor").Live);
        }
    }
}
