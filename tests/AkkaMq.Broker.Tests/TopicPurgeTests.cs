using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>What the purge tests share: a topic with messages on two queues and a group's offsets, and what "empty" looks like.</summary>
internal static class PurgeScenario
{
    public static void Fill(BrokerTestBase t, string topic, string group)
    {
        t.CreateTopic(topic, 2);
        for (var i = 0; i < 5; i++) Assert.Equal(ResponseCode.Success, Assert.Single(t.Send(t.Entry(BrokerTestBase.Text(topic, $"q0-{i}", keys: $"k{i}")))).Code);
        for (var i = 0; i < 3; i++) Assert.Equal(ResponseCode.Success, Assert.Single(t.Send(t.Entry(BrokerTestBase.Text(topic, $"q1-{i}"), queueId: 1))).Code);
        t.Gateway.Tell(new CommitConsumerOffsets(t.BrokerName, group, topic, new Dictionary<int, long> { [0] = 4, [1] = 2 }), t.TestActor);
        Assert.Equal(ResponseCode.Success, t.ExpectMsg<CommitConsumerOffsetsReply>().Code);
    }

    public static DeleteTopicReply Delete(BrokerTestBase t, string topic)
    {
        t.Gateway.Tell(new DeleteTopicInBroker(t.BrokerName, topic), t.TestActor);
        return t.ExpectMsg<DeleteTopicReply>(TimeSpan.FromSeconds(30));
    }

    /// <summary>The re-created topic holds nothing: min == max on both queues, a pull from 0 finds nothing, old keys and offsets are gone.</summary>
    public static void AssertEmpty(BrokerTestBase t, string topic, string group)
    {
        foreach (var (queueId, max) in new[] { (0, 5L), (1, 3L) })
        {
            t.Gateway.Tell(new QueryQueueOffset(t.BrokerName, topic, queueId, QueueOffsetKind.Max, 0), t.TestActor);
            var bounds = t.ExpectMsg<QueueOffsetReply>(TimeSpan.FromSeconds(10));
            Assert.Equal((max, max), (bounds.MinOffset, bounds.MaxOffset));
            var r = t.Pull(topic, queueId, 0);
            Assert.Equal(PullStatus.OffsetIllegal, r.Status);
            Assert.Empty(r.Messages);
            t.Gateway.Tell(new QueryConsumerOffset(t.BrokerName, group, topic, queueId), t.TestActor);
            Assert.Equal(ResponseCode.QueryNotFound, t.ExpectMsg<ConsumerOffsetReply>().Code);
        }
        t.Gateway.Tell(new QueryMessageKey(t.BrokerName, topic, 0, "k1", 8), t.TestActor);
        Assert.Empty(t.ExpectMsg<MessageKeyOffsets>().Offsets);
    }

    /// <summary>Live journal rows of the topic's queue 0.</summary>
    public static long LiveRows(string dataDir, string brokerName, string topic) => RetentionScenario.JournalRows(dataDir, brokerName, topic).Live;
}

/// <summary>deleteTopic purges the topic's messages and committed offsets; a topic created again under the name starts empty.</summary>
public sealed class TopicPurgeTests : BrokerTestBase
{
    public TopicPurgeTests(ITestOutputHelper output) : base(output, StartNode()) { }

    private async Task WithAdmin(Func<AkkaMqAdmin, Task> body)
    {
        var client = ActorSystem.Create("purge-admin", Node.ClientConfig());
        try
        {
            await using var admin = new AkkaMqAdmin(new ClientContext(client, ClientSettings.Create(client.Settings.Config)));
            await body(admin);
        }
        finally
        {
            await client.Terminate();
        }
    }

