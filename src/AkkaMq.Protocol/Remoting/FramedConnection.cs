using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Akka.Serialization;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// One TCP connection of the data channel, carrying AkkaMq wire messages as length-prefixed frames:
/// [int32 big-endian length of the rest][int64 request id][byte manifest length][manifest, ASCII]
/// [payload of AkkaMqSerializer]. Request id 0: a message whose reply finds its sender by its own
/// correlation ids (a send batch and its acks); otherwise the one reply carries the request's id.
/// The client opens with <see cref="Preamble"/> so that a stray connection is refused at once.
/// A send is written on the caller's thread when no write is under way, and completes there when
/// the socket takes it at once (the usual case), so a frame costs no thread hop. Frames that queue
/// up behind a write leave together in the next one (the coalescing Netty's flush gives RocketMQ).
/// A frame is held only as its bytes arrive: the read buffer grows with them, never ahead of them
/// to the declared length, so a header claiming the frame limit costs nothing until it is sent.
/// Over TLS the same frames go through an <see cref="System.Net.Security.SslStream"/>; plaintext writes go to the socket.
/// </summary>
public sealed class FramedConnection : IDisposable
{
    /// <summary>"AKMQ" and a protocol version byte.</summary>
    public static ReadOnlySpan<byte> Preamble => "AKMQ\u0001"u8;

    private const int HeaderBytes = 4;
    private const int IdBytes = 8;
    private const int BufferBytes = 64 * 1024;
    // Frames in a row that fit the default buffer before a grown read buffer is given back.
    private const int ShrinkAfterSmallFrames = 64;

    private readonly Socket _socket;
    private readonly Stream _stream;
    // Set for TLS: writes go through it; null for plaintext, whose writes go straight to the socket.
    private readonly Stream? _tls;
    // A refusal written last: the connection closes once it has left (see SendThenClose).
    private Exception? _closeWhenWritten;
    private readonly SerializerWithStringManifest _serializer;
    private readonly int _maxFrameBytes;
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    // Frames not yet handed to the socket, and the buffer a write is sending from; swapped per write.
    private ArrayBufferWriter<byte> _pending = new(BufferBytes);
    private ArrayBufferWriter<byte> _sending = new(BufferBytes);
    // A write is under way; whoever runs it also writes what queues up meanwhile.
    private bool _writing;
    private bool _started;
    private readonly OutputBudget? _output;
    // What the server's sweep reads (Environment.TickCount64 ms): see ConnectionDeadlines.
    private readonly long _openedAt = Environment.TickCount64;
    private long _lastReadAt = Environment.TickCount64;
    private long _frameStartedAt;
    private bool _handshaken;
    private bool _readPaused;
    private int _readBufferBytes;

    /// <param name="writePreamble">The client's side: the preamble goes out ahead of every frame.</param>
    /// <param name="maxOutputBytes">Frames queued and not yet taken by the socket past which the connection is closed (0 = no limit).</param>
    public FramedConnection(Socket socket, SerializerWithStringManifest serializer, int maxFrameBytes, bool writePreamble, long maxOutputBytes = 0)
        : this(socket, null, serializer, maxFrameBytes, writePreamble, maxOutputBytes)
    {
    }

