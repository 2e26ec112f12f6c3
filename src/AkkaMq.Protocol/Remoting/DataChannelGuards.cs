using System.Net;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// Which new data-channel connections a node accepts: at most MaxConnections open, and at most
/// MaxConnectionsPerIp from one source address (0 = no limit). Used by the server actor only.
/// </summary>
public sealed class ConnectionAdmission(int maxConnections, int maxConnectionsPerIp)
{
    private readonly Dictionary<IPAddress, int> _perIp = new();

    public int Open { get; private set; }

    /// <summary>Counts the connection in and returns null, or returns why it is refused (and counts nothing).</summary>
    public string? TryAdmit(IPAddress source)
    {
        source = Normalize(source);
        if (maxConnections > 0 && Open >= maxConnections)
            return $"the node holds its limit of {maxConnections} data-channel connections (akkamq.broker.data-channel.max-connections)";
        _perIp.TryGetValue(source, out var fromSource);
        if (maxConnectionsPerIp > 0 && fromSource >= maxConnectionsPerIp)
            return $"{source} holds its limit of {maxConnectionsPerIp} data-channel connections (akkamq.broker.data-channel.max-connections-per-ip)";
        _perIp[source] = fromSource + 1;
        Open++;
        return null;
    }

    /// <summary>A connection admitted from source has closed.</summary>
    public void Release(IPAddress source)
    {
        source = Normalize(source);
        if (!_perIp.TryGetValue(source, out var n)) return;
        if (n <= 1) _perIp.Remove(source);
        else _perIp[source] = n - 1;
        Open--;
    }

    public int OpenFrom(IPAddress source) => _perIp.GetValueOrDefault(Normalize(source));

    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; one client, one key.
    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}

/// <summary>
/// Bytes of answers queued for one connection and not yet taken by its socket. Past the limit the
/// client is not reading, and the connection is closed rather than buffering without bound.
/// Thread-safe: answers are queued on several threads, written on another.
/// </summary>
public sealed class OutputBudget(long maxBytes)
{
    private long _queued;

    public long Queued => Interlocked.Read(ref _queued);
    public long MaxBytes => maxBytes;

    /// <summary>Counts a frame in; false, counting nothing, when it would take the queue over the limit (0 = no limit).</summary>
    public bool TryQueue(int bytes)
    {
        if (Interlocked.Add(ref _queued, bytes) <= maxBytes || maxBytes <= 0) return true;
        Interlocked.Add(ref _queued, -bytes); // refused frames are never held
        return false;
    }

    /// <summary>The socket took these bytes.</summary>
    public void Written(int bytes) => Interlocked.Add(ref _queued, -bytes);
}

/// <summary>
/// Requests read from one connection and not answered yet. At the limit the reader waits for
/// room, so a client pipelining without bound is slowed to the broker's pace, not refused; a
/// well-behaved client under the limit never waits. Thread-safe.
/// </summary>
public sealed class InflightWindow(int max)
{
    private readonly object _gate = new();
    private int _count;
    private long _lastAnswerAt;
    private TaskCompletionSource? _room;

    public int Count { get { lock (_gate) return _count; } }
    public int Max => max;

    /// <summary>Environment.TickCount64 of the last answer (or of the first request).</summary>
    public long LastAnswerAt { get { lock (_gate) return _lastAnswerAt; } }

    /// <summary>True while the window is full (the reader waits).</summary>
    public bool Full { get { lock (_gate) return max > 0 && _count >= max; } }

    public void Add(int requests, long now)
    {
        lock (_gate)
        {
            if (_count == 0) _lastAnswerAt = now;
            _count += requests;
        }
    }

    public void Remove(int answers, long now)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            _count = Math.Max(0, _count - answers);
            _lastAnswerAt = now;
            if (_room != null && (max <= 0 || _count < max)) (wake, _room) = (_room, null);
        }
        wake?.TrySetResult();
    }

    /// <summary>Completed at once while there is room; else completes when an answer makes some.</summary>
    public Task WaitForRoom()
    {
        lock (_gate)
        {
            if (max <= 0 || _count < max) return Task.CompletedTask;
            return (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }
}

/// <summary>What a connection has done, as of a moment, in Environment.TickCount64 milliseconds.</summary>
/// <param name="FrameStartedAt">When the bytes of an incomplete frame (or preamble) began to wait; 0 when none waits.</param>
/// <param name="ReadPaused">The reader waits for room in its in-flight window (not the client's fault).</param>
public readonly record struct ConnectionActivity(long OpenedAt, bool Handshaken, long LastReadAt, long FrameStartedAt, bool ReadPaused);

/// <summary>Whether a data-channel connection has overstayed a timeout, and which one.</summary>
public static class ConnectionDeadlines
{
    /// <param name="inflight">Requests read and not answered: a connection waiting for answers is not idle.</param>
    /// <param name="stuckAfter">A full window with no answer for this long is closed (0 = never).</param>
    public static string? Check(ConnectionActivity a, int inflight, long lastAnswerAt, long now, DataChannelLimits limits, TimeSpan stuckAfter)
    {
        if (!a.Handshaken && Over(limits.HandshakeTimeout, now - a.OpenedAt))
            return $"sent no preamble (with auth on: no proving session handshake) within the handshake timeout of {Text(limits.HandshakeTimeout)} (akkamq.broker.data-channel.handshake-timeout)";
        if (a.Handshaken && a.FrameStartedAt > 0 && !a.ReadPaused && Over(limits.FrameTimeout, now - a.FrameStartedAt))
            return $"left a frame incomplete for longer than the frame timeout of {Text(limits.FrameTimeout)} (akkamq.broker.data-channel.frame-timeout)";
        if (inflight == 0 && a.FrameStartedAt == 0 && Over(limits.IdleTimeout, now - a.LastReadAt))
            return $"idle for longer than the idle timeout of {Text(limits.IdleTimeout)} (akkamq.broker.data-channel.idle-timeout)";
        if (a.ReadPaused && Over(stuckAfter, now - lastAnswerAt))
            return $"has {inflight} requests without an answer for {Text(stuckAfter)}";
        return null;
    }

    private static bool Over(TimeSpan limit, long elapsedMillis) => limit > TimeSpan.Zero && elapsedMillis > limit.TotalMilliseconds;

    private static string Text(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMilliseconds:0} ms";
}
