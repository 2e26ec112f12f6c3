using System.Text;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// A node starts on a SQLite journal written by the node at commit 5a1ab64 (Fixtures/journal-5a1ab64.sqlite, see
/// Fixtures/README.md) and serves what that node stored: topics, messages, consumer offsets, the key index, the schedule.
/// </summary>
public sealed class JournalFormatFixtureTests : BrokerTestBase
{
    private const string Fixture = "journal-5a1ab64.sqlite";

    public JournalFormatFixtureTests(ITestOutputHelper output) : base(output, StartNode(null, CopyFixture())) { }

    private static string CopyFixture()
    {
        var dir = Path.Combine(Path.GetTempPath(), "akkamq-journal-fixture-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", Fixture), Path.Combine(dir, "akkamq.db"));
        return dir;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(Node.DataDir, true); } catch (IOException) { }
    }

    private T Ask<T>(object message)
    {
        Gateway.Tell(message, TestActor);
        return ExpectMsg<T>(TimeSpan.FromSeconds(10));
    }

    private static void AssertMessage(MessageExt m, long offset, byte[] body, string? tags, string? keys, long born,
        IReadOnlyDictionary<string, string> props)
    {
        Assert.Equal(offset, m.QueueOffset);
        Assert.Equal(body, m.Body);
        Assert.Equal(tags, m.Tags);
        Assert.Equal(keys, m.Keys);
        Assert.Equal(born, m.BornTimestamp);
        Assert.True(m.StoreTimestamp > 0, $"offset {offset}: store timestamp {m.StoreTimestamp}");
        Assert.Equal(props.OrderBy(kv => kv.Key), m.Properties.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Topic_configs_come_back_and_the_deleted_topic_stays_deleted()
    {
        var configs = Ask<TopicConfigs>(new GetTopicConfigs(BrokerName)).Configs.ToDictionary(c => c.TopicName);
        Assert.Equal(new TopicConfig("FixtureTopic", 2, 2, Perm.ReadWrite), configs["FixtureTopic"]);
        Assert.Equal(new TopicConfig("FixtureDelayed", 1, 1, Perm.ReadWrite), configs["FixtureDelayed"]);
        Assert.Equal(new TopicConfig("FixtureCustom", 4, 2, Perm.ReadWrite | Perm.Inherit), configs["FixtureCustom"]);
        Assert.DoesNotContain("FixtureDoomed", configs.Keys);
    }

    [Fact]
    public void Messages_come_back_with_bodies_keys_tags_properties_and_offsets()
    {
        var q0 = Pull("FixtureTopic", 0, 0, 100);
        Assert.Equal(PullStatus.Found, q0.Status);
        Assert.Equal(5, q0.Messages.Count);
        for (var i = 0; i < 5; i++)
            AssertMessage(q0.Messages[i], i, Encoding.UTF8.GetBytes($"body-{i} 主题-ü"), i % 2 == 0 ? "TagA" : "TagB", $"order-{i} shared-key",
                1_700_000_000_000 + i, new Dictionary<string, string> { ["seq"] = i.ToString(), ["名"] = "值-ü" });

        var q1 = Pull("FixtureTopic", 1, 0, 100);
        Assert.Equal(2, q1.Messages.Count);
        AssertMessage(q1.Messages[0], 0, new byte[] { 0, 1, 2, 254, 255 }, null, null, 1_700_000_001_000, Message.EmptyProperties);
        AssertMessage(q1.Messages[1], 1, new byte[] { 42 }, "TagC", "one-byte", 1_700_000_001_001, new Dictionary<string, string> { ["empty"] = "" });
    }

    [Fact]
    public void Offsets_continue_after_the_stored_messages()
    {
        var ack = Assert.Single(Send(Entry(Text("FixtureTopic", "after the fixture"))));
        Assert.Equal(ResponseCode.Success, ack.Code);
        Assert.Equal(5, ack.QueueOffset);
    }

    [Fact]
    public void The_consumer_offsets_come_back()
    {
        Assert.Equal(4, Ask<ConsumerOffsetReply>(new QueryConsumerOffset(BrokerName, "fixture-group", "FixtureTopic", 0)).Offset);
        Assert.Equal(2, Ask<ConsumerOffsetReply>(new QueryConsumerOffset(BrokerName, "fixture-group", "FixtureTopic", 1)).Offset);
        var all = Ask<ConsumerOffsets>(new GetConsumerOffsets(BrokerName, "fixture-group", "FixtureTopic"));
        Assert.Equal(new Dictionary<int, long> { [0] = 4, [1] = 2 }, all.Offsets.OrderBy(kv => kv.Key).ToDictionary());
    }

    [Fact]
    public void The_key_index_comes_back()
    {
        var r = Ask<MessageKeyOffsets>(new QueryMessageKey(BrokerName, "FixtureTopic", 0, "shared-key", 32));
        Assert.Equal(ResponseCode.Success, r.Code);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, r.Offsets.Order());
        Assert.Equal(new long[] { 3 }, Ask<MessageKeyOffsets>(new QueryMessageKey(BrokerName, "FixtureTopic", 0, "order-3", 32)).Offsets);
    }

    [Fact]
    public void The_delivered_delayed_message_stays_and_the_pending_one_arrives_once()
    {
        var delivered = Pull("FixtureDelayed", 0, 0);
        Assert.Equal("delivered before the stop", Encoding.UTF8.GetString(delivered.Messages[0].Body));
        Assert.Equal("delayed-1", delivered.Messages[0].Keys);
        // Its time passed while the fixture sat in git: it is due at once.
        PullResult r;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do r = Pull("FixtureDelayed", 0, 1, suspendMs: 1000);
        while (r.Status != PullStatus.Found && DateTime.UtcNow < deadline);
        var pending = Assert.Single(r.Messages);
        Assert.Equal("pending at the stop", Encoding.UTF8.GetString(pending.Body));
        Assert.Equal("TagD", pending.Tags);
        Assert.Equal("delayed-2", pending.Keys);
        Assert.Equal(1_700_000_002_001, pending.BornTimestamp);
        Assert.Equal(PullStatus.NoNewMsg, Pull("FixtureDelayed", 0, 2, suspendMs: 1500).Status);
    }
}
