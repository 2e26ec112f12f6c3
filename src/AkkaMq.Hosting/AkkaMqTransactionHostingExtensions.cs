using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Hosting;
using AkkaMq.Client;
using AkkaMq.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaMq.Hosting;

/// <summary>
/// A hosted transaction producer: it starts with the ActorSystem (when the host starts), so it answers the
/// brokers' check-backs for its producer group even before the app's first send (a peer's orphaned half
/// messages included). Its listener comes from DI, from a new scope per call.
/// </summary>
public static class AkkaMqTransactionHostingExtensions
{
    /// <summary>
    /// Starts the transaction producer of producerGroup with <typeparamref name="TListener"/>. For constructor injection of
    /// <see cref="IAkkaMqTransactionProducer"/> add <see cref="AkkaMqServiceCollectionExtensions.AddAkkaMqTransactionProducer{TListener}"/>
    /// with the same group; both share one producer.
    /// </summary>
    public static AkkaConfigurationBuilder WithAkkaMqTransactionProducer<TListener>(this AkkaConfigurationBuilder builder, string producerGroup,
        AkkaMqClientOptions? options = null)
        where TListener : class, ITransactionListener
    {
        if (Validators.CheckGroup(producerGroup) is { } error) throw new ArgumentException($"producer group: {error}", nameof(producerGroup));
        builder.WithAkkaMqClient(options);
        return builder.WithActors((system, _, resolver) =>
            AkkaMqTransactionProducerProvider.Get(system).GetOrCreate(producerGroup,
                () => new ScopedTransactionListener<TListener>(resolver.GetService<IServiceScopeFactory>())));
    }
}

/// <summary>Calls <typeparamref name="TListener"/> from a new DI scope per call, so it may take scoped services (a DbContext).</summary>
public sealed class ScopedTransactionListener<TListener>(IServiceScopeFactory scopes) : ITransactionListener
    where TListener : class, ITransactionListener
{
    public async Task<LocalTransactionState> ExecuteLocalTransaction(Message message, object? arg)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await ActivatorUtilities.GetServiceOrCreateInstance<TListener>(scope.ServiceProvider).ExecuteLocalTransaction(message, arg);
    }

    public async Task<LocalTransactionState> CheckLocalTransaction(MessageExt message)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await ActivatorUtilities.GetServiceOrCreateInstance<TListener>(scope.ServiceProvider).CheckLocalTransaction(message);
    }
}
