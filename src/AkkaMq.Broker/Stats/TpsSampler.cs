namespace AkkaMq.Broker.Stats;

/// <summary>
/// Put/get totals sampled every second; TPS is taken over the last <see cref="Window"/> samples
/// (mqadmin brokerStatus, clusterList).
/// </summary>
public sealed class TpsSampler
{
    public const int Window = 10;

    private readonly Queue<(long At, long Put, long Get)> _samples = new();

    /// <param name="at">Milliseconds of a monotonic clock (Environment.TickCount64).</param>
    public void Sample(long at, long putTotal, long getTotal)
    {
        _samples.Enqueue((at, putTotal, getTotal));
        while (_samples.Count > Window + 1) _samples.Dequeue();
    }

    /// <summary>Put and get TPS from the oldest sample kept to the totals now; at least one sample must have been taken.</summary>
    public (double PutTps, double GetTps) Rates(long now, long putTotal, long getTotal)
    {
        var (at, put, get) = _samples.Peek();
        var seconds = Math.Max(1, now - at) / 1000.0;
        return ((putTotal - put) / seconds, (getTotal - get) / seconds);
    }
}
