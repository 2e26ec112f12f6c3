using Grpc.Core;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Telemetry;

/// <summary>
/// One client's Telemetry response stream, written by the Settings loop and by the transaction check-backs: gRPC allows
/// one write at a time, so writes take turns. A write to a stream that has ended is false, never a throw.
/// </summary>
public sealed class TelemetryWriter(IServerStreamWriter<V2.TelemetryCommand> stream, CancellationToken streamEnded)
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task<bool> WriteAsync(V2.TelemetryCommand command)
    {
        try
        {
            await _turn.WaitAsync(streamEnded);
            try
            {
                await stream.WriteAsync(command, streamEnded);
                return true;
            }
            finally
            {
                _turn.Release();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException || e is RpcException)
        {
            return false;
        }
    }
}
