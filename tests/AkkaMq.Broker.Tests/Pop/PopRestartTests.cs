using AkkaMq.Broker.Retention;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Pop;

/// <summary>A POP group's acks and in-flight messages survive a restart of the node on the same data directory.</summary>
public sealed class PopRestartTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dataDir = new("akkamq-pop-restart-");
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public async Task Acks_stay_and_a_message_in_flight_comes_again_after_its_invisible_time()
    {
        List<PoppedMessage> got;
        await using (var first = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path))
        {
            BrokerClock.For(first.Node.System).Use(_clock);
            first.CreateTopic("PopRestart", 1);
            Assert.All(first.Send(Enumerable.Range(0, 30).Select(i => first.Entry("PopRestart", $"m{i}")).ToArray()),
                a => Assert.Equal(ResponseCode.Success, a.Code));
            var pop = new PopDriver(first);
            got = pop.Got(pop.Receive("PopRestart", invisibleMs: 60_000)).ToList();
            Assert.Equal(30, got.Count);
            // Every message but m7 and m20 acked, in an order that leaves gaps: the consumed offset stops at 7.
            foreach (var m in got.Where(m => m.Message.QueueOffset is not (7 or 20)).Reverse()) pop.AckOk(m);
        }

        await using var second = await BrokerSession.StartAsync(output, dataDir: _dataDir.Path);
        BrokerClock.For(second.Node.System).Use(_clock);
        var again = new PopDriver(second);
        Assert.Empty(again.Got(again.Receive("PopRestart")));
        // A handle from before the restart still acks its message.
        again.AckOk(got[20]);

        _clock.Now += TimeSpan.FromSeconds(61);
        var back = Assert.Single(again.Got(again.Receive("PopRestart")));
        Assert.Equal(("m7", 2), (PopDriver.Body(back), back.DeliveryAttempt));
        Assert.Equal(ResponseCode.InvalidReceiptHandle, again.Ack(got[7]).Code);
        again.AckOk(back);
        _clock.Now += TimeSpan.FromHours(1);
        Assert.Empty(again.Got(again.Receive("PopRestart")));
    }
}
