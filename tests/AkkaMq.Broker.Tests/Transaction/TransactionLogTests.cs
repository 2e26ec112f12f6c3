using Akka.Actor;
using Akka.TestKit;
using AkkaMq.Broker.Transaction;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests.Transaction;

/// <summary>
/// The transaction entity against a probe standing for the broker region: a commit whose copy was written but not
/// confirmed (lost ack, crash) is looked up before it is stored, so a repeat never stores it twice.
/// </summary>
public sealed class TransactionLogTests : BrokerTestBase
{
    private readonly TestProbe _region;
    private readonly string _broker = "tx-" + Guid.NewGuid().ToString("N")[..8];
    private long _now = 1_000_000;

    public TransactionLogTests(ITestOutputHelper output) : base(output, StartNode()) => _region = CreateTestProbe();

    private static readonly TransactionSettings Settings = TransactionSettings.Default with
    {
        TransactionCheckInterval = TimeSpan.FromMilliseconds(200), DeliveryTimeout = TimeSpan.FromMilliseconds(400),
    };

    private IActorRef Start() => Sys.ActorOf(TransactionLog.Props(_broker, Settings, null, "unused", _region.Ref,
        () => Interlocked.Read(ref _now)));

    private string Prepare(IActorRef log, string body)
    {
        log.Tell(new PrepareHalfMessages(_broker, new[] { new SendEntry(1, 2, false, 5, Text("Orders", body, props: TransactionDriver.HalfProps())) }), TestActor);
        var ack = ExpectMsg<SendAcks>().Acks.Single();
        Assert.Equal(ResponseCode.Success, ack.Code);
        return TransactionIds.Of(_broker, ack.QueueOffset);
    }

    private void Commit(IActorRef log, string tx) =>
        log.Tell(new EndTransaction(_broker, "pg", "Orders", tx, TransactionResolution.Commit, false), TestActor);

    private static MessageExt Stored(AppendMessages a, long offset) =>
        new(a.Topic, "b", a.QueueId, offset, null, null, a.Entries[0].Message.Properties, a.Entries[0].Message.Body, 0, 0);

    [Fact]
    public void An_unconfirmed_copy_is_found_by_the_repeated_commit_and_not_stored_again()
    {
        var log = Start();
        var tx = Prepare(log, "pay");
        Commit(log, tx);
        var append = _region.ExpectMsg<AppendMessages>();
        Assert.Equal(("Orders", 2), (append.Topic, append.QueueId));
        Assert.Equal(tx, append.Entries[0].Message.Properties[MessageConst.UniqKey]);
        // The queue stored it but its ack is lost: the producer is told to retry.
        Assert.Equal(ResponseCode.SystemBusy, ExpectMsg<EndTransactionReply>().Code);

        Commit(log, tx);
        var lookup = _region.ExpectMsg<QueryMessageKey>();
        Assert.Equal(("Orders", 2, tx), (lookup.Topic, lookup.QueueId, lookup.Key));
        _region.Reply(new MessageKeyOffsets("Orders", 2, tx, new long[] { 3, 5 }, ResponseCode.Success, null));
        Assert.Equal(5, _region.ExpectMsg<PullMessage>().QueueOffset); // newest candidate first
        _region.Reply(new PullResult(PullStatus.Found, 6, 0, 6, "Orders", "b", 2, new[] { Stored(append, 5) }, ResponseCode.Success, null));

        var reply = ExpectMsg<EndTransactionReply>();
        Assert.Equal((ResponseCode.Success, 2, 5L), (reply.Code, reply.QueueId, reply.QueueOffset));
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no second AppendMessages
        Commit(log, tx);
        Assert.Equal(5, ExpectMsg<EndTransactionReply>().QueueOffset);
    }

    [Fact]
    public void A_half_message_recovered_after_a_crash_is_looked_up_then_stored_once()
    {
        var log = Start();
        var tx = Prepare(log, "pay");
        Watch(log);
        log.Tell(PoisonPill.Instance);
        ExpectTerminated(log);

        log = Start();
        Commit(log, tx);
        var lookup = _region.ExpectMsg<QueryMessageKey>();
        _region.Reply(new MessageKeyOffsets("Orders", 2, lookup.Key, Array.Empty<long>(), ResponseCode.Success, null));
        var append = _region.ExpectMsg<AppendMessages>();
        _region.Reply(new SendAcks("b", new[] { new SendAck(append.Entries[0].CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, 2, 9) }));
        Assert.Equal(9, ExpectMsg<EndTransactionReply>().QueueOffset);
    }

    [Fact]
    public void A_late_ack_of_a_timed_out_copy_resolves_the_transaction()
    {
        var log = Start();
        var tx = Prepare(log, "pay");
        Commit(log, tx);
        var append = _region.ExpectMsg<AppendMessages>();
        var queue = _region.LastSender;
        Assert.Equal(ResponseCode.SystemBusy, ExpectMsg<EndTransactionReply>().Code);
        queue.Tell(new SendAcks("b", new[] { new SendAck(append.Entries[0].CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, 2, 4) }), _region.Ref);
        AwaitAssert(() =>
        {
            Commit(log, tx);
            Assert.Equal(4, ExpectMsg<EndTransactionReply>().QueueOffset);
        }, TimeSpan.FromSeconds(5));
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_full_half_message_store_refuses_with_SYSTEM_BUSY_and_takes_again_after_a_decision()
    {
        var log = Sys.ActorOf(TransactionLog.Props(_broker, Settings with { MaxPendingMessages = 1 }, null, "unused", _region.Ref,
            () => Interlocked.Read(ref _now)));
        var tx = Prepare(log, "one");
        log.Tell(new PrepareHalfMessages(_broker, new[] { new SendEntry(7, 0, false, 5, Text("Orders", "two", props: TransactionDriver.HalfProps())) }), TestActor);
        var busy = ExpectMsg<SendAcks>().Acks.Single();
        Assert.Equal((ResponseCode.SystemBusy, 7L), (busy.Code, busy.CorrelationId));
        Assert.Contains("max-pending-messages", busy.Error);
        log.Tell(new EndTransaction(_broker, "pg", "Orders", tx, TransactionResolution.Rollback, false), TestActor);
        Assert.Equal(ResponseCode.Success, ExpectMsg<EndTransactionReply>().Code);
        Prepare(log, "two");
    }
}
