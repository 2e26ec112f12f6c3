using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// Accepts data-channel connections (the broker's fastListenPort) and starts a
/// <see cref="DataChannelSession"/> per connection. The listening socket is bound by the caller
/// before this actor starts, so the port is known (and advertised) at once.
/// </summary>
public sealed class DataChannelServer : ReceiveActor, IWithTimers
{
    private sealed record Accepted(Socket Socket) : INoSerializationVerificationNeeded;
    private sealed record AcceptFailed(Exception Error) : INoSerializationVerificationNeeded;

    private sealed class AcceptAgain : INoSerializationVerificationNeeded
    {
        public static readonly AcceptAgain Instance = new();
    }

    private readonly Socket _listener;
    private readonly IActorRef _target;
    private readonly Func<object, bool> _accepts;
    private readonly int _maxFrameBytes;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _sessions;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="listener">A bound, listening socket; this actor owns and closes it.</param>
    /// <param name="target">Receives every request, with the session as sender (replies go straight back).</param>
    /// <param name="accepts">Which decoded messages are requests this channel serves; anything else closes the connection.</param>
    /// <param name="askTimeout">How long a session waits for the target's answer to an asked request beyond its suspend time (default 30 s).</param>
    public static Props Props(Socket listener, IActorRef target, Func<object, bool> accepts, int maxFrameBytes, TimeSpan? askTimeout = null) =>
        Akka.Actor.Props.Create(() => new DataChannelServer(listener, target, accepts, maxFrameBytes, askTimeout ?? DataChannelSession.DefaultAskTimeout));

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

    public DataChannelServer(Socket listener, IActorRef target, Func<object, bool> accepts, int maxFrameBytes, TimeSpan askTimeout)
    {
        _listener = listener;
        _target = target;
        _accepts = accepts;
        _maxFrameBytes = maxFrameBytes;
        Receive<Accepted>(m =>
        {
            Context.ActorOf(DataChannelSession.Props(m.Socket, _target, _accepts, _maxFrameBytes, askTimeout), "session-" + ++_sessions);
            AcceptNext();
        });
        // The gateway is gone (the node is stopping): stop taking connections for it.
        Receive<Terminated>(_ => Context.Stop(Self));
        Receive<AcceptFailed>(m =>
        {
            if (m.Error is ObjectDisposedException) return; // stopping
            // Out of file descriptors, or a connection reset while queued: keep the port, try again shortly.
            _log.Warning("Data channel on {0} failed to accept a connection: {1}; accepting again in 100 ms", _listener.LocalEndPoint, m.Error.Message);
            Timers.StartSingleTimer(AcceptAgain.Instance, AcceptAgain.Instance, TimeSpan.FromMilliseconds(100));
        });
        Receive<AcceptAgain>(_ => AcceptNext());
    }

    protected override void PreStart()
    {
        _log.Info("Data channel listening on {0}", _listener.LocalEndPoint);
        Context.Watch(_target);
        AcceptNext();
    }

    protected override void PostStop() => _listener.Dispose();

    private void AcceptNext() =>
        _listener.AcceptAsync().ContinueWith(t => t.IsCompletedSuccessfully ? new Accepted(t.Result) : (object)new AcceptFailed(t.Exception!.GetBaseException()),
            TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self);

    internal static SerializerWithStringManifest Serializer(ActorSystem system) =>
        (SerializerWithStringManifest)system.Serialization.FindSerializerForType(typeof(IAkkaMqMessage));
}

/// <summary>
/// One accepted data-channel connection: decoded requests go to the target and replies are written
/// back. A request without an id is told with this actor as sender (a send batch: its acks carry
/// their own correlation ids); a request with one is asked, and its reply goes back under that id.
/// </summary>
public sealed class DataChannelSession : ReceiveActor
{
    private sealed record ConnectionClosed(Exception? Reason) : INoSerializationVerificationNeeded;
    private sealed record WriteFailed(string Error) : INoSerializationVerificationNeeded;

    /// <summary>An asked request that has no answer by then has none coming (a held pull ends by its suspend time).</summary>
    public static readonly TimeSpan DefaultAskTimeout = TimeSpan.FromSeconds(30);

    private readonly FramedConnection _connection;
    private readonly string _remote;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(Socket socket, IActorRef target, Func<object, bool> accepts, int maxFrameBytes, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new DataChannelSession(socket, target, accepts, maxFrameBytes, askTimeout));

    public DataChannelSession(Socket socket, IActorRef target, Func<object, bool> accepts, int maxFrameBytes, TimeSpan askTimeout)
    {
        var connection = _connection = new FramedConnection(socket, DataChannelServer.Serializer(Context.System), maxFrameBytes, writePreamble: false);
        var self = Self;
        var remote = _remote = _connection.Remote;
        _connection.Start((m, id) =>
        {
            if (!accepts(m)) throw new InvalidDataException($"{m.GetType().Name} from {remote} is not a data-channel request");
            if (id == 0)
            {
                target.Tell(m, self);
                return;
            }
            // The broker caps a pull's suspend time itself; the cap here only keeps a wild value from overflowing.
            var timeout = askTimeout + (m is Broker.PullMessage p ? TimeSpan.FromMilliseconds(Math.Clamp(p.SuspendTimeoutMillis, 0, 3_600_000)) : TimeSpan.Zero);
            // The answer is written where it completes, not handed to this actor first: one thread hop fewer per pull.
            target.Ask(m, timeout).ContinueWith(t =>
            {
                var reply = t.IsCompletedSuccessfully ? t.Result as IAkkaMqMessage : null;
                // No answer (or a failure): the client is told so under the request id rather than left waiting for one.
                if (reply == null && m is Broker.PullMessage pull)
                    reply = Broker.PullResult.Failed(pull, ResponseCode.SystemError, t.IsCompletedSuccessfully
                        ? $"broker answered the pull with {t.Result?.GetType().Name ?? "nothing"}"
                        : t.Exception?.GetBaseException() is AskTimeoutException or null
                            ? $"broker did not answer the pull within {timeout.TotalSeconds:0.#} s"
                            : $"broker failed the pull: {t.Exception.GetBaseException().Message}");
                if (reply == null) return;
                try { connection.Send(reply, id); }
                catch (Exception e) { self.Tell(new WriteFailed(e.Message)); }
            }, TaskContinuationOptions.ExecuteSynchronously);
        }, expectPreamble: true);
        _connection.Closed.PipeTo(Self, success: r => new ConnectionClosed(r));

        Receive<ConnectionClosed>(m =>
        {
            if (m.Reason != null) _log.Warning("Data channel connection from {0} closed: {1}", remote, m.Reason.Message);
            Context.Stop(Self);
        });
        Receive<WriteFailed>(m => Fail(m.Error));
        Receive<IAkkaMqMessage>(m =>
        {
            try { _connection.Send(m); }
            catch (Exception e) { Fail(e.Message); }
        });
    }

    // A reply that cannot be written (over the frame limit): close, so the client fails over at once instead of waiting.
    private void Fail(string error)
    {
        _log.Error("Data channel connection from {0}: {1}; closing it", _remote, error);
        Context.Stop(Self);
    }

    protected override void PostStop() => _connection.Dispose();
}

/// <summary>The data channel's port could not be bound (in use, or not an address of this host).</summary>
public sealed class DataChannelBindException(string message, Exception inner) : Exception(message, inner);
