using Akka.Actor;

namespace AkkaMq.Broker.Storage;

/// <summary>
/// Published on the ActorSystem's EventStream when the data directory's disk changes state (see
/// <see cref="DiskSpaceMonitor"/>); the retention cleaner subscribes to delete ahead of time.
/// Node-local: it never crosses the wire.
/// </summary>
public sealed record DiskPressureChanged(DiskPressure Previous, DiskSpaceState Current) : INoSerializationVerificationNeeded;

/// <summary>
/// The node's view of its data directory's disk (an ActorSystem extension, so nodes in one test
/// process stay apart): the <see cref="DiskSpaceWatcher"/> writes each reading, and the write
/// paths read <see cref="RefusesWrites"/>, one volatile field read per batch.
/// </summary>
public sealed class DiskSpace : IExtension
{
    private volatile DiskSpaceState? _current;
    private volatile IDiskSpaceProbe _probe = FileSystemProbe.Instance;

    /// <summary>The last reading; null while the disk is not watched (PostgreSQL or in-memory journal, disk-check-interval = 0s) or not read yet.</summary>
    public DiskSpaceState? Current => _current;

    /// <summary>Over diskSpaceWarningLevelRatio: sends, send-backs and due delayed messages wait.</summary>
    public bool RefusesWrites => _current is { RefusesWrites: true };

    /// <summary>Where the watcher reads the disk from: the real file system unless a test simulates one.</summary>
    public IDiskSpaceProbe Probe
    {
        get => _probe;
        set => _probe = value ?? throw new ArgumentNullException(nameof(value));
    }

    internal void Set(DiskSpaceState state) => _current = state;

    public static DiskSpace For(ActorSystem system) => DiskSpaceExtension.Instance.Apply(system);
}

public sealed class DiskSpaceExtension : ExtensionIdProvider<DiskSpace>
{
    public static readonly DiskSpaceExtension Instance = new();

    public override DiskSpace CreateExtension(ExtendedActorSystem system) => new();
}
