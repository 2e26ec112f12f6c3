using Akka.Actor;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Client;

/// <summary>
/// Push consumer (RocketMQ's DefaultMQPushConsumer): subscribe to topics with tag expressions,
/// register one listener, start. The consumer pulls with long polling underneath, shares the
/// topics' queues with the other members of its group (clustering) or reads them all
/// (broadcasting), and commits offsets as messages are consumed.
/// </summary>
public sealed class AkkaMqPushConsumer
{
    private static int _instanceCounter;
    private readonly List<SubscriptionData> _subscriptions = new();
    private MessageListenerConcurrently? _concurrently;
    private MessageListenerOrderly? _orderly;
    private IActorRef? _actor;

    public AkkaMqPushConsumer(ClientContext context, string consumerGroup, PushConsumerSettings? settings = null)
    {
        if (Validators.CheckGroup(consumerGroup) is { } error) throw new AkkaMqException(ResponseCode.ConsumerGroupIllegal, error);
        if (consumerGroup.StartsWith("%RETRY%", StringComparison.Ordinal) || consumerGroup.StartsWith("%DLQ%", StringComparison.Ordinal))
            throw new AkkaMqException(ResponseCode.ConsumerGroupIllegal, $"consumer group name '{consumerGroup}' must not start with %RETRY% or %DLQ%");
        Context = context;
        ConsumerGroup = consumerGroup;
        Settings = settings ?? PushConsumerSettings.Create(context.System.Settings.Config);
    }

    public static AkkaMqPushConsumer Create(ActorSystem system, string consumerGroup, PushConsumerSettings? settings = null, ClientSettings? clientSettings = null) =>
        new(new ClientContext(system, clientSettings ?? ClientSettings.Create(system.Settings.Config)), consumerGroup, settings);

    public ClientContext Context { get; }
    public string ConsumerGroup { get; }

    /// <summary>The settings the consumer starts with; change them (with `with`) before <see cref="StartAsync"/>.</summary>
    public PushConsumerSettings Settings { get; set; }

    /// <summary>ip@instanceName, unique per consumer instance; set once started.</summary>
    public string? ClientId { get; private set; }

    /// <summary>Subscribes to a topic with a tag expression ("*" or "TagA || TagB"); checked here, filtered on the broker.</summary>
    public void Subscribe(string topic, string subExpression = "*")
    {
        EnsureNotStarted();
        if (Validators.CheckTopic(topic) is { } error) throw new AkkaMqException(ResponseCode.MessageIllegal, error);
        SubscriptionExpression.Parse(subExpression);
        _subscriptions.RemoveAll(s => s.Topic == topic);
        _subscriptions.Add(new SubscriptionData(topic, subExpression));
    }

    public void RegisterMessageListener(MessageListenerConcurrently listener)
    {
        EnsureNotStarted();
        _concurrently = listener;
        _orderly = null;
    }

    public void RegisterMessageListener(Func<IReadOnlyList<MessageExt>, ConsumeConcurrentlyContext, ConsumeConcurrentlyStatus> listener) =>
        RegisterMessageListener((msgs, ctx) => Task.FromResult(listener(msgs, ctx)));

    public void RegisterMessageListener(MessageListenerOrderly listener)
    {
        EnsureNotStarted();
        _orderly = listener;
        _concurrently = null;
    }

    public void RegisterMessageListener(Func<IReadOnlyList<MessageExt>, ConsumeOrderlyContext, ConsumeOrderlyStatus> listener) =>
        RegisterMessageListener((msgs, ctx) => Task.FromResult(listener(msgs, ctx)));

    /// <summary>Starts the consumer actor; it joins the group and starts consuming in the background.</summary>
    public Task StartAsync()
    {
        EnsureNotStarted();
        if (_subscriptions.Count == 0) throw new InvalidOperationException($"consumer group '{ConsumerGroup}': subscribe to at least one topic before starting");
        if (_concurrently == null && _orderly == null) throw new InvalidOperationException($"consumer group '{ConsumerGroup}': register a message listener before starting");
        Settings.Validate();
        var instance = Settings.InstanceName == "DEFAULT"
            ? $"{Environment.ProcessId}#{Interlocked.Increment(ref _instanceCounter)}"
            : Settings.InstanceName;
        var host = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.Host ?? "127.0.0.1";
        ClientId = $"{host}@{instance}";
        var subscriptions = _subscriptions.ToList();
        // Clustering: failed messages come back through the group's retry topic, so the group reads it too.
        if (Settings.MessageModel == MessageModel.Clustering)
            subscriptions.Add(new SubscriptionData(MessageConst.GetRetryTopic(ConsumerGroup), SubscriptionExpression.All));
        _actor = Context.System.ActorOf(PushConsumerActor.Props(Context, ConsumerGroup, ClientId, Settings, subscriptions, _concurrently, _orderly),
            $"push-consumer-{Uri.EscapeDataString(ConsumerGroup).Replace("%", "_")}-{Guid.NewGuid():N}");
        return Task.CompletedTask;
    }

    /// <summary>Commits consumed offsets, leaves the group (its queues go to the other members at once) and stops.</summary>
    public async Task ShutdownAsync(TimeSpan? timeout = null)
    {
        if (_actor == null) return;
        var actor = _actor;
        try
        {
            await actor.Ask<Akka.Done>(new PushConsumerActor.Shutdown(), timeout ?? Context.Settings.RequestTimeout + TimeSpan.FromSeconds(2));
        }
        catch (AskTimeoutException)
        {
            Context.System.Stop(actor);
        }
    }

    /// <summary>Queues this member owns right now and its consumed-up-to offsets (for admin views and tests).</summary>
    public async Task<ConsumerRuntimeInfo> GetRuntimeInfoAsync()
    {
        if (_actor == null) throw new InvalidOperationException("consumer is not started");
        var s = await _actor.Ask<PushConsumerActor.Snapshot>(new PushConsumerActor.Query(), Context.Settings.RequestTimeout);
        return new ConsumerRuntimeInfo(s.ClientId, s.Owned, s.Offsets, s.CachedMessages, s.FlowControlTimes);
    }

    private void EnsureNotStarted()
    {
        if (_actor != null) throw new InvalidOperationException($"consumer group '{ConsumerGroup}' is already started");
    }
}

public sealed record ConsumerRuntimeInfo(string ClientId, IReadOnlyList<MessageQueue> OwnedQueues, IReadOnlyDictionary<MessageQueue, long> Offsets,
    int CachedMessages, long FlowControlTimes);
