using System.Text;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests;

/// <summary>A delayed message acknowledged before a restart is delivered after it, on time and once.</summary>
public sealed class ScheduleRestartTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dataDir = new("akkamq-sched-restart-");

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public async Task A_delayed_message_survives_a_restart_and_arrives_at_its_time()
    {
        long deliverAt;
        await using (var first = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path))
        {
            first.CreateTopic("Later", 1);
            deliverAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 4000;
            var ack = first.Send(first.Entry(Message.FromText("Later", "after the restart",
                properties: new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = deliverAt.ToString() }))).Single();
            Assert.Equal(ResponseCode.Success, ack.Code);
            Assert.Equal(PullStatus.NoNewMsg, first.Pull("Later", 0, 0).Status);
        }

        await using var second = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path);
        var m = second.AwaitMessage("Later", 0, 0, TimeSpan.FromSeconds(20));
        Assert.Equal("after the restart", Encoding.UTF8.GetString(m.Body));
        Assert.True(m.StoreTimestamp >= deliverAt, $"delivered {deliverAt - m.StoreTimestamp} ms early");
        output.WriteLine($"delivered {m.StoreTimestamp - deliverAt} ms after its time");
        // Once: nothing more arrives behind it.
        Assert.Equal(PullStatus.NoNewMsg, second.Pull("Later", 0, 1, suspendMs: 1500).Status);
    }
}
