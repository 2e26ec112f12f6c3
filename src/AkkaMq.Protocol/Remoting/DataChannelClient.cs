using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// A client's connection to one broker's data channel, standing in for the broker gateway: every
/// AkkaMq message told to it goes to the gateway. Replies to the parent's messages (or to messages
/// without a sender) come back to the parent; any other sender (an Ask) gets its one reply under a
/// request id. It stops when the connection fails or closes, so a parent that watches it fails over
/// as it does when a remote gateway dies; open asks then fail at once. Messages told before the
/// connection is up wait for it. With a <see cref="DataChannelPlan"/> asking for them, the connection
/// is secured with TLS and the broker's challenge answered before it counts as open; a refused
/// handshake stops this actor like a failed connect (its parent then uses the gateway).
/// </summary>
public sealed class DataChannelClient : ReceiveActor
{
    /// <summary>
    /// Told to the parent once connected (when asked for in Props): it may then write its own
    /// messages straight to the connection, saving the hop through this actor. Replies still come
    /// to the parent, and this actor still stops when the connection ends.
    /// </summary>
    public sealed record Opened(IActorRef Channel, FramedConnection Connection) : INoSerializationVerificationNeeded;

    /// <summary>Answered with <see cref="Opened"/> once connected, or a failure when the connection cannot be made.</summary>
    public sealed class AwaitOpen : INoSerializationVerificationNeeded
    {
        public static readonly AwaitOpen Instance = new();
    }

    private sealed record Connected(Socket Socket, Stream? Tls) : INoSerializationVerificationNeeded;
    private sealed record HandshakeDone(Auth.DataChannelAuthResult Result) : INoSerializationVerificationNeeded;
    private sealed record ConnectFailed(Exception Error) : INoSerializationVerificationNeeded;
    private sealed record ConnectionClosed(Exception? Reason) : INoSerializationVerificationNeeded;

    private readonly string _host;
    private readonly int _port;
    private readonly int _maxFrameBytes;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<(object Message, long Id)> _waiting = new();
    private readonly List<IActorRef> _openWaiters = new();
    // Askers by request id; the reading thread answers them directly (one thread hop fewer per reply).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, IActorRef> _asks = new();
    private long _nextId;
    private readonly CancellationTokenSource _connectCancel = new();
    private readonly DataChannelPlan _plan;
    private readonly DataChannelClientSecurity _security;
    private FramedConnection? _connection;
    // Connected, and (with a handshake) accepted by the broker: messages are written at once.
    private bool _open;

    /// <param name="plan">TLS and handshake to use (from <see cref="DataChannelPlan.Choose"/>); default plaintext, no handshake.</param>
    /// <param name="security">The CA to trust and the credentials to answer with, as the plan needs.</param>
    public static Props Props(string host, int port, int maxFrameBytes, TimeSpan connectTimeout, bool tellParentOpened = false,
        DataChannelPlan plan = default, DataChannelClientSecurity? security = null) =>
        Akka.Actor.Props.Create(() => new DataChannelClient(host, port, maxFrameBytes, connectTimeout, tellParentOpened, plan,
            security ?? DataChannelClientSecurity.None));

    public DataChannelClient(string host, int port, int maxFrameBytes, TimeSpan connectTimeout, bool tellParentOpened,
        DataChannelPlan plan, DataChannelClientSecurity security)
    {
        _host = host;
        _port = port;
        _maxFrameBytes = maxFrameBytes;
        _plan = plan;
        _security = security;
        _connectCancel.CancelAfter(connectTimeout);
        Receive<Connected>(m =>
        {
            var parent = Context.Parent;
            var asks = _asks;
            var connection = _connection = new FramedConnection(m.Socket, m.Tls, DataChannelServer.Serializer(Context.System), _maxFrameBytes, writePreamble: true);
            Action<object, long> onReply = (reply, id) =>
            {
                if (id == 0) parent.Tell(reply, ActorRefs.NoSender);
                else if (asks.TryRemove(id, out var asker)) asker.Tell(reply);
            };
            if (_plan.Handshake) connection.Start(Handshaking(connection, onReply), expectPreamble: false);
            else connection.Start(onReply, expectPreamble: false);
            connection.Closed.PipeTo(Self, success: r => new ConnectionClosed(r));
            if (!_plan.Handshake) Opening(tellParentOpened);
        });
        Receive<HandshakeDone>(m =>
        {
            if (m.Result.Code == ResponseCode.Success) Opening(tellParentOpened);
            else Self.Tell(new ConnectFailed(new UnauthorizedAccessException($"the broker refused the session: {m.Result.Error}")));
        });
        Receive<AwaitOpen>(_ =>
        {
            if (_open) Sender.Tell(new Opened(Self, _connection!));
            else _openWaiters.Add(Sender);
        });
        Receive<ConnectFailed>(m =>
        {
            _log.Warning("Data channel to {0}:{1} could not connect: {2}", _host, _port, m.Error.Message);
            foreach (var w in _openWaiters) w.Tell(new Status.Failure(m.Error));
            _openWaiters.Clear();
            Context.Stop(Self);
        });
        Receive<ConnectionClosed>(m =>
        {
            if (m.Reason != null) _log.Warning("Data channel to {0}:{1} closed: {2}", _host, _port, m.Reason.Message);
            Context.Stop(Self);
        });
        Receive<IAkkaMqMessage>(m =>
        {
            long id = 0;
            if (!Sender.IsNobody() && !Sender.Equals(Context.Parent))
            {
                id = ++_nextId;
                _asks[id] = Sender;
            }
            if (_open) Write(m, id);
            else _waiting.Add((m, id));
        });
    }

