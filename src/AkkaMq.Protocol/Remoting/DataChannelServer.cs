using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// Accepts data-channel connections (the broker's fastListenPort) and starts a
/// <see cref="DataChannelSession"/> per connection. The listening socket is bound by the caller
/// before this actor starts, so the port is known (and advertised) at once. It holds the
/// connection limits (<see cref="DataChannelLimits"/>): a connection past the node's or its source
/// address's cap is closed at once, and a periodic sweep closes connections past a timeout.
/// With TLS (<see cref="DataChannelTlsServer"/>) a connection is secured before its session starts; with
/// auth (<see cref="IDataChannelAuth"/>) each session opens with a challenge (docs/security.md).
/// </summary>
public sealed class DataChannelServer : ReceiveActor, IWithTimers
{
    private sealed record Accepted(Socket Socket) : INoSerializationVerificationNeeded;
    private sealed record AcceptFailed(Exception Error) : INoSerializationVerificationNeeded;
    private sealed record TlsDone(Socket Socket, IPAddress Source, Stream? Tls, Exception? Error) : INoSerializationVerificationNeeded;

    private sealed class AcceptAgain : INoSerializationVerificationNeeded
    {
        public static readonly AcceptAgain Instance = new();
    }

    private sealed class Sweep : INoSerializationVerificationNeeded
    {
        public static readonly Sweep Instance = new();
    }

    /// <summary>Answered with <see cref="CurrentConnections"/>.</summary>
    public sealed class GetConnections : INoSerializationVerificationNeeded
    {
        public static readonly GetConnections Instance = new();
    }

    /// <param name="Open">Connections open now.</param>
    /// <param name="Refused">Connections refused at a connection cap since the server started.</param>
    public sealed record CurrentConnections(int Open, long Refused) : INoSerializationVerificationNeeded;

    private sealed record Session(FramedConnection Connection, InflightWindow Window, IPAddress Source);

    private readonly Socket _listener;
    private readonly IActorRef _target;
    private readonly Func<object, bool> _accepts;
    private readonly int _maxFrameBytes;
    private readonly DataChannelLimits _limits;
    private readonly TimeSpan _askTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ConnectionAdmission _admission;
    private readonly Dictionary<IActorRef, Session> _open = new();
    private readonly IDataChannelAuth? _auth;
    private readonly DataChannelTlsServer? _tls;
    private int _sessions;
    private long _refused;
    // Refusals are logged at most once a second, with the count of those not logged.
    private long _lastRefusalLog = long.MinValue / 2;
    private int _refusalsNotLogged;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="listener">A bound, listening socket; this actor owns and closes it.</param>
    /// <param name="target">Receives every request, with the session as sender (replies go straight back).</param>
    /// <param name="accepts">Which decoded messages are requests this channel serves; anything else closes the connection.</param>
    /// <param name="askTimeout">How long a session waits for the target's answer to an asked request beyond its suspend time (default 30 s).</param>
    /// <param name="limits">Connection caps, timeouts and per-connection budgets (default <see cref="DataChannelLimits.Default"/>).</param>
    /// <param name="auth">Users and ACLs: each session opens with a challenge; null with auth off.</param>
    /// <param name="tls">TLS served on the port (permissive or enforcing); null for plaintext only.</param>
    public static Props Props(Socket listener, IActorRef target, Func<object, bool> accepts, int maxFrameBytes, TimeSpan? askTimeout = null,
        DataChannelLimits? limits = null, IDataChannelAuth? auth = null, DataChannelTlsServer? tls = null) =>
        Akka.Actor.Props.Create(() => new DataChannelServer(listener, target, accepts, maxFrameBytes, askTimeout ?? DataChannelSession.DefaultAskTimeout,
            limits ?? DataChannelLimits.Default, auth, tls));

