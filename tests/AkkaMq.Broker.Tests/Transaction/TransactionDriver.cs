using Akka.Actor;
using Akka.TestKit;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Tests.Transaction;

/// <summary>A transactional producer spoken through the broker protocol: half sends, EndTransaction, heartbeats, the listing.</summary>
public sealed class TransactionDriver(BrokerTestBase t)
{
    public static Dictionary<string, string> HalfProps(string group = "pg", Dictionary<string, string>? extra = null)
    {
        var props = new Dictionary<string, string> { [TransactionConst.TransactionPrepared] = "true", [TransactionConst.ProducerGroup] = group };
        if (extra != null) foreach (var (k, v) in extra) props[k] = v;
        return props;
    }

    public SendEntry Half(string topic, string body, string group = "pg", string? keys = null, Dictionary<string, string>? extra = null) =>
        t.Entry(BrokerTestBase.Text(topic, body, keys: keys, props: HalfProps(group, extra)));

    /// <summary>Sends one half message and returns its transaction id.</summary>
    public string SendHalf(string topic, string body, string group = "pg", string? keys = null, Dictionary<string, string>? extra = null)
    {
        var ack = t.Send(Half(topic, body, group, keys, extra)).Single();
        Assert.True(ack.Code == ResponseCode.Success, ack.Error);
        return TransactionIds.Of(t.BrokerName, ack.QueueOffset);
    }

    public EndTransactionReply End(string topic, string transactionId, TransactionResolution resolution, string group = "pg", bool fromCheck = false,
        TestProbe? from = null)
    {
        var sender = from?.Ref ?? t.TestActor;
        t.Gateway.Tell(new EndTransaction(t.BrokerName, group, topic, transactionId, resolution, fromCheck), sender);
        return from != null ? from.ExpectMsg<EndTransactionReply>(TimeSpan.FromSeconds(10)) : t.ExpectMsg<EndTransactionReply>(TimeSpan.FromSeconds(10));
    }

    public EndTransactionReply EndOk(string topic, string transactionId, TransactionResolution resolution, string group = "pg")
    {
        var r = End(topic, transactionId, resolution, group);
        Assert.True(r.Code == ResponseCode.Success, r.Error);
        return r;
    }

    /// <summary>A producer of the group: the probe receives its check-backs.</summary>
    public TestProbe Producer(string group = "pg", string? clientId = null)
    {
        var probe = t.CreateTestProbe();
        t.Gateway.Tell(new ProducerHeartbeat(t.BrokerName, group, clientId ?? "client-" + probe.Ref.Path.Name, new ClientChannel(null, "DOTNET", "test")), probe.Ref);
        Assert.Equal(ResponseCode.Success, probe.ExpectMsg<ProducerHeartbeatReply>(TimeSpan.FromSeconds(10)).Code);
        return probe;
    }

    public HalfMessageList Pending(string? topic = null, string? group = null)
    {
        t.Gateway.Tell(new QueryHalfMessages(t.BrokerName, topic, group, 100), t.TestActor);
        return t.ExpectMsg<HalfMessageList>(TimeSpan.FromSeconds(10));
    }

    public MessageKeyOffsets QueryKey(string topic, string key)
    {
        t.Gateway.Tell(new QueryMessageKey(t.BrokerName, topic, 0, key, 16), t.TestActor);
        return t.ExpectMsg<MessageKeyOffsets>(TimeSpan.FromSeconds(10));
    }

    public static string Body(MessageExt m) => System.Text.Encoding.UTF8.GetString(m.Body);

    public static string UniqKeyOf(MessageExt m) => m.Properties[MessageConst.UniqKey];
}
