using Akka.Actor;

namespace AkkaMq.Broker.Retention;

/// <summary>
/// The clock retention reads (the cutoff, deleteWhen's hour): the system clock unless a test or a
/// host hands it another <see cref="TimeProvider"/> with <see cref="Use"/>. Store times stay on the system clock.
/// </summary>
public sealed class BrokerClock : TimeProvider, IExtension
{
    private TimeProvider _inner = TimeProvider.System;

    public void Use(TimeProvider clock) => Volatile.Write(ref _inner, clock);

    public override DateTimeOffset GetUtcNow() => Volatile.Read(ref _inner).GetUtcNow();

    public override TimeZoneInfo LocalTimeZone => Volatile.Read(ref _inner).LocalTimeZone;

    public static BrokerClock For(ActorSystem system) => Id.Instance.Apply(system);

    private sealed class Id : ExtensionIdProvider<BrokerClock>
    {
        public static readonly Id Instance = new();
        public override BrokerClock CreateExtension(ExtendedActorSystem system) => new();
    }
}
