using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Hosting;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaMq.Hosting;

/// <summary>
/// Hosted push consumers: the consumer starts with the ActorSystem (when the host starts), calls a listener
/// resolved from a new DI scope per consume call, and on stop (CoordinatedShutdown, which the host's stop runs)
/// commits its consumed offsets and leaves its group before remoting goes down.
/// </summary>
public static class AkkaMqConsumerHostingExtensions
{
    /// <summary>A push consumer of one topic ("*" or "TagA || TagB") calling <typeparamref name="TListener"/>.</summary>
    public static AkkaConfigurationBuilder WithAkkaMqPushConsumer<TListener>(this AkkaConfigurationBuilder builder, string consumerGroup,
        string topic, string subExpression = "*", AkkaMqPushConsumerOptions? options = null)
        where TListener : class, IMessageListenerConcurrently =>
        builder.WithAkkaMqPushConsumer<TListener>(consumerGroup, new Dictionary<string, string> { [topic] = subExpression }, options);

    /// <summary>A push consumer of several topics (topic to tag expression) calling <typeparamref name="TListener"/>.</summary>
    public static AkkaConfigurationBuilder WithAkkaMqPushConsumer<TListener>(this AkkaConfigurationBuilder builder, string consumerGroup,
        IReadOnlyDictionary<string, string> subscriptions, AkkaMqPushConsumerOptions? options = null)
        where TListener : class, IMessageListenerConcurrently =>
        builder.WithHostedConsumer(consumerGroup, subscriptions, options, (consumer, scopes, ct) =>
            consumer.RegisterMessageListener(async (msgs, context) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                var listener = ActivatorUtilities.GetServiceOrCreateInstance<TListener>(scope.ServiceProvider);
                return await listener.ConsumeMessageAsync(msgs, context, ct);
            }));

    /// <summary>An orderly push consumer of one topic: one batch at a time per queue, in order.</summary>
    public static AkkaConfigurationBuilder WithAkkaMqOrderlyPushConsumer<TListener>(this AkkaConfigurationBuilder builder, string consumerGroup,
        string topic, string subExpression = "*", AkkaMqPushConsumerOptions? options = null)
        where TListener : class, IMessageListenerOrderly =>
        builder.WithAkkaMqOrderlyPushConsumer<TListener>(consumerGroup, new Dictionary<string, string> { [topic] = subExpression }, options);

    /// <summary>An orderly push consumer of several topics (topic to tag expression).</summary>
    public static AkkaConfigurationBuilder WithAkkaMqOrderlyPushConsumer<TListener>(this AkkaConfigurationBuilder builder, string consumerGroup,
        IReadOnlyDictionary<string, string> subscriptions, AkkaMqPushConsumerOptions? options = null)
        where TListener : class, IMessageListenerOrderly =>
        builder.WithHostedConsumer(consumerGroup, subscriptions, options, (consumer, scopes, ct) =>
            consumer.RegisterMessageListener(async (msgs, context) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                var listener = ActivatorUtilities.GetServiceOrCreateInstance<TListener>(scope.ServiceProvider);
                return await listener.ConsumeMessageAsync(msgs, context, ct);
            }));

    private static AkkaConfigurationBuilder WithHostedConsumer(this AkkaConfigurationBuilder builder, string consumerGroup,
        IReadOnlyDictionary<string, string> subscriptions, AkkaMqPushConsumerOptions? options,
        Action<AkkaMqPushConsumer, IServiceScopeFactory, CancellationToken> registerListener)
    {
        if (subscriptions.Count == 0) throw new ArgumentException($"consumer group '{consumerGroup}': subscribe to at least one topic", nameof(subscriptions));
        builder.WithAkkaMqSerialization();
        builder.AddHocon(ClientSettings.DefaultConfig, HoconAddMode.Append);
        return builder.WithActors(async (system, _, resolver) =>
        {
            var consumer = AkkaMqPushConsumer.Create(system, consumerGroup);
            if (options != null) consumer.Settings = options.ApplyTo(consumer.Settings);
            foreach (var (topic, expression) in subscriptions) consumer.Subscribe(topic, expression);
            var stopping = new CancellationTokenSource();
            registerListener(consumer, resolver.GetService<IServiceScopeFactory>(), stopping.Token);
            await consumer.StartAsync();
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, $"akkamq-consumer-{consumerGroup}", async () =>
            {
                await stopping.CancelAsync();
                await consumer.ShutdownAsync();
                stopping.Dispose();
                return Akka.Done.Instance;
            });
        });
    }
}
