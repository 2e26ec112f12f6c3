using Akka.Actor;
using Akka.Event;

namespace AkkaMq.Broker.Storage;

/// <summary>
/// Reads the data directory's disk every disk-check-interval (/user/broker-disk-space), keeps the
/// node's <see cref="DiskSpace"/> current, and on each change of state logs one line and
/// publishes <see cref="DiskPressureChanged"/> on the EventStream. The decision is the
/// <see cref="DiskSpaceMonitor"/>'s.
/// </summary>
public sealed class DiskSpaceWatcher : ReceiveActor, IWithTimers
{
    public const string Name = "broker-disk-space";

    private sealed class Check : INoSerializationVerificationNeeded { public static readonly Check Instance = new(); }

    private readonly DiskSpaceMonitor _monitor;
    private readonly DiskSpace _disk;
    private readonly string _path;
    private readonly TimeSpan _interval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private string? _lastError;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DiskSpaceSettings settings, string path) =>
        Akka.Actor.Props.Create(() => new DiskSpaceWatcher(settings, path));

    public DiskSpaceWatcher(DiskSpaceSettings settings, string path)
    {
        _path = path;
        _monitor = new DiskSpaceMonitor(settings, path);
        _disk = DiskSpace.For(Context.System);
        _interval = settings.CheckInterval;
        Receive<Check>(_ => Read());
    }

    protected override void PreStart()
    {
        // Read at once: a node started on a full disk refuses sends from the start.
        Read();
        Timers.StartPeriodicTimer("check", Check.Instance, _interval);
    }

    private void Read()
    {
        DiskUsage usage;
        try
        {
            // A statvfs call, on this actor's thread: it returns at once on a local file system.
            usage = _disk.Probe.Read(_path);
        }
        catch (Exception e)
        {
            if (e.Message != _lastError) _log.Warning("Cannot read the disk space of {0}: {1}; keeping the last state", _path, e.Message);
            _lastError = e.Message;
            return;
        }
        _lastError = null;
        var changed = _monitor.Update(usage, out var previous);
        var state = _monitor.Current!;
        _disk.Set(state);
        if (!changed) return;
        const string line = "Disk space {0} -> {1}: {2}";
        if (state.Pressure == DiskPressure.WritesRefused) _log.Error(line, previous, state.Pressure, state.Describe());
        else if (state.Pressure > previous) _log.Warning(line, previous, state.Pressure, state.Describe());
        else _log.Info(line, previous, state.Pressure, state.Describe());
        Context.System.EventStream.Publish(new DiskPressureChanged(previous, state));
    }
}
