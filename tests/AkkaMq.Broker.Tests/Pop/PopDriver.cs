using Akka.Actor;
using Akka.TestKit;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Pop;

/// <summary>The POP requests as a gRPC front end would send them, through the broker gateway, answered to a probe of their own.</summary>
internal sealed class PopDriver(BrokerTestBase t, string group = "pop-group")
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    public readonly TestProbe Probe = t.CreateTestProbe();

    public PopMessage Request(string topic, int queueId = 0, int max = 32, string filter = "*", long invisibleMs = 30_000, long pollMs = 0,
        bool fifo = false, string? attemptId = null, int maxAttempts = PopLimits.DefaultMaxDeliveryAttempts, string? asGroup = null) =>
        new(t.BrokerName, asGroup ?? group, topic, queueId, max, filter, invisibleMs, pollMs, fifo, attemptId, maxAttempts);

    public PopResult Receive(PopMessage request)
    {
        t.Gateway.Tell(request, Probe);
        return Probe.ExpectMsg<PopResult>(Wait);
    }

    public PopResult Receive(string topic, int queueId = 0, int max = 32, string filter = "*", long invisibleMs = 30_000, long pollMs = 0,
        bool fifo = false, string? attemptId = null, int maxAttempts = PopLimits.DefaultMaxDeliveryAttempts) =>
        Receive(Request(topic, queueId, max, filter, invisibleMs, pollMs, fifo, attemptId, maxAttempts));

    /// <summary>A receive that must find messages; returns them.</summary>
    public IReadOnlyList<PoppedMessage> Got(PopResult r)
    {
        Assert.True(r.Code == ResponseCode.Success, $"{r.Code}: {r.Error}");
        return r.Messages;
    }

    public AckResult Ack(string topic, string handle)
    {
        t.Gateway.Tell(new AckMessage(t.BrokerName, group, topic, handle), Probe);
        return Probe.ExpectMsg<AckResult>(Wait);
    }

    public AckResult Ack(PoppedMessage m) => Ack(m.Message.Topic, m.ReceiptHandle);

    public void AckOk(PoppedMessage m)
    {
        var r = Ack(m);
        Assert.True(r.Code == ResponseCode.Success, $"{r.Code}: {r.Error}");
    }

    public ChangeInvisibleTimeResult Change(string topic, string handle, long invisibleMs)
    {
        t.Gateway.Tell(new ChangeInvisibleTime(t.BrokerName, group, topic, handle, invisibleMs), Probe);
        return Probe.ExpectMsg<ChangeInvisibleTimeResult>(Wait);
    }

    public ForwardToDeadLetterQueueResult Forward(string topic, string handle)
    {
        t.Gateway.Tell(new ForwardToDeadLetterQueue(t.BrokerName, group, topic, handle), Probe);
        return Probe.ExpectMsg<ForwardToDeadLetterQueueResult>(Wait);
    }

    public static string Body(PoppedMessage m) => System.Text.Encoding.UTF8.GetString(m.Message.Body);
}