    [Fact]
    public async Task DeleteTopic_purges_messages_and_offsets_and_the_topic_created_again_starts_empty()
    {
        PurgeScenario.Fill(this, "Doomed", "g1");
        CreateTopic("Kept", 1);
        Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text("Kept", "stays")))).Code);
        Assert.Equal(5, PurgeScenario.LiveRows(Node.DataDir, BrokerName, "Doomed"));

        await WithAdmin(async admin =>
        {
            Assert.Equal(new[] { BrokerName }, (await admin.DeleteTopicAsync("Doomed", null)).Brokers);
            // Acknowledged means gone from the journal.
            Assert.Equal(0, PurgeScenario.LiveRows(Node.DataDir, BrokerName, "Doomed"));

            await admin.UpdateTopicAsync("Doomed", 2, 2, Perm.ReadWrite, null, BrokerName);
            PurgeScenario.AssertEmpty(this, "Doomed", "g1");
            var status = await admin.TopicStatusAsync("Doomed");
            Assert.All(status, s => Assert.Equal(s.MinOffset, s.MaxOffset));
            var progress = await Assert.ThrowsAsync<AkkaMqException>(() => admin.ConsumerProgressAsync("g1", "Doomed"));
            Assert.Contains("no committed offset", progress.Message);
        });

        // New messages continue after the old offsets (ids are never reused) and are the only ones there.
        Assert.Equal(5, Assert.Single(Send(Entry(Text("Doomed", "fresh")))).QueueOffset);
        Assert.Equal(new[] { "fresh" }, Pull("Doomed", 0, 5).Messages.Select(RetentionScenario.Body));
        // Other topics are untouched.
        Assert.Equal("stays", RetentionScenario.Body(Assert.Single(Pull("Kept", 0, 0).Messages)));
    }

    [Fact]
    public async Task Deleting_an_unknown_topic_gives_a_clear_error_and_changes_nothing()
    {
        PurgeScenario.Fill(this, "Alive", "g2");

        var reply = PurgeScenario.Delete(this, "NoSuchTopic");
        Assert.Equal(ResponseCode.TopicNotExist, reply.Code);
        Assert.Contains("'NoSuchTopic' does not exist", reply.Error);
        await WithAdmin(async admin =>
        {
            var e = await Assert.ThrowsAsync<AkkaMqException>(() => admin.DeleteTopicAsync("NoSuchTopic", null));
            Assert.Contains("NoSuchTopic", e.Message);
        });

        Assert.Equal(5, Pull("Alive", 0, 0).Messages.Count);
        Gateway.Tell(new QueryConsumerOffset(BrokerName, "g2", "Alive", 0), TestActor);
        Assert.Equal(4, ExpectMsg<ConsumerOffsetReply>().Offset);
        Assert.Equal(5, PurgeScenario.LiveRows(Node.DataDir, BrokerName, "Alive"));
    }

    [Fact]
    public void A_retry_topic_is_left_alone_as_in_RocketMQ()
    {
        PurgeScenario.Fill(this, "WithRetry", "g3");
        var retry = MessageConst.RetryGroupTopicPrefix + "g3";
        CreateTopic(retry, 1);
        Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text(retry, "to retry")))).Code);

        Assert.Equal(ResponseCode.Success, PurgeScenario.Delete(this, "WithRetry").Code);
        Assert.Single(Pull(retry, 0, 0).Messages);
    }
}

/// <summary>A purge survives restarts: done before one, it stays done; cut short by one, it resumes.</summary>
public sealed class TopicPurgeRestartTests : IDisposable
{
    private readonly TempDirectory _dataDir = new("akkamq-purge-");
    private readonly ITestOutputHelper _output;

    public TopicPurgeRestartTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public async Task A_deleted_topic_created_again_after_a_restart_is_still_empty()
    {
        await using (var s = await BrokerSession.StartAsync(_output, dataDir: _dataDir.Path))
        {
            PurgeScenario.Fill(s, "Gone", "g1");
            Assert.Equal(ResponseCode.Success, PurgeScenario.Delete(s, "Gone").Code);
        }
        await using (var s = await BrokerSession.StartAsync(_output, dataDir: _dataDir.Path))
        {
            Assert.DoesNotContain(s.TopicConfigs(), c => c.TopicName == "Gone");
            s.CreateTopic("Gone", 2);
            PurgeScenario.AssertEmpty(s, "Gone", "g1");
            Assert.Equal(0, PurgeScenario.LiveRows(_dataDir.Path, s.BrokerName, "Gone"));
        }
    }