    /// <param name="tls">A TLS stream over socket, already authenticated (it then carries every byte); null for plaintext.</param>
    public FramedConnection(Socket socket, Stream? tls, SerializerWithStringManifest serializer, int maxFrameBytes, bool writePreamble,
        long maxOutputBytes = 0)
    {
        if (maxOutputBytes > 0) _output = new OutputBudget(maxOutputBytes);
        if (writePreamble) _pending.Write(Preamble);
        _socket = socket;
        Remote = socket.RemoteEndPoint?.ToString() ?? "?";
        _socket.NoDelay = true;
        // A peer gone without a reset (a dropped NAT flow, a frozen host) is noticed in ~20 s, not
        // after the kernel's retransmission limit: its sends and pulls then fail over.
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        _socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
        _socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 3);
        _socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        _tls = tls;
        _stream = tls ?? new NetworkStream(socket, ownsSocket: true);
        _serializer = serializer;
        _maxFrameBytes = maxFrameBytes;
    }

    /// <summary>Completes once when the connection is gone: null when closed in order, else the reason.</summary>
    public Task<Exception?> Closed => _closed.Task;

    // Kept from the start: a disposed socket no longer names its peer, and close reasons need it.
    public string Remote { get; }

    /// <summary>What the connection has done so far, for the server's timeouts.</summary>
    public ConnectionActivity Activity => new(_openedAt, Volatile.Read(ref _handshaken), Volatile.Read(ref _lastReadAt),
        Volatile.Read(ref _frameStartedAt), Volatile.Read(ref _readPaused));

    /// <summary>Bytes the reader holds for frames under way (its buffer).</summary>
    public int ReadBufferBytes => Volatile.Read(ref _readBufferBytes);

    /// <summary>Bytes of frames queued and not yet taken by the socket (0 without an output limit).</summary>
    public long QueuedOutputBytes => _output?.Queued ?? 0;

    /// <summary>Closes the connection for a reason the owner decided (a limit); <see cref="Closed"/> carries it.</summary>
    public void Abort(string reason) => Close(new DataChannelLimitException($"{Remote} {reason}"));

    /// <summary>Starts reading and writing. <paramref name="onMessage"/> runs on the reading thread, in order.</summary>
    /// <param name="window">Requests not yet answered: while it is full the reader waits before the next frame.</param>
    /// <param name="sessionHandshake">The handshake (for the server's timeout) ends at <see cref="SessionHandshakeDone"/>, not at the preamble.</param>
    public void Start(Action<object, long> onMessage, bool expectPreamble, InflightWindow? window = null, bool sessionHandshake = false)
    {
        lock (_gate)
        {
            _started = true;
            _writing = _pending.WrittenCount > 0;
        }
        if (_writing) Flush();
        _ = ReadLoop(onMessage, expectPreamble, window, sessionHandshake);
    }

    /// <summary>The session handshake succeeded: the handshake timeout no longer applies.</summary>
    public void SessionHandshakeDone() => Volatile.Write(ref _handshaken, true);

    /// <summary>Whether frames travel over TLS.</summary>
    public bool Tls => _tls != null;

    /// <summary>Writes a last message (a refusal) and closes the connection once it has left, with reason as the close reason.</summary>
    public void SendThenClose(object message, Exception reason)
    {
        lock (_gate) _closeWhenWritten = reason;
        Send(message);
        lock (_gate)
            if (_writing) return;
        Close(reason);
    }

    /// <summary>Serializes a message and writes it, or queues it behind the write under way.</summary>
    public void Send(object message, long requestId = 0)
    {
        var payload = _serializer.ToBinary(message);
        var manifest = _serializer.Manifest(message);
        var head = HeaderBytes + IdBytes + 1 + manifest.Length;
        if (head - HeaderBytes + payload.Length > _maxFrameBytes)
            throw new InvalidOperationException($"{message.GetType().Name} of {payload.Length} bytes exceeds the data channel's frame limit of {_maxFrameBytes} bytes");
        long overLimit = 0;
        lock (_gate)
        {
            if (_closed.Task.IsCompleted) return;
            if (_output != null && !_output.TryQueue(head + payload.Length)) overLimit = _output.Queued + head + payload.Length;
            else if (WriteFrame(head, payload, manifest, requestId)) return;
            else _writing = true;
        }
        if (overLimit > 0)
        {
            // The client does not read its answers: close rather than hold them without bound.
            Close(new DataChannelLimitException($"{Remote} does not read its answers: {overLimit} bytes queued, over the output limit of " +
                                                $"{_output!.MaxBytes} bytes (akkamq.broker.data-channel.max-output-bytes)"));
            return;
        }
        Flush();
    }

    /// <summary>Appends one frame to the pending buffer (under the gate); true when no write needs starting.</summary>
    private bool WriteFrame(int head, byte[] payload, string manifest, long requestId)
    {
        var span = _pending.GetSpan(head);
        BinaryPrimitives.WriteInt32BigEndian(span, head - HeaderBytes + payload.Length);
        BinaryPrimitives.WriteInt64BigEndian(span[HeaderBytes..], requestId);
        span[HeaderBytes + IdBytes] = (byte)manifest.Length;
        Encoding.ASCII.GetBytes(manifest, span[(HeaderBytes + IdBytes + 1)..]);
        _pending.Advance(head);
        _pending.Write(payload);
        return _writing || !_started;
    }

    /// <summary>Writes what is pending until nothing is, or until a write has to wait for the socket.</summary>
    private void Flush()
    {
        while (true)
        {
            var closing = false;
            lock (_gate)
            {
                if (_pending.WrittenCount == 0 || _closed.Task.IsCompleted)
                {
                    _writing = false;
                    if (_closeWhenWritten == null) return;
                    closing = true;
                }
                else
                {
                    if (_sending.Capacity > 4 * BufferBytes) _sending = new ArrayBufferWriter<byte>(BufferBytes); // after a huge frame
                    else _sending.ResetWrittenCount();
                    (_pending, _sending) = (_sending, _pending);
                }
            }
            if (closing)
            {
                // Only after SendThenClose: its last message has left.
                Close(_closeWhenWritten);
                return;
            }
            var data = _sending.WrittenMemory;
            try
            {
                if (_tls != null)
                {
                    var secured = _tls.WriteAsync(data, _cts.Token);
                    if (!secured.IsCompletedSuccessfully)
                    {
                        _ = FinishTlsWrite(secured, data.Length);
                        return;
                    }
                    _output?.Written(data.Length);
                    continue;
                }
                while (data.Length > 0)
                {
                    var write = _socket.SendAsync(data, SocketFlags.None, _cts.Token);
                    if (!write.IsCompletedSuccessfully)
                    {
                        _ = FinishWrite(write, data);
                        return;
                    }
                    _output?.Written(write.Result);
                    data = data[write.Result..];
                }
            }
            catch (Exception e)
            {
                Close(e);
                return;
            }
        }
    }

    private async Task FinishWrite(ValueTask<int> write, ReadOnlyMemory<byte> data)
    {
        try
        {
            var n = await write.ConfigureAwait(false);
            _output?.Written(n);
            data = data[n..];
            while (data.Length > 0)
            {
                n = await _socket.SendAsync(data, SocketFlags.None, _cts.Token).ConfigureAwait(false);
                _output?.Written(n);
                data = data[n..];
            }
        }
        catch (Exception e)
        {
            Close(e);
            return;
        }
        Flush();
    }

    private async Task FinishTlsWrite(ValueTask write, int bytes)
    {
        try
        {
            await write.ConfigureAwait(false);
            _output?.Written(bytes);
        }
        catch (Exception e)
        {
            Close(e);
            return;
        }
        Flush();
    }

    private async Task ReadLoop(Action<object, long> onMessage, bool expectPreamble, InflightWindow? window, bool sessionHandshake)
    {
        var buf = new byte[BufferBytes];
        Volatile.Write(ref _readBufferBytes, buf.Length);
        var smallFrames = 0;
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
            Volatile.Write(ref _lastReadAt, Environment.TickCount64);
            if (!sessionHandshake) Volatile.Write(ref _handshaken, true);
            while (true)
            {
                while (end - start >= HeaderBytes)
                {
                    var length = BinaryPrimitives.ReadInt32BigEndian(buf.AsSpan(start));
                    if (length < IdBytes + 2 || length > _maxFrameBytes)
                        throw new InvalidDataException($"frame of {length} bytes from {Remote} is outside {IdBytes + 2}..{_maxFrameBytes}");
                    if (end - start - HeaderBytes < length) break;
                    if (window?.WaitForRoom() is { IsCompleted: false } room)
                    {
                        // Too many requests unanswered: read nothing more until answers drain.
                        Volatile.Write(ref _readPaused, true);
                        await Task.WhenAny(room, _closed.Task).ConfigureAwait(false);
                        Volatile.Write(ref _readPaused, false);
                        if (_closed.Task.IsCompleted) return;
                    }
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
                    smallFrames = HeaderBytes + length > BufferBytes ? 0 : smallFrames + 1;
                    Volatile.Write(ref _frameStartedAt, 0);
                }
                if (start == end)
                {
                    start = end = 0;
                    // A buffer grown for large frames stays while they keep coming (each regrowth is several
                    // large-object allocations); after a run of small frames it is given back.
                    if (buf.Length > 4 * BufferBytes && smallFrames >= ShrinkAfterSmallFrames) buf = new byte[BufferBytes];
                }
                else if (start > 0 && buf.Length - end < 4096)
                {
                    Buffer.BlockCopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buf.Length)
                {
                    // A frame larger than the buffer (start is 0 here): grow as its bytes arrive, at most to the frame.
                    var need = HeaderBytes + BinaryPrimitives.ReadInt32BigEndian(buf);
                    var bigger = new byte[Math.Min(need, buf.Length * 2)];
                    Buffer.BlockCopy(buf, 0, bigger, 0, end);
                    buf = bigger;
                }
                Volatile.Write(ref _readBufferBytes, buf.Length);
                if (end > start && Volatile.Read(ref _frameStartedAt) == 0) Volatile.Write(ref _frameStartedAt, Environment.TickCount64);
                var n = await _stream.ReadAsync(buf.AsMemory(end), _cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    Close(end > start ? new EndOfStreamException($"{Remote} closed the connection inside a frame") : null);
                    return;
                }
                Volatile.Write(ref _lastReadAt, Environment.TickCount64);
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
        _cts.Cancel();
        try { _socket.Shutdown(SocketShutdown.Both); } catch { /* already gone */ }
        _stream.Dispose();
        if (_tls != null) _socket.Dispose();
    }

    public void Dispose()
    {
        _cts.Cancel();
        Close(null);
    }
}

/// <summary>A data-channel connection closed because it passed one of its limits (akkamq.broker.data-channel).</summary>
public sealed class DataChannelLimitException(string message) : IOException(message);
