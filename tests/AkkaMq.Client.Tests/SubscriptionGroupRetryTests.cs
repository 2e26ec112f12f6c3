using System.Collections.Concurrent;
using System.Text;
using AkkaMq.Client.Admin;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Tests;

namespace AkkaMq.Client.Tests;

/// <summary>
/// A push consumer that does not set maxReconsumeTimes (-1, the default) gets its subscription group's retryMaxTimes:
/// the broker dead-letters a failing message after that many retries.
/// </summary>
public sealed class SubscriptionGroupRetryTests(PushConsumerFixture fx, ITestOutputHelper output) : IClassFixture<PushConsumerFixture>, IAsyncLifetime
{
    private readonly string _tempDir = Path.Combine(Path.GetTempPath(), "akkamq-offsets-" + Guid.NewGuid().ToString("N"));
    private AkkaMqPushConsumer? _consumer;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_consumer != null) await _consumer.ShutdownAsync();
        if (Directory.Exists(_tempDir)) Directory.Delete(_tempDir, true);
    }

    [Fact]
    public async Task The_groups_retryMaxTimes_sends_a_message_to_the_DLQ_when_the_consumer_sets_no_maxReconsumeTimes()
    {
        const string topic = "SubGroupRetryTopic";
        const string group = "subgroup-retry";
        var settings = PushConsumerSettings.Create(fx.Client.Settings.Config) with
        {
            ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
            OffsetStoreDir = _tempDir,
        };
        Assert.Equal(-1, settings.MaxReconsumeTimes);
        await TestNodes.CreateTopicAsync(fx.Client, TopicConfig.Create(topic, 1));
        var context = new ClientContext(fx.Client, ClientSettings.Create(fx.Client.Settings.Config));
        await using var admin = new AkkaMqAdmin(context);
        var rows = await admin.UpdateSubscriptionGroupAsync(new SubscriptionGroupConfig(group, RetryMaxTimes: 1), null, null);
        Assert.Equal(1, Assert.Single(rows).RetryMaxTimes);

        var deliveries = new ConcurrentQueue<int>();
        _consumer = AkkaMqPushConsumer.Create(fx.Client, group, settings);
        _consumer.Subscribe(topic);
        _consumer.RegisterMessageListener((msgs, _) =>
        {
            deliveries.Enqueue(MessageConst.ReconsumeTimes(msgs[0]));
            return Task.FromResult(ConsumeConcurrentlyStatus.ReconsumeLater);
        });
        await _consumer.StartAsync();
        await TestNodes.SendWhenRoutedAsync(fx.Producer, Message.FromText(topic, "poison"));

        var pull = new AkkaMqPullConsumer(_consumer.Context, "subgroup-dlq-reader");
        var dlq = new MessageQueue(MessageConst.GetDlqTopic(group), fx.Node.Settings.Broker!.BrokerName, 0);
        IReadOnlyList<MessageExt> dead = Array.Empty<MessageExt>();
        await Eventually.TrueAsync(async () =>
        {
            try { dead = (await pull.PullAsync(dlq, "*", 0, 10)).Messages; }
            catch (AkkaMqException) { return false; } // the DLQ topic is created with the first dead letter
            return dead.Count == 1;
        }, () => $"deliveries: {string.Join(",", deliveries)}", TimeSpan.FromSeconds(30));

        output.WriteLine($"deliveries: {string.Join(",", deliveries)}");
        Assert.Equal("poison", Encoding.UTF8.GetString(dead[0].Body));
        // The first delivery and retryMaxTimes (1) retry, where the client's old default would have retried 16 times.
        Assert.Equal(new[] { 0, 1 }, deliveries.Take(2));
        Assert.Equal("2", dead[0].Properties[MessageConst.ReconsumeTime]);
    }
}
