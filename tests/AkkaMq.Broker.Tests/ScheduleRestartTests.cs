using System.Text;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests;

/// <summary>A delayed message acknowledged before a restart is delivered after it, on time and once.</summary>
public sealed class ScheduleRestartTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "akkamq-sched-restart-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public ScheduleRestartTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        try { Directory.Delete(_dataDir, true); } catch (IOException) { }
    }

    private sealed class Session : BrokerTestBase
    {
        public Session(ITestOutputHelper output, string dataDir) : base(output, StartNode(null, dataDir)) { }

        public new void CreateTopic(string topic, int queues = 4, int perm = Perm.ReadWrite) => base.CreateTopic(topic, queues, perm);
        public new List<SendAck> Send(params SendEntry[] entries) => base.Send(entries);
        public new PullResult Pull(string topic, int queueId, long offset, int max = 32, string filter = "*", long suspendMs = 0, string group = "test-group") =>
            base.Pull(topic, queueId, offset, max, filter, suspendMs, group);
        public SendEntry E(Message m) => Entry(m);
    }

    [Fact]
    public void A_delayed_message_survives_a_restart_and_arrives_at_its_time()
    {
        long deliverAt;
        using (var first = new Session(_output, _dataDir))
        {
            first.CreateTopic("Later", 1);
            deliverAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 4000;
            var ack = first.Send(first.E(Message.FromText("Later", "after the restart",
                properties: new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = deliverAt.ToString() }))).Single();
            Assert.Equal(ResponseCode.Success, ack.Code);
            Assert.Equal(PullStatus.NoNewMsg, first.Pull("Later", 0, 0).Status);
        }

        using var second = new Session(_output, _dataDir);
        PullResult r;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do r = second.Pull("Later", 0, 0, suspendMs: 1000);
        while (r.Status != PullStatus.Found && DateTime.UtcNow < deadline);
        var m = Assert.Single(r.Messages);
        Assert.Equal("after the restart", Encoding.UTF8.GetString(m.Body));
        Assert.True(m.StoreTimestamp >= deliverAt, $"delivered {deliverAt - m.StoreTimestamp} ms early");
        _output.WriteLine($"delivered {m.StoreTimestamp - deliverAt} ms after its time");
        // Once: nothing more arrives behind it.
        Assert.Equal(PullStatus.NoNewMsg, second.Pull("Later", 0, 1, suspendMs: 1500).Status);
    }
}
