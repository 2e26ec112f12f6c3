using Akka.Actor;
using AkkaMq.Broker.Retention;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Broker.Transaction;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests.Transaction;

/// <summary>
/// Transactional messages through the broker protocol, a test probe as producer: commit, rollback, check-back, check max,
/// repeated decisions, invisibility of half messages. The broker's clock is a manual one; scans run every 50 ms.
/// </summary>
public sealed class TransactionTests : BrokerTestBase
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly TransactionDriver _tx;

    public TransactionTests(ITestOutputHelper output)
        : base(output, StartNode("akkamq.broker { transactionCheckInterval = 200ms, transactionCheckMax = 3 }")) => _tx = new TransactionDriver(this);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        BrokerClock.For(Node.System).Use(_clock);
    }

    private TransactionStats.Figures Figures => TransactionStats.For(Node.System).For(BrokerName);

    private void Advance(TimeSpan by) => _clock.Now += by;

    [Fact]
    public void A_half_message_is_invisible_until_committed_then_stored_once_however_often_the_commit_comes()
    {
        CreateTopic("TxCommit", 1);
        var tx = _tx.SendHalf("TxCommit", "order-1", keys: "order-1");

        // Invisible: no offset, no pull, no key; only the half-message listing shows it.
        Assert.Equal(0, MaxOffset("TxCommit", 0));
        Assert.NotEqual(PullStatus.Found, Pull("TxCommit", 0, 0).Status);
        Assert.Empty(_tx.QueryKey("TxCommit", "order-1").Offsets);
        var pending = Assert.Single(_tx.Pending("TxCommit").Messages);
        Assert.Equal(("TxCommit", 0, "pg", tx, 0), (pending.Topic, pending.QueueId, pending.ProducerGroup, pending.TransactionId, pending.CheckCount));

        var first = _tx.EndOk("TxCommit", tx, TransactionResolution.Commit);
        Assert.Equal((0, 0L), (first.QueueId, first.QueueOffset));
        // The commit's answer was lost: the producer repeats it, and the message is not stored again.
        Assert.Equal(0, _tx.EndOk("TxCommit", tx, TransactionResolution.Commit).QueueOffset);

        // Two commits of another transaction at once: one copy, both answered with it.
        var tx2 = _tx.SendHalf("TxCommit", "order-2");
        var request = new EndTransaction(BrokerName, "pg", "TxCommit", tx2, TransactionResolution.Commit, false);
        Gateway.Tell(request, TestActor);
        Gateway.Tell(request with { FromTransactionCheck = true }, TestActor);
        var replies = new[] { ExpectMsg<EndTransactionReply>(), ExpectMsg<EndTransactionReply>() };
        Assert.All(replies, r => Assert.Equal((ResponseCode.Success, 1L), (r.Code, r.QueueOffset)));

        Assert.Equal(2, MaxOffset("TxCommit", 0));
        var stored = Pull("TxCommit", 0, 0).Messages;
        Assert.Equal(new[] { "order-1", "order-2" }, stored.Select(TransactionDriver.Body));
        Assert.Equal(tx, stored[0].Properties[TransactionConst.TransactionId]);
        Assert.Equal("true", stored[0].Properties[TransactionConst.TransactionPrepared]);
        Assert.Single(_tx.QueryKey("TxCommit", "order-1").Offsets);
        Assert.Empty(_tx.Pending().Messages);
        Assert.Equal(2, Interlocked.Read(ref Figures.Committed));
        Assert.Equal(0, Volatile.Read(ref Figures.Pending));
    }

    [Fact]
    public void A_rolled_back_half_message_is_never_delivered_and_cannot_be_committed_afterwards()
    {
        CreateTopic("TxRollback", 1);
        var tx = _tx.SendHalf("TxRollback", "cancelled");
        Assert.Equal((-1L, ResponseCode.Success), (_tx.EndOk("TxRollback", tx, TransactionResolution.Rollback).QueueOffset, ResponseCode.Success));
        Assert.Equal(ResponseCode.Success, _tx.End("TxRollback", tx, TransactionResolution.Rollback).Code);
        var commit = _tx.End("TxRollback", tx, TransactionResolution.Commit);
        Assert.Equal(ResponseCode.InvalidTransactionId, commit.Code);
        Assert.Contains("already rolled back", commit.Error);
        Assert.Equal(0, MaxOffset("TxRollback", 0));
        Assert.Empty(_tx.Pending("TxRollback").Messages);
        Assert.Equal(1, Interlocked.Read(ref Figures.RolledBack));
    }

    [Theory]
    [InlineData(TransactionResolution.Commit)]
    [InlineData(TransactionResolution.Rollback)]
    public void An_unknown_decision_is_checked_back_with_a_live_producer_which_decides(TransactionResolution decision)
    {
        var topic = "TxCheck" + decision;
        CreateTopic(topic, 2);
        var producer = _tx.Producer();
        var tx = _tx.SendHalf(topic, "maybe", keys: "k1");
        Assert.Equal(ResponseCode.Success, _tx.End(topic, tx, TransactionResolution.Unknown).Code);
        producer.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // younger than transactionTimeOut

        Advance(TimeSpan.FromSeconds(6));
        var check = producer.ExpectMsg<CheckTransactionState>(TimeSpan.FromSeconds(10));
        Assert.Equal((BrokerName, "pg", tx, 1), (check.BrokerName, check.ProducerGroup, check.TransactionId, check.CheckCount));
        Assert.Equal((topic, "maybe", "k1", "1"), (check.Message.Topic, TransactionDriver.Body(check.Message), check.Message.Keys,
            check.Message.Properties[TransactionConst.TransactionCheckTimes]));
        Assert.Equal(1, Assert.Single(_tx.Pending(topic).Messages).CheckCount);

        Assert.Equal(ResponseCode.Success, _tx.End(topic, tx, decision, fromCheck: true, from: producer).Code);
        Assert.Equal(decision == TransactionResolution.Commit ? 1 : 0, MaxOffset(topic, 0));
        Advance(TimeSpan.FromSeconds(60));
        producer.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // decided: no more checks
        Assert.True(Interlocked.Read(ref Figures.CheckBacks) >= 1);
    }

    [Fact]
    public void A_half_message_of_a_stopped_producer_is_checked_with_another_producer_of_its_group()
    {
        CreateTopic("TxPeers", 1);
        var crashed = _tx.Producer(clientId: "a");
        var peer = _tx.Producer(clientId: "b");
        var tx = _tx.SendHalf("TxPeers", "left behind");
        Sys.Stop(crashed.Ref);
        // The broker notices the death (DeathWatch); every check then goes to the live peer.
        AwaitAssert(() =>
        {
            Advance(TimeSpan.FromSeconds(31));
            Assert.Equal(tx, peer.ExpectMsg<CheckTransactionState>(TimeSpan.FromSeconds(2)).TransactionId);
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(ResponseCode.Success, _tx.End("TxPeers", tx, TransactionResolution.Commit, fromCheck: true, from: peer).Code);
        Assert.Equal("left behind", TransactionDriver.Body(Assert.Single(Pull("TxPeers", 0, 0).Messages)));
    }

    [Fact]
    public void After_transactionCheckMax_unanswered_checks_the_message_goes_to_TRANS_CHECK_MAX_TIME_TOPIC()
    {
        CreateTopic("TxSilent", 1);
        var producer = _tx.Producer();
        var tx = _tx.SendHalf("TxSilent", "nobody knows",
            extra: new Dictionary<string, string> { [TransactionConst.CheckImmunityTimeInSeconds] = "20" });
        Advance(TimeSpan.FromSeconds(7));
        producer.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // immune for 20 s
        Advance(TimeSpan.FromSeconds(13));
        for (var n = 1; n <= 3; n++)
        {
            Assert.Equal(n, producer.ExpectMsg<CheckTransactionState>(TimeSpan.FromSeconds(10)).CheckCount);
            Advance(TimeSpan.FromSeconds(1));
        }
        var moved = AwaitMessage(TransactionConst.CheckMaxTimeTopic, 0, 0, TimeSpan.FromSeconds(10));
        producer.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(("nobody knows", "TxSilent", "0", "3", tx), (TransactionDriver.Body(moved), moved.Properties[TransactionConst.RealTopic],
            moved.Properties[TransactionConst.RealQueueId], moved.Properties[TransactionConst.TransactionCheckTimes], moved.Properties[TransactionConst.TransactionId]));
        Assert.Equal(0, MaxOffset("TxSilent", 0));
        var late = _tx.End("TxSilent", tx, TransactionResolution.Commit);
        Assert.Equal(ResponseCode.InvalidTransactionId, late.Code);
        Assert.Contains(TransactionConst.CheckMaxTimeTopic, late.Error);
        Assert.Equal(1, Interlocked.Read(ref Figures.CheckMax));
    }

    [Fact]
    public void Bad_transactional_requests_are_refused_by_name_and_the_broker_keeps_serving()
    {
        CreateTopic("TxBad", 1);
        var noGroup = Send(Entry(Text("TxBad", "x", props: new Dictionary<string, string> { [TransactionConst.TransactionPrepared] = "true" }))).Single();
        Assert.Equal(ResponseCode.MessageIllegal, noGroup.Code);
        Assert.Contains("PGROUP", noGroup.Error);
        var delayed = Send(_tx.Half("TxBad", "x", extra: new Dictionary<string, string> { [MessageConst.DelayTimeLevel] = "2" })).Single();
        Assert.Contains("cannot be delayed", delayed.Error);
        Assert.Contains("producer group", Send(_tx.Half("TxBad", "x", group: "bad group")).Single().Error);

        var tx = _tx.SendHalf("TxBad", "kept");
        Assert.Equal(ResponseCode.InvalidTransactionId, _tx.End("TxBad", "not-an-id", TransactionResolution.Commit).Code);
        Assert.Equal(ResponseCode.InvalidTransactionId, _tx.End("TxBad", TransactionIds.Of("other-broker", 0), TransactionResolution.Commit).Code);
        Assert.Equal(ResponseCode.InvalidTransactionId, _tx.End("TxBad", TransactionIds.Of(BrokerName, 999_999), TransactionResolution.Commit).Code);
        Assert.Contains("belongs to topic 'TxBad'", _tx.End("TxOther", tx, TransactionResolution.Commit).Error);
        Assert.Contains("belongs to producer group 'pg'", _tx.End("TxBad", tx, TransactionResolution.Commit, group: "pg2").Error);
        Assert.Equal(ResponseCode.MessageIllegal, _tx.End("TxBad", tx, (TransactionResolution)9).Code);
        Gateway.Tell(new ProducerHeartbeat(BrokerName, "pg", " ", new ClientChannel(null, "DOTNET", "test")), TestActor);
        Assert.Equal(ResponseCode.MessageIllegal, ExpectMsg<ProducerHeartbeatReply>().Code);
        Gateway.Tell(new QueryHalfMessages("other-broker", null, null, 10), TestActor);
        Assert.Equal(ResponseCode.SystemError, ExpectMsg<HalfMessageList>().Code);

        // Nothing changed: the half message still commits.
        Assert.Equal(0, _tx.EndOk("TxBad", tx, TransactionResolution.Commit).QueueOffset);
        Assert.Equal(ResponseCode.Success, Send(Entry(Text("TxBad", "plain"))).Single().Code);
    }

    [Fact]
    public void A_TRANSACTION_topic_takes_half_messages_only_and_stores_them_once_committed()
    {
        NameServer.Tell(new Protocol.NameServer.CreateTopic(new TopicConfig("TxTyped", 1, 1, Perm.ReadWrite)
        {
            Attributes = new Dictionary<string, string> { ["+" + TopicAttributes.MessageType] = "TRANSACTION" },
        }, null, null), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<Protocol.NameServer.CreateTopicReply>().Code);
        Assert.Equal(ResponseCode.MessagePropertyConflictWithType, Send(Entry(Text("TxTyped", "plain"))).Single().Code);
        var tx = _tx.SendHalf("TxTyped", "typed");
        Assert.Equal(0, _tx.EndOk("TxTyped", tx, TransactionResolution.Commit).QueueOffset);
        Assert.Equal("typed", TransactionDriver.Body(Assert.Single(Pull("TxTyped", 0, 0).Messages)));
    }

    [Fact]
    public async Task The_admin_lists_half_messages_per_topic_and_producer_group_with_age_and_check_count()
    {
        CreateTopic("TxListA", 1);
        CreateTopic("TxListB", 1);
        var producer = _tx.Producer("pg-a");
        var a1 = _tx.SendHalf("TxListA", "a1", group: "pg-a", keys: "order-1");
        Advance(TimeSpan.FromSeconds(10));
        producer.ExpectMsg<CheckTransactionState>(TimeSpan.FromSeconds(10));
        _tx.SendHalf("TxListA", "a2", group: "pg-a");
        _tx.SendHalf("TxListB", "b1", group: "pg-b");
        Advance(TimeSpan.FromSeconds(2));
        // The clock moved past one check interval: a1 is checked once more, the younger ones not yet.
        Assert.Equal((a1, 2), producer.ExpectMsg<CheckTransactionState>(TimeSpan.FromSeconds(10)) is var c ? (c.TransactionId, c.CheckCount) : default);

        var client = ActorSystem.Create("tx-admin", Node.ClientConfig());
        try
        {
            await using var admin = new AkkaMqAdmin(new ClientContext(client, ClientSettings.Create(client.Settings.Config)));
            var report = await admin.HalfMessageListAsync(null, null, null, null, maxNum: 2);
            Assert.Equal(new[] { ("TxListA", "pg-a", 2L, 12_000L, 2), ("TxListB", "pg-b", 1L, 2_000L, 0) },
                report.Groups.Select(g => (g.Topic, g.ProducerGroup, g.Pending, g.OldestAgeMillis, g.MaxCheckCount)));
            Assert.Equal(2, report.Messages.Count);
            var first = report.Messages[0];
            Assert.Equal((a1, "order-1", 12_000L, 2), (first.TransactionId, first.Keys, first.AgeMillis, first.CheckCount));
            Assert.Equal("TxListB", Assert.Single((await admin.HalfMessageListAsync("TxListB", null, null, BrokerName)).Messages).Topic);
            Assert.Empty((await admin.HalfMessageListAsync(null, "pg-none", null, null)).Groups);
            var bad = await Assert.ThrowsAsync<AkkaMqException>(() => admin.HalfMessageListAsync(null, "bad group", null, null));
            Assert.Contains("producer group", bad.Message);
        }
        finally
        {
            await client.Terminate();
        }
    }
}
