using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Akka.Serialization;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// One TCP connection of the data channel, carrying AkkaMq wire messages as length-prefixed frames:
/// [int32 big-endian length of the rest][int64 request id][byte manifest length][manifest, ASCII]
/// [payload of AkkaMqSerializer]. Request id 0: a message whose reply finds its sender by its own
/// correlation ids (a send batch and its acks); otherwise the one reply carries the request's id.
/// The client opens with <see cref="Preamble"/> so that a stray connection is refused at once.
/// Sends are queued and one writer loop writes whatever has queued up in one socket write, so
/// frames that arrive together leave together (the same coalescing Netty's flush gives RocketMQ).
/// </summary>
public sealed class FramedConnection : IDisposable
{
    /// <summary>"AKMQ" and a protocol version byte.</summary>
    public static ReadOnlySpan<byte> Preamble => "AKMQ\u0001"u8;

    private const int HeaderBytes = 4;
    private const int IdBytes = 8;
    private const int MaxWriteBytes = 256 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SerializerWithStringManifest _serializer;
    private readonly int _maxFrameBytes;
    private readonly Channel<(long Id, string Manifest, byte[] Payload)> _outbox =
        Channel.CreateUnbounded<(long, string, byte[])>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FramedConnection(Socket socket, SerializerWithStringManifest serializer, int maxFrameBytes)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _serializer = serializer;
        _maxFrameBytes = maxFrameBytes;
    }

    /// <summary>Completes once when the connection is gone: null when closed in order, else the reason.</summary>
    public Task<Exception?> Closed => _closed.Task;

    public string Remote => _socket.RemoteEndPoint?.ToString() ?? "?";

    /// <summary>Starts the read and write loops. <paramref name="onMessage"/> runs on the reading thread, in order.</summary>
    public void Start(Action<object, long> onMessage, bool writePreamble, bool expectPreamble)
    {
        _ = WriteLoop(writePreamble);
        _ = ReadLoop(onMessage, expectPreamble);
    }

    /// <summary>Queues a message; serialized on the caller's thread, written by the writer loop.</summary>
    public void Send(object message, long requestId = 0)
    {
        var payload = _serializer.ToBinary(message);
        var manifest = _serializer.Manifest(message);
        if (IdBytes + 1 + manifest.Length + payload.Length > _maxFrameBytes)
            throw new InvalidOperationException($"{message.GetType().Name} of {payload.Length} bytes exceeds the data channel's frame limit of {_maxFrameBytes} bytes");
        _outbox.Writer.TryWrite((requestId, manifest, payload));
    }

    private async Task WriteLoop(bool writePreamble)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var reader = _outbox.Reader;
        try
        {
            if (writePreamble) await _stream.WriteAsync(Preamble.ToArray(), _cts.Token).ConfigureAwait(false);
            while (await reader.WaitToReadAsync(_cts.Token).ConfigureAwait(false))
            {
                buffer.ResetWrittenCount();
                while (buffer.WrittenCount < MaxWriteBytes && reader.TryRead(out var frame))
                {
                    var head = HeaderBytes + IdBytes + 1 + frame.Manifest.Length;
                    var span = buffer.GetSpan(head);
                    BinaryPrimitives.WriteInt32BigEndian(span, head - HeaderBytes + frame.Payload.Length);
                    BinaryPrimitives.WriteInt64BigEndian(span[HeaderBytes..], frame.Id);
                    span[HeaderBytes + IdBytes] = (byte)frame.Manifest.Length;
                    Encoding.ASCII.GetBytes(frame.Manifest, span[(HeaderBytes + IdBytes + 1)..]);
                    buffer.Advance(head);
                    buffer.Write(frame.Payload);
                }
                await _stream.WriteAsync(buffer.WrittenMemory, _cts.Token).ConfigureAwait(false);
            }
            Close(null);
        }
        catch (Exception e)
        {
            Close(e);
        }
    }

    private async Task ReadLoop(Action<object, long> onMessage, bool expectPreamble)
    {
        var buf = new byte[64 * 1024];
        int start = 0, end = 0;
        try
        {
            if (expectPreamble)
            {
                var pre = new byte[Preamble.Length];
                await _stream.ReadExactlyAsync(pre, _cts.Token).ConfigureAwait(false);
                if (!pre.AsSpan().SequenceEqual(Preamble))
                    throw new InvalidDataException($"{Remote} is not an AkkaMq data-channel client (bad preamble)");
            }
            while (true)
            {
                while (end - start >= HeaderBytes)
                {
                    var length = BinaryPrimitives.ReadInt32BigEndian(buf.AsSpan(start));
                    if (length < IdBytes + 2 || length > _maxFrameBytes)
                        throw new InvalidDataException($"frame of {length} bytes from {Remote} is outside {IdBytes + 2}..{_maxFrameBytes}");
                    if (end - start - HeaderBytes < length) break;
                    var id = BinaryPrimitives.ReadInt64BigEndian(buf.AsSpan(start + HeaderBytes));
                    var manifestLength = buf[start + HeaderBytes + IdBytes];
                    if (manifestLength == 0 || IdBytes + 1 + manifestLength > length)
                        throw new InvalidDataException($"frame from {Remote} has a manifest length of {manifestLength} in {length} bytes");
                    var at = start + HeaderBytes + IdBytes + 1;
                    var manifest = Encoding.ASCII.GetString(buf, at, manifestLength);
                    var payload = buf.AsSpan(at + manifestLength, length - IdBytes - 1 - manifestLength).ToArray();
                    object message;
                    try { message = _serializer.FromBinary(payload, manifest); }
                    catch (Exception e) { throw new InvalidDataException($"frame '{manifest}' from {Remote} does not decode: {e.Message}", e); }
                    onMessage(message, id);
                    start += HeaderBytes + length;
                }
                if (start == end) start = end = 0;
                else if (start > 0 && buf.Length - end < 4096)
                {
                    Buffer.BlockCopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end - start >= HeaderBytes)
                {
                    // A frame larger than the buffer: grow to hold it whole.
                    var need = HeaderBytes + BinaryPrimitives.ReadInt32BigEndian(buf.AsSpan(start));
                    if (need > buf.Length - start)
                    {
                        var bigger = new byte[Math.Max(need, buf.Length * 2)];
                        Buffer.BlockCopy(buf, start, bigger, 0, end - start);
                        end -= start;
                        start = 0;
                        buf = bigger;
                    }
                }
                var n = await _stream.ReadAsync(buf.AsMemory(end), _cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    Close(end > start ? new EndOfStreamException($"{Remote} closed the connection inside a frame") : null);
                    return;
                }
                end += n;
            }
        }
        catch (Exception e)
        {
            Close(e);
        }
    }

    private void Close(Exception? reason)
    {
        if (!_closed.TrySetResult(_cts.IsCancellationRequested ? null : reason)) return;
        _outbox.Writer.TryComplete();
        _cts.Cancel();
        try { _socket.Shutdown(SocketShutdown.Both); } catch { /* already gone */ }
        _stream.Dispose();
    }

    public void Dispose()
    {
        _cts.Cancel();
        Close(null);
    }
}
