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
}
