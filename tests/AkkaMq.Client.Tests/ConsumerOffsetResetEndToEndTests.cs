using System.Collections.Concurrent;
using System.Text;
using AkkaMq.Client.Admin;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.TestKit;

namespace AkkaMq.Client.Tests;

public sealed class ConsumerOffsetResetFixture : IAsyncLifetime
{
    private NodeAndClient _nodeAndClient = null!;

    public NodeAndClient NodeAndClient => _nodeAndClient;
    public AkkaMqAdmin Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _nodeAndClient = await NodeAndClient.StartAsync();
        Admin = new AkkaMqAdmin(new ClientContext(_nodeAndClient.Client, ClientSettings.Create(_nodeAndClient.Client.Settings.Config)));
    }

    public async Task DisposeAsync()
    {
        await Admin.DisposeAsync();
        await _nodeAndClient.DisposeAsync();
    }
}

/// <summary>
/// resetOffsetByTime and skipAccumulatedMessage through the admin API while a real push consumer runs: the broker
/// tells the consumer, which consumes from the new position and never commits its old one over it.
/// </summary>
public sealed class ConsumerOffsetResetEndToEndTests : IClassFixture<ConsumerOffsetResetFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ConsumerOffsetResetFixture _fx;
    private readonly ITestOutputHelper _out;
    private readonly List<AkkaMqPushConsumer> _started = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConsumerOffsetResetEndToEndTests(ConsumerOffsetResetFixture fx, ITestOutputHelper output)
    {
        _fx = fx;
        _out = output;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _gate.TrySetResult();
        foreach (var c in _started) await c.ShutdownAsync();
    }

    private AkkaMqAdmin Admin => _fx.Admin;

    private PushConsumerSettings Settings => PushConsumerSettings.Create(_fx.NodeAndClient.Client.Settings.Config) with
    {
        ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
        PersistConsumerOffsetInterval = TimeSpan.FromMilliseconds(200),
        ConsumeMessageBatchMaxSize = 1,
    };

    private async Task<AkkaMqPushConsumer> StartAsync(string group, string topic, PushConsumerSettings settings, Action<AkkaMqPushConsumer> listen)
    {
        var c = AkkaMqPushConsumer.Create(_fx.NodeAndClient.Client, group, settings);
        c.Subscribe(topic);
        listen(c);
        await c.StartAsync();
        _started.Add(c);
        return c;
    }

    private static int Index(MessageExt m) => int.Parse(Encoding.UTF8.GetString(m.Body).Split('-')[1]);

    private async Task SendAsync(string topic, int from, int count)
    {
        for (var i = from; i < from + count; i++) await _fx.NodeAndClient.Producer.SendAsync(Message.FromText(topic, $"m-{i}"));
    }

    private async Task<long> CommittedAsync(string group, string topic)
    {
        try { return (await Admin.ConsumerProgressAsync(group, topic)).Queues.Single().ConsumerOffset; }
        catch (AkkaMqException) { return -1; }
    }

    private Task AwaitCommitted(string group, string topic, long offset)
    {
        long seen = -2;
        return AkkaMq.Tests.Eventually.TrueAsync(async () => (seen = await CommittedAsync(group, topic)) == offset,
            () => $"committed offset of {group} is {seen}, not {offset}", Timeout);
    }

    private static Task Await(Func<bool> condition, Func<string> describe) =>
        AkkaMq.Tests.Eventually.TrueAsync(() => Task.FromResult(condition()), describe, Timeout);

    [Fact]
    public async Task ResetOffsetByTime_to_the_start_redelivers_to_a_running_consumer_whose_commits_follow_the_new_position()
    {
        const string topic = "ResetRunningTopic", group = "reset-running";
        await TestNodes.CreateTopicAsync(_fx.NodeAndClient.Client, TopicConfig.Create(topic, 1));
        var calls = new ConcurrentQueue<int>();
        var secondRound = false;
        var consumer = await StartAsync(group, topic, Settings, c => c.RegisterMessageListener(async (msgs, _) =>
        {
            var i = Index(msgs[0]);
            calls.Enqueue(i);
            // Second time round, m-5 and later wait: the committed offset must stop at 5.
            if (Volatile.Read(ref secondRound) && i >= 5) await _gate.Task;
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        }));
        await SendAsync(topic, 0, 10);
        await Await(() => calls.Count >= 10, () => $"{calls.Count} of 10 consumed");
        await AwaitCommitted(group, topic, 10);

        Volatile.Write(ref secondRound, true);
        var reset = await Admin.ResetOffsetByTimeAsync(group, topic, 0);

        Assert.Equal(new[] { consumer.ClientId! }, reset.NotifiedClients);
        var row = Assert.Single(reset.Queues);
        Assert.Equal((10L, 0L), (row.OldOffset, row.NewOffset));
        await Await(() => calls.Count(i => i < 5) == 10, () => "calls: " + string.Join(",", calls));
        await AwaitCommitted(group, topic, 5);
        Assert.Equal(5, (await consumer.GetRuntimeInfoAsync()).Offsets.Single().Value);

        _gate.SetResult();
        await AwaitCommitted(group, topic, 10);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(2, calls.Count(x => x == i)));
    }

    [Fact]
    public async Task SkipAccumulatedMessage_moves_a_running_consumer_with_a_backlog_to_the_end_and_its_old_offset_is_never_written_back()
    {
        const string topic = "SkipRunningTopic", group = "skip-running";
        await TestNodes.CreateTopicAsync(_fx.NodeAndClient.Client, TopicConfig.Create(topic, 1));
        var calls = new ConcurrentQueue<int>();
        // The cache holds at most 5 messages: the rest of the backlog stays on the broker.
        var settings = Settings with { PullThresholdForQueue = 5, PullBatchSize = 5 };
        var consumer = await StartAsync(group, topic, settings, c => c.RegisterMessageListener(async (msgs, _) =>
        {
            var i = Index(msgs[0]);
            calls.Enqueue(i);
            if (i < 50) await _gate.Task;
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        }));
        await SendAsync(topic, 0, 50);
        await Await(() => calls.Count == 5, () => "calls: " + string.Join(",", calls));

        var skipped = await Admin.SkipAccumulatedMessageAsync(group, topic);

        Assert.Equal(new[] { consumer.ClientId! }, skipped.NotifiedClients);
        Assert.Equal(50, Assert.Single(skipped.Queues).NewOffset);
        // The calls on the skipped messages end now: they count for nothing.
        _gate.SetResult();
        await SendAsync(topic, 50, 3);
        await Await(() => calls.Count(i => i >= 50) == 3, () => "calls: " + string.Join(",", calls));
        await AwaitCommitted(group, topic, 53);
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 50, 51, 52 }, calls.Order().ToArray());
    }

    [Fact]
    public async Task An_orderly_consumer_blocked_in_its_listener_is_moved_past_the_backlog_and_stays_in_order()
    {
        const string topic = "ResetOrderlyTopic", group = "reset-orderly";
        await TestNodes.CreateTopicAsync(_fx.NodeAndClient.Client, TopicConfig.Create(topic, 1));
        var calls = new ConcurrentQueue<int>();
        var inCall = 0;
        var overlaps = 0;
        var settings = Settings with { PullThresholdForQueue = 5, PullBatchSize = 5 };
        var consumer = await StartAsync(group, topic, settings, c => c.RegisterMessageListener(async (msgs, _) =>
        {
            if (Interlocked.Increment(ref inCall) > 1) Interlocked.Increment(ref overlaps);
            var i = Index(msgs[0]);
            calls.Enqueue(i);
            if (i == 2) await _gate.Task;
            Interlocked.Decrement(ref inCall);
            return ConsumeOrderlyStatus.Success;
        }));
        await SendAsync(topic, 0, 20);
        await Await(() => calls.Count == 3, () => "calls: " + string.Join(",", calls));

        var skipped = await Admin.SkipAccumulatedMessageAsync(group, topic);

        Assert.Equal(new[] { consumer.ClientId! }, skipped.NotifiedClients);
        await SendAsync(topic, 20, 3);
        _gate.SetResult();
        await Await(() => calls.Count == 6, () => "calls: " + string.Join(",", calls));
        await AwaitCommitted(group, topic, 23);
        Assert.Equal(new[] { 0, 1, 2, 20, 21, 22 }, calls.ToArray());
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public async Task A_reset_of_an_unknown_group_or_topic_is_refused_and_changes_nothing_and_without_a_running_consumer_it_only_commits()
    {
        const string topic = "ResetIdleTopic";
        await TestNodes.CreateTopicAsync(_fx.NodeAndClient.Client, TopicConfig.Create(topic, 2));
        await SendAsync(topic, 0, 3);

        var unknownGroup = await Assert.ThrowsAsync<AkkaMqException>(() => Admin.SkipAccumulatedMessageAsync("never-seen", topic));
        _out.WriteLine(unknownGroup.Message);
        Assert.Equal(ResponseCode.QueryNotFound, unknownGroup.Code);
        Assert.Contains("'never-seen'", unknownGroup.Message);
        Assert.Contains("nothing was reset", unknownGroup.Message);
        var progress = await Assert.ThrowsAsync<AkkaMqException>(() => Admin.ConsumerProgressAsync("never-seen", topic));
        Assert.Equal(ResponseCode.QueryNotFound, progress.Code);

        var unknownTopic = await Assert.ThrowsAsync<AkkaMqException>(() => Admin.ResetOffsetByTimeAsync("idle", "NoSuchResetTopic", 0));
        _out.WriteLine(unknownTopic.Message);
        Assert.Equal(ResponseCode.TopicNotExist, unknownTopic.Code);
        Assert.Contains("NoSuchResetTopic", unknownTopic.Message);

        // A group with committed offsets and no consumer running: the offsets move, nobody is told.
        var pull = AkkaMqPullConsumer.Create(_fx.NodeAndClient.Client, "idle");
        var queues = await pull.FetchSubscribeMessageQueuesAsync(topic);
        await pull.UpdateConsumeOffsetAsync(queues[0], 0);
        var skipped = await Admin.SkipAccumulatedMessageAsync("idle", topic);
        Assert.Empty(skipped.NotifiedClients);
        Assert.Equal(3, skipped.Queues.Sum(q => q.NewOffset));
        Assert.Equal(0, (await Admin.ConsumerProgressAsync("idle", topic)).DiffTotal);
    }
}
