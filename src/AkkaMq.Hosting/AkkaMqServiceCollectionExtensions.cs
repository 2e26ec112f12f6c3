using Akka.Actor;
using AkkaMq.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AkkaMq.Hosting;

/// <summary>
/// DI registrations that an <see cref="Akka.Hosting.AkkaConfigurationBuilder"/> extension cannot make: Akka.Hosting
/// runs the AddAkka callback only when the ActorSystem is first resolved, after the container is built.
/// </summary>
public static class AkkaMqServiceCollectionExtensions
{
    /// <summary>
    /// Registers the app's producer as <see cref="IAkkaMqProducer"/> (and <see cref="AkkaMqProducer"/>), a singleton
    /// for constructors to take. Call after AddAkka, whose builder names the NameServers
    /// (<see cref="AkkaMqHostingExtensions.WithAkkaMqProducer"/> or <see cref="AkkaMqHostingExtensions.WithAkkaMqClient"/>).
    /// Resolving it before the host starts is fine: it creates the ActorSystem and the producer actor.
    /// </summary>
    public static IServiceCollection AddAkkaMqProducer(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => AkkaMqProducerProvider.Get(sp.GetRequiredService<ActorSystem>()).GetOrCreate());
        services.TryAddSingleton<IAkkaMqProducer>(sp => sp.GetRequiredService<AkkaMqProducer>());
        return services;
    }

    /// <summary>
    /// Registers the transaction producer of producerGroup as <see cref="IAkkaMqTransactionProducer"/> (and
    /// <see cref="AkkaMqTransactionProducer"/>), with <typeparamref name="TListener"/> called from a new DI scope per call.
    /// Add <see cref="AkkaMqTransactionHostingExtensions.WithAkkaMqTransactionProducer{TListener}"/> to the AddAkka builder too,
    /// so the producer starts with the host and answers check-backs before the first injection.
    /// </summary>
    public static IServiceCollection AddAkkaMqTransactionProducer<TListener>(this IServiceCollection services, string producerGroup)
        where TListener : class, ITransactionListener
    {
        services.TryAddSingleton(sp => AkkaMqTransactionProducerProvider.Get(sp.GetRequiredService<ActorSystem>())
            .GetOrCreate(producerGroup, () => new ScopedTransactionListener<TListener>(sp.GetRequiredService<IServiceScopeFactory>())));
        services.TryAddSingleton<IAkkaMqTransactionProducer>(sp => sp.GetRequiredService<AkkaMqTransactionProducer>());
        return services;
    }
}
