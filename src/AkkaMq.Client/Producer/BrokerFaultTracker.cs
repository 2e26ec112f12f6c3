namespace AkkaMq.Client;

/// <summary>
/// The latency tables of RocketMQ's MQFaultStrategy: a send to a broker that took at least
/// LatencyMax[i] ms makes new sends avoid that broker for NotAvailableDuration[i] ms.
/// </summary>
public sealed record FaultAvoidanceSettings(IReadOnlyList<long> LatencyMax, IReadOnlyList<long> NotAvailableDuration)
{
    /// <summary>
    /// Whether a slow send makes new sends avoid its broker (RocketMQ's sendLatencyFaultEnable, off by
    /// default as there): a send held through a broker group's failover is slow without the group being so.
    /// A failed send isolates its broker either way.
    /// </summary>
    public bool SendLatencyFaultEnable { get; init; }

    /// <summary>How often an isolated (failed) broker is probed; one that answers is used again (RocketMQ's detectInterval).</summary>
    public TimeSpan DetectInterval { get; init; } = TimeSpan.FromSeconds(2);

    public static FaultAvoidanceSettings Default { get; } = new(
        new long[] { 50, 100, 550, 1000, 2000, 3000, 15000 },
        new long[] { 0, 0, 30000, 60000, 120000, 180000, 600000 });

    /// <summary>Throws when the tables do not pair up or are not ascending (a misread config would avoid brokers at random).</summary>
    public FaultAvoidanceSettings Validated(string path)
    {
        if (LatencyMax.Count == 0 || LatencyMax.Count != NotAvailableDuration.Count)
            throw new Akka.Configuration.ConfigurationException($"{path}.latencyMax and {path}.notAvailableDuration must be non-empty lists of the same length");
        for (var i = 0; i < LatencyMax.Count; i++)
        {
            if (LatencyMax[i] < 0 || NotAvailableDuration[i] < 0)
                throw new Akka.Configuration.ConfigurationException($"{path}.latencyMax and {path}.notAvailableDuration must not hold negative values");
            if (i > 0 && LatencyMax[i] <= LatencyMax[i - 1])
                throw new Akka.Configuration.ConfigurationException($"{path}.latencyMax must be ascending");
        }
        if (DetectInterval <= TimeSpan.Zero)
            throw new Akka.Configuration.ConfigurationException($"{path}.detectInterval must be positive");
        return this;
    }
}

/// <summary>
/// Which brokers new sends avoid, and until when (RocketMQ's LatencyFaultTolerance). Each broker's
/// latest send decides: a slow one keeps it out of queue selection for a while, a fast one lets it
/// back at once, and a failed one counts as the slowest and stays isolated until a probe finds it
/// answering again (RocketMQ's service detector), so a broker back from a crash or failover is not
/// left idle for the whole duration. Node addresses whose gateway failed are
/// kept apart, for a fixed <see cref="NodeFailureMillis"/>: they only steer which node of a group
/// is used. Not thread-safe: one per producer actor.
/// </summary>
internal sealed class BrokerFaultTracker
{
    /// <summary>How long a node address whose gateway failed is passed over while its group has another node.</summary>
    public const long NodeFailureMillis = 3000;

    private readonly long[] _latencyMax;
    private readonly long[] _notAvailableDuration;
    private readonly bool _latencyFaultEnabled;
    private readonly Func<long>? _clock;
    private readonly Dictionary<string, long> _brokerAvoidedUntil = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _nodeFailedUntil = new(StringComparer.Ordinal);
    private readonly HashSet<string> _isolated = new(StringComparer.Ordinal);

    /// <param name="clock">Milliseconds on a monotonic clock; <see cref="Environment.TickCount64"/> unless a test drives it.</param>
    public BrokerFaultTracker(FaultAvoidanceSettings settings, Func<long>? clock = null)
    {
        _latencyMax = settings.LatencyMax.ToArray();
        _notAvailableDuration = settings.NotAvailableDuration.ToArray();
        _latencyFaultEnabled = settings.SendLatencyFaultEnable;
        _clock = clock;
    }

    public long Now => _clock?.Invoke() ?? Environment.TickCount64;

    /// <summary>RocketMQ's computeNotAvailableDuration: the duration of the largest latencyMax the latency reaches.</summary>
    public long NotAvailableDuration(long latencyMillis)
    {
        for (var i = _latencyMax.Length - 1; i >= 0; i--)
            if (latencyMillis >= _latencyMax[i]) return _notAvailableDuration[i];
        return 0;
    }

    /// <summary>A send to brokerName took latencyMillis; isolation (it failed) counts as the slowest.</summary>
    public void UpdateFaultItem(string brokerName, long latencyMillis, bool isolation)
    {
        var duration = isolation ? _notAvailableDuration[^1] : _latencyFaultEnabled ? NotAvailableDuration(latencyMillis) : 0;
        if (duration > 0) _brokerAvoidedUntil[brokerName] = Now + duration;
        else _brokerAvoidedUntil.Remove(brokerName);
        if (isolation && duration > 0) _isolated.Add(brokerName);
        else _isolated.Remove(brokerName);
    }

    /// <summary>Brokers avoided because a send to them failed, still within their duration: the ones to probe.</summary>
    public IReadOnlyList<string> IsolatedBrokers(long now)
    {
        if (_isolated.Count == 0) return Array.Empty<string>();
        // Whose time ran out is available again without a probe.
        _isolated.RemoveWhere(b => IsAvailable(b, now));
        return _isolated.ToArray();
    }

    /// <summary>A probe found an isolated broker answering: new sends may use it again.</summary>
    public bool Reachable(string brokerName)
    {
        if (!_isolated.Remove(brokerName)) return false;
        _brokerAvoidedUntil.Remove(brokerName);
        return true;
    }

    /// <summary>A send to brokerName failed (unreachable gateway, dead node).</summary>
    public void BrokerFailed(string brokerName) => UpdateFaultItem(brokerName, 0, isolation: true);

    public bool IsAvailable(string brokerName, long now) =>
        !_brokerAvoidedUntil.TryGetValue(brokerName, out var until) || until <= now;

    public void NodeFailed(string address) => _nodeFailedUntil[address] = Now + NodeFailureMillis;

    public bool HasNodeFailed(string address, long now) => _nodeFailedUntil.TryGetValue(address, out var until) && until > now;
}
