using System.Collections.Concurrent;
using Akka.Actor;
using AkkaMq.Client;

namespace AkkaMq.Hosting;

/// <summary>
/// The app's transaction producers per ActorSystem, one per producer group: the DI registration
/// (<see cref="AkkaMqServiceCollectionExtensions.AddAkkaMqTransactionProducer{TListener}"/>) and
/// <see cref="AkkaMqTransactionHostingExtensions.WithAkkaMqTransactionProducer{TListener}"/> share the one of a group.
/// </summary>
public sealed class AkkaMqTransactionProducerProvider : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<string, Lazy<AkkaMqTransactionProducer>> _producers = new(StringComparer.Ordinal);

    public AkkaMqTransactionProducerProvider(ExtendedActorSystem system) => _system = system;

    public static AkkaMqTransactionProducerProvider Get(ActorSystem system) =>
        system.WithExtension<AkkaMqTransactionProducerProvider, AkkaMqTransactionProducerProviderId>();

    /// <summary>The group's producer, started on first use from the system's <c>akkamq.client</c> settings with the first caller's listener.</summary>
    public AkkaMqTransactionProducer GetOrCreate(string producerGroup, Func<ITransactionListener> listener) =>
        _producers.GetOrAdd(producerGroup, g => new Lazy<AkkaMqTransactionProducer>(() =>
            // The actors stop with the ActorSystem: DI disposal comes after the system has terminated.
            AkkaMqTransactionProducer.Create(_system, g, listener(), ClientSettings.Create(_system.Settings.Config), ownsActors: false))).Value;
}

public sealed class AkkaMqTransactionProducerProviderId : ExtensionIdProvider<AkkaMqTransactionProducerProvider>
{
    public override AkkaMqTransactionProducerProvider CreateExtension(ExtendedActorSystem system) => new(system);
}