    /// <summary>Binds host:port (0 = a free port) for <see cref="Props"/>.</summary>
    public static Socket Bind(string host, int port)
    {
        var address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First();
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new DataChannelBindException($"the data channel cannot listen on {host}:{port} (akkamq.broker.fastListenPort): {e.Message}", e);
        }
    }

    public DataChannelServer(Socket listener, IActorRef target, Func<object, bool> accepts, int maxFrameBytes, TimeSpan askTimeout,
        DataChannelLimits limits, IDataChannelAuth? auth, DataChannelTlsServer? tls)
    {
        _auth = auth;
        _tls = tls;
        _listener = listener;
        _target = target;
        _accepts = accepts;
        _maxFrameBytes = maxFrameBytes;
        _limits = limits;
        _askTimeout = askTimeout;
        _admission = new ConnectionAdmission(limits.MaxConnections, limits.MaxConnectionsPerIp);
        Receive<Accepted>(m =>
        {
            OnAccepted(m.Socket);
            AcceptNext();
        });
        Receive<Terminated>(t =>
        {
            if (_open.Remove(t.ActorRef, out var closed)) _admission.Release(closed.Source);
            // The gateway is gone (the node is stopping): stop taking connections for it.
            else if (t.ActorRef.Equals(_target)) Context.Stop(Self);
        });
        Receive<Sweep>(_ => SweepTimeouts());
        Receive<GetConnections>(_ => Sender.Tell(new CurrentConnections(_admission.Open, _refused)));
        Receive<AcceptFailed>(m =>
        {
            if (m.Error is ObjectDisposedException) return; // stopping
            // Out of file descriptors, or a connection reset while queued: keep the port, try again shortly.
            _log.Warning("Data channel on {0} failed to accept a connection: {1}; accepting again in 100 ms", _listener.LocalEndPoint, m.Error.Message);
            Timers.StartSingleTimer(AcceptAgain.Instance, AcceptAgain.Instance, TimeSpan.FromMilliseconds(100));
        });
        Receive<AcceptAgain>(_ => AcceptNext());
        Receive<TlsDone>(m =>
        {
            if (m.Error == null)
            {
                StartSession(m.Socket, m.Tls, m.Source);
                return;
            }
            _admission.Release(m.Source);
            m.Socket.Dispose();
            LogRefusal(m.Source, m.Error is OperationCanceledException
                ? $"no TLS handshake within {_limits.HandshakeTimeout.TotalSeconds:0.#} s (akkamq.broker.data-channel.handshake-timeout)"
                : m.Error.Message);
        });
    }

    protected override void PreStart()
    {
        _log.Info("Data channel listening on {0}{1}{2}", _listener.LocalEndPoint, _tls == null ? "" : $", TLS {_tls.Mode.ToString().ToLowerInvariant()}",
            _auth == null ? "" : ", with session handshake");
        Context.Watch(_target);
        Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, _limits.SweepInterval);
        AcceptNext();
    }

    private void OnAccepted(Socket socket)
    {
        var source = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (_admission.TryAdmit(source) is { } refusal)
        {
            _refused++;
            LogRefusal(source, refusal);
            // Closed without a word: the client sees the connection end, as at a full listen backlog.
            socket.Dispose();
            return;
        }
        if (_tls != null)
        {
            // The first byte decides (TLS or plaintext) before the session starts; a client that sends nothing is closed by the timeout.
            var cancel = new CancellationTokenSource(_limits.HandshakeTimeout > TimeSpan.Zero ? _limits.HandshakeTimeout : TimeSpan.FromSeconds(10));
            _tls.AcceptAsync(socket, cancel.Token).ContinueWith(t =>
            {
                cancel.Dispose();
                return new TlsDone(socket, source, t.IsCompletedSuccessfully ? t.Result : null,
                    t.IsCompletedSuccessfully ? null : t.IsCanceled ? new OperationCanceledException() : t.Exception!.GetBaseException());
            }, TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self);
            return;
        }
        StartSession(socket, null, source);
    }

    private void StartSession(Socket socket, Stream? tls, IPAddress source)
    {
        try
        {
            var connection = new FramedConnection(socket, tls, Serializer(Context.System), _maxFrameBytes, writePreamble: false, _limits.MaxOutputBytes);
            var window = new InflightWindow(_limits.MaxInflightRequests);
            var session = Context.ActorOf(DataChannelSession.Props(connection, window, _target, _accepts, _askTimeout, _auth?.Begin(source)),
                "session-" + ++_sessions);
            _open[Context.Watch(session)] = new Session(connection, window, source);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // Reset before it could be set up.
            _admission.Release(source);
            tls?.Dispose();
            socket.Dispose();
        }
    }

    private void LogRefusal(IPAddress source, string refusal)
    {
        var now = Environment.TickCount64;
        if (now - _lastRefusalLog < 1000)
        {
            _refusalsNotLogged++;
            return;
        }
        var more = _refusalsNotLogged > 0 ? $" ({_refusalsNotLogged} more refused in the last second)" : "";
        _log.Warning("Data channel on {0} refused a connection from {1}: {2}{3}", _listener.LocalEndPoint, source, refusal, more);
        _lastRefusalLog = now;
        _refusalsNotLogged = 0;
    }

    private void SweepTimeouts()
    {
        var now = Environment.TickCount64;
        // A full window with no answer for this long has lost count (an answer that never came): close, the client reconnects.
        var stuckAfter = _askTimeout + _askTimeout;
        foreach (var s in _open.Values)
            if (ConnectionDeadlines.Check(s.Connection.Activity, s.Window.Count, s.Window.LastAnswerAt, now, _limits, stuckAfter) is { } reason)
                s.Connection.Abort(reason);
    }

    protected override void PostStop() => _listener.Dispose();

    private void AcceptNext() =>
        _listener.AcceptAsync().ContinueWith(t => t.IsCompletedSuccessfully ? new Accepted(t.Result) : (object)new AcceptFailed(t.Exception!.GetBaseException()),
            TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self);

    internal static SerializerWithStringManifest Serializer(ActorSystem system) =>
        (SerializerWithStringManifest)system.Serialization.FindSerializerForType(typeof(IAkkaMqMessage));
}

/// <summary>The data channel's port could not be bound (in use, or not an address of this host).</summary>
public sealed class DataChannelBindException(string message, Exception inner) : Exception(message, inner);
