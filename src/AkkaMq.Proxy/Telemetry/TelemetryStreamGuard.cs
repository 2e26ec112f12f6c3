using AkkaMq.Auth;
using AkkaMq.Proxy.Security;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Telemetry;

/// <summary>
/// One open Telemetry stream's access, with auth on: the Settings it holds, and the first refusal of
/// <see cref="TelemetryAccess"/>, asked by the stream's reader for each command and by <see cref="WatchAsync"/> on each
/// change of users or ACLs. A refusal cancels the stream (end); the reader writes it as the last command.
/// </summary>
public sealed class TelemetryStreamGuard(TelemetryAccess access, CancellationTokenSource end)
{
    private V2.Settings? _held;
    private V2.Status? _refusal;

    public string Username => access.Username;

    /// <summary>The Settings last accepted (none before the first).</summary>
    public V2.Settings? Held
    {
        get => Volatile.Read(ref _held);
        set => Volatile.Write(ref _held, value);
    }

    /// <summary>Why the stream ends, once refused.</summary>
    public V2.Status? Refusal => Volatile.Read(ref _refusal);

    /// <summary>False, and the stream is ended, when the user may no longer hold these Settings.</summary>
    public bool Check(V2.Settings? settings)
    {
        if (Refusal != null) return false;
        if (access.Recheck(settings) is not { } refusal) return true;
        Interlocked.CompareExchange(ref _refusal, refusal, null);
        end.Cancel();
        return false;
    }

    /// <summary>Checks again on every change of the cache until the stream ends or is refused.</summary>
    public async Task WatchAsync(AuthCache cache, CancellationToken streamEnded)
    {
        try
        {
            while (!streamEnded.IsCancellationRequested)
            {
                // Taken before the check, so a change during it is not missed.
                var next = cache.NextChange;
                if (!Check(Held)) return;
                await next.WaitAsync(streamEnded);
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended.
        }
    }
}