    [Fact]
    public async Task A_purge_cut_short_by_a_stop_resumes_at_the_next_start()
    {
        // One event per step, so the purge of a long queue takes many steps and the stop comes in the middle.
        const string hocon = "akkamq.broker.queue.delete-batch-events = 1";
        const int messages = 400;
        await using (var s = await BrokerSession.StartAsync(_output, hocon, _dataDir.Path))
        {
            PurgeScenario.Fill(s, "Halfway", "g1");
            for (var i = 0; i < messages; i++) s.Gateway.Tell(new SendMessages(s.BrokerName, new[] { s.Entry("Halfway", $"m{i}") }), s.TestActor);
            for (var acked = 0; acked < messages;) acked += s.ExpectMsg<SendAcks>(TimeSpan.FromSeconds(20)).Acks.Count;

            s.Gateway.Tell(new DeleteTopicInBroker(s.BrokerName, "Halfway"), s.TestActor);
            s.AwaitCondition(() => Manifests(_dataDir.Path, s.BrokerName).Contains("SAP1"), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(2));
            Assert.DoesNotContain("SAD1", Manifests(_dataDir.Path, s.BrokerName));
            Assert.True(PurgeScenario.LiveRows(_dataDir.Path, s.BrokerName, "Halfway") > 0, "the purge finished before the stop");
        }
        await using (var s = await BrokerSession.StartAsync(_output, hocon, _dataDir.Path))
        {
            // The purge resumes by itself; the name can be created again once it recorded the end.
            s.AwaitCondition(() => Manifests(_dataDir.Path, s.BrokerName).Contains("SAD1"), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
            Assert.DoesNotContain(s.TopicConfigs(), c => c.TopicName == "Halfway");
            Assert.Equal(0, PurgeScenario.LiveRows(_dataDir.Path, s.BrokerName, "Halfway"));
            s.CreateTopic("Halfway", 2);
            s.Gateway.Tell(new QueryQueueOffset(s.BrokerName, "Halfway", 0, QueueOffsetKind.Max, 0), s.TestActor);
            var bounds = s.Expect<QueueOffsetReply>();
            Assert.Equal((5L + messages, 5L + messages), (bounds.MinOffset, bounds.MaxOffset));
            Assert.Equal(-1, s.CommittedOffset("g1", "Halfway", 0));
        }
    }

    /// <summary>Manifests of the topic table's journal events still stored.</summary>
    private static List<string> Manifests(string dataDir, string brokerName)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "akkamq.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT manifest FROM journal WHERE persistence_id = $p AND deleted = 0";
        cmd.Parameters.AddWithValue("$p", Topics.TopicConfigLog.PersistenceIdFor(brokerName));
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }
}

/// <summary>Which consumer groups' offset logs belong to a topic, from the journal's persistence ids.</summary>
public sealed class ConsumerOffsetGroupsTests
{
    [Fact]
    public void Only_the_offset_logs_of_the_broker_and_topic_are_picked_and_a_group_may_hold_a_bar()
    {
        var ids = new[]
        {
            "offset|broker-a|g1|Orders", "offset|broker-a|g|2|Orders", "offset|broker-a|g1|Orders2", "offset|broker-b|g3|Orders",
            "queue|broker-a|Orders|0", "topics|broker-a", "offset|broker-a||Orders", "offset|broker-a|g1|Orders",
        };
        Assert.Equal(new[] { "g1", "g|2" }, Offsets.ConsumerOffsetGroups.Of(ids, "broker-a", "Orders"));
        Assert.Empty(Offsets.ConsumerOffsetGroups.Of(ids, "broker-a", "Payments"));
    }
}
