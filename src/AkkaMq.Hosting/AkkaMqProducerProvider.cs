using Akka.Actor;
using AkkaMq.Client;

namespace AkkaMq.Hosting;

/// <summary>
/// The app's one producer per ActorSystem: the DI registration (<see cref="AkkaMqServiceCollectionExtensions.AddAkkaMqProducer"/>)
/// and <see cref="AkkaMqHostingExtensions.WithAkkaMqProducer"/> both take it from here, so they share one producer actor.
/// </summary>
public sealed class AkkaMqProducerProvider : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly object _lock = new();
    private AkkaMqProducer? _producer;

    public AkkaMqProducerProvider(ExtendedActorSystem system) => _system = system;

    public static AkkaMqProducerProvider Get(ActorSystem system) =>
        system.WithExtension<AkkaMqProducerProvider, AkkaMqProducerProviderId>();

    /// <summary>The producer, started on first use from the system's <c>akkamq.client</c> settings; the first caller names its actor.</summary>
    public AkkaMqProducer GetOrCreate(string actorName = AkkaMqHostingExtensions.DefaultProducerActorName)
    {
        lock (_lock)
        {
            // The actor stops with the ActorSystem, so the producer does not own it (DI disposal comes after the system has terminated).
            return _producer ??= new AkkaMqProducer(_system.ActorOf(ProducerActor.Props(ClientSettings.Create(_system.Settings.Config)), actorName),
                ClientSettings.Create(_system.Settings.Config));
        }
    }
}

public sealed class AkkaMqProducerProviderId : ExtensionIdProvider<AkkaMqProducerProvider>
{
    public override AkkaMqProducerProvider CreateExtension(ExtendedActorSystem system) => new(system);
}
