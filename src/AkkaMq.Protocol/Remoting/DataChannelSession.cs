using Akka.Actor;
using Akka.Event;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// One accepted data-channel connection: decoded requests go to the target and replies are written
/// back. A request without an id is told with this actor as sender (a send batch: its acks carry
/// their own correlation ids); a request with one is asked, and its reply goes back under that id.
/// Requests read and not answered count in the connection's <see cref="InflightWindow"/>: a send
/// batch counts its acked (not one-way) messages, anything else one; the reader waits while it is full.
/// With auth on (<see cref="IDataChannelSessionAuth"/>) the session opens with a challenge; any frame but a
/// proving answer closes it, and after it every request is authorized for the bound user before it is passed on.
/// </summary>
public sealed class DataChannelSession : ReceiveActor
{
    private sealed record ConnectionClosed(Exception? Reason) : INoSerializationVerificationNeeded;
    private sealed record WriteFailed(string Error) : INoSerializationVerificationNeeded;

    /// <summary>An asked request that has no answer by then has none coming (a held pull ends by its suspend time).</summary>
    public static readonly TimeSpan DefaultAskTimeout = TimeSpan.FromSeconds(30);

    private readonly FramedConnection _connection;
    private readonly InflightWindow _window;
    private readonly string _remote;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="connection">Accepted and not started; this actor starts and owns it.</param>
    /// <param name="auth">The connection's handshake and ACL checks; null with auth off (nothing changes on the wire).</param>
    public static Props Props(FramedConnection connection, InflightWindow window, IActorRef target, Func<object, bool> accepts, TimeSpan askTimeout,
        IDataChannelSessionAuth? auth = null) =>
        Akka.Actor.Props.Create(() => new DataChannelSession(connection, window, target, accepts, askTimeout, auth));

    public DataChannelSession(FramedConnection connection, InflightWindow window, IActorRef target, Func<object, bool> accepts, TimeSpan askTimeout,
        IDataChannelSessionAuth? auth)
    {
        _connection = connection;
        _window = window;
        var self = Self;
        var remote = _remote = _connection.Remote;
        Action<object, long> serve = (m, id) =>
        {
            if (!accepts(m)) throw new InvalidDataException($"{m.GetType().Name} from {remote} is not a data-channel request");
            if (id == 0)
            {
                window.Add(Requests(m), Environment.TickCount64);
                target.Tell(m, self);
                return;
            }
            window.Add(1, Environment.TickCount64);
            // The broker caps a pull's suspend time itself; the cap here only keeps a wild value from overflowing.
            var timeout = askTimeout + (m is Broker.PullMessage p ? TimeSpan.FromMilliseconds(Math.Clamp(p.SuspendTimeoutMillis, 0, 3_600_000)) : TimeSpan.Zero);
            // The answer is written where it completes, not handed to this actor first: one thread hop fewer per pull.
            target.Ask(m, timeout).ContinueWith(t =>
            {
                window.Remove(1, Environment.TickCount64);
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
        };
        if (auth == null) _connection.Start(serve, expectPreamble: true, window);
        else
        {
            _connection.Send(auth.Challenge());
            _connection.Start(Secured(auth, serve, accepts), expectPreamble: true, window, sessionHandshake: true);
        }
        _connection.Closed.PipeTo(Self, success: r => new ConnectionClosed(r));

        Receive<ConnectionClosed>(m =>
        {
            if (m.Reason != null) _log.Warning("Data channel connection from {0} closed: {1}", remote, m.Reason.Message);
            Context.Stop(Self);
        });
        Receive<WriteFailed>(m => Fail(m.Error));
        Receive<IAkkaMqMessage>(m =>
        {
            _window.Remove(m is Broker.SendAcks acks ? acks.Acks.Count : 1, Environment.TickCount64);
            try { _connection.Send(m); }
            catch (Exception e) { Fail(e.Message); }
        });
    }

    /// <summary>Runs on the reading thread: the handshake first, then each request checked for the session's user.</summary>
    private Action<object, long> Secured(IDataChannelSessionAuth auth, Action<object, long> serve, Func<object, bool> accepts)
    {
        var connection = _connection;
        var remote = _remote;
        var state = 0; // 0 awaiting the answer, 1 bound to a user, 2 refused (closing)
        return (m, id) =>
        {
            if (state == 1)
            {
                if (!accepts(m)) throw new InvalidDataException($"{m.GetType().Name} from {remote} is not a data-channel request");
                // The session is bound to its user: a signed request is that user's, checked like any other.
                if (m is Auth.SignedRequest signed) m = signed.Request;
                if (auth.Refuses(m, out var refusal))
                {
                    if (refusal != null) connection.Send(refusal, id);
                    return;
                }
                serve(m, id);
                return;
            }
            if (state == 2) return;
            string? error = m is Auth.DataChannelAuthResponse answer
                ? auth.Verify(answer)
                : $"{m.GetType().Name} before the session handshake: the data channel needs an authenticated session first";
            if (error == null)
            {
                state = 1;
                connection.SessionHandshakeDone();
                connection.Send(new Auth.DataChannelAuthResult(ResponseCode.Success, null));
                return;
            }
            state = 2;
            connection.SendThenClose(new Auth.DataChannelAuthResult(ResponseCode.Unauthorized, error),
                new UnauthorizedAccessException($"{remote} was refused: {error}"));
        };
    }

    /// <summary>Answers a told request will get: one ack per message that is not one-way, else one.</summary>
    private static int Requests(object m)
    {
        if (m is not Broker.SendMessages batch) return 1;
        var acked = 0;
        foreach (var e in batch.Entries)
            if (!e.Oneway) acked++;
        return acked;
    }

    // A reply that cannot be written (over the frame limit): close, so the client fails over at once instead of waiting.
    private void Fail(string error)
    {
        _log.Error("Data channel connection from {0}: {1}; closing it", _remote, error);
        Context.Stop(Self);
    }

    protected override void PostStop() => _connection.Dispose();
}