    private void Opening(bool tellParentOpened)
    {
        _open = true;
        foreach (var (message, id) in _waiting) Write(message, id);
        _waiting.Clear();
        if (tellParentOpened) Context.Parent.Tell(new Opened(Self, _connection!));
        foreach (var w in _openWaiters) w.Tell(new Opened(Self, _connection!));
        _openWaiters.Clear();
    }

    /// <summary>On the reading thread: answers the challenge, reports the result, then passes replies on.</summary>
    private Action<object, long> Handshaking(FramedConnection connection, Action<object, long> onReply)
    {
        var self = Self;
        var security = _security;
        var accepted = false;
        return (reply, id) =>
        {
            if (accepted) onReply(reply, id);
            else if (reply is Auth.DataChannelAuthChallenge challenge) connection.Send(security.Answer(challenge, DateTimeOffset.UtcNow));
            else if (reply is Auth.DataChannelAuthResult result)
            {
                accepted = result.Code == ResponseCode.Success;
                self.Tell(new HandshakeDone(result));
            }
            else throw new InvalidDataException($"{reply.GetType().Name} from the broker before the session handshake ended");
        };
    }

    private void Write(object message, long id)
    {
        try
        {
            _connection!.Send(message, id);
        }
        catch (Exception e)
        {
            // Over the frame limit: the request never leaves; an asker learns why at once.
            _log.Error("Data channel to {0}:{1}: {2}", _host, _port, e.Message);
            if (id != 0 && _asks.TryRemove(id, out var asker)) asker.Tell(new Status.Failure(e));
        }
    }

    protected override void PreStart()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var cancel = _connectCancel;
        if (!_plan.Tls)
        {
            socket.ConnectAsync(_host, _port, _connectCancel.Token).AsTask().ContinueWith(t =>
            {
                // Connected just as this actor stopped (or timed out): nobody will own the socket.
                if (t.IsCompletedSuccessfully && !cancel.IsCancellationRequested) return (object)new Connected(socket, null);
                socket.Dispose();
                return new ConnectFailed(t.Exception?.GetBaseException() ?? new TimeoutException("connect timed out"));
            }, TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self);
            return;
        }
        ConnectTls(socket, _host, _port, _security, cancel).PipeTo(Self);
    }

    private static async Task<object> ConnectTls(Socket socket, string host, int port, DataChannelClientSecurity security, CancellationTokenSource cancel)
    {
        System.Net.Security.SslStream? tls = null;
        try
        {
            await socket.ConnectAsync(host, port, cancel.Token).ConfigureAwait(false);
            tls = await security.ConnectTlsAsync(socket, host, cancel.Token).ConfigureAwait(false);
            if (!cancel.IsCancellationRequested) return new Connected(socket, tls);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            return new ConnectFailed(new IOException($"TLS to {host}:{port} failed: {e.GetBaseException().Message}", e));
        }
        catch (Exception)
        {
            // Timed out or stopped: reported below.
        }
        tls?.Dispose();
        socket.Dispose();
        return new ConnectFailed(new TimeoutException("connect timed out"));
    }

    protected override void PostStop()
    {
        foreach (var (id, _) in _asks)
            if (_asks.TryRemove(id, out var asker))
                asker.Tell(new Status.Failure(new IOException($"data channel to {_host}:{_port} closed before the broker answered")));
        foreach (var w in _openWaiters) w.Tell(new Status.Failure(new IOException($"data channel to {_host}:{_port} stopped before it connected")));
        _connectCancel.Cancel();
        _connection?.Dispose();
    }
}
