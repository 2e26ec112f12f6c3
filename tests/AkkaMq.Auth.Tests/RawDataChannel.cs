using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Serialization;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Remoting;
using AkkaMq.Protocol.Security;

namespace AkkaMq.Auth.Tests;

/// <summary>A data channel connection driven frame by frame, as a hostile or hand-written client would.</summary>
internal sealed class RawDataChannel : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly Channel<(object Message, long Id)> _inbox = Channel.CreateUnbounded<(object, long)>();

    private RawDataChannel(FramedConnection connection) => Connection = connection;

    public FramedConnection Connection { get; }

    /// <param name="node">Its serializer frames the messages (a node's never signs them).</param>
    /// <param name="tls">TLS with this client's trust; null for plaintext.</param>
    public static async Task<RawDataChannel> OpenAsync(ActorSystem node, int port, DataChannelClientSecurity? tls = null)
    {
        var serializer = (SerializerWithStringManifest)node.Serialization.FindSerializerForType(typeof(IAkkaMqMessage));
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        Stream? stream = null;
        if (tls != null)
        {
            try { stream = await tls.ConnectTlsAsync(socket, "127.0.0.1", new CancellationTokenSource(Wait).Token); }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        var raw = new RawDataChannel(new FramedConnection(socket, stream, serializer, 4 << 20, writePreamble: true));
        raw.Connection.Start((m, id) => raw._inbox.Writer.TryWrite((m, id)), expectPreamble: false);
        return raw;
    }

    public async Task<(object Message, long Id)> NextAsync()
    {
        using var cancel = new CancellationTokenSource(Wait);
        return await _inbox.Reader.ReadAsync(cancel.Token);
    }

    public async Task<T> NextAsync<T>() => Assert.IsType<T>((await NextAsync()).Message);

    /// <summary>Reads the challenge and answers it as user with secret, signing at the given time (now by default).</summary>
    public async Task<DataChannelAuthResult> HandshakeAsync(string user, string secret, DateTimeOffset? at = null)
    {
        var challenge = await NextAsync<DataChannelAuthChallenge>();
        Connection.Send(new DataChannelClientSecurity(TlsClientSettings.Off, user, secret).Answer(challenge, at ?? DateTimeOffset.UtcNow));
        return await NextAsync<DataChannelAuthResult>();
    }

    /// <summary>Completes when the broker closed the connection.</summary>
    public Task ClosedAsync() => Connection.Closed.WaitAsync(Wait);

    public static SendMessages Send(string topic, long correlationId = 1) =>
        new("broker-a", new[] { new SendEntry(correlationId, 0, false, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), new Message(topic, "raw"u8.ToArray())) });

    public static PullMessage Pull(string topic, string group, long offset = 0) => new("broker-a", group, topic, 0, offset, 8, "*", 0);

    public void Dispose() => Connection.Dispose();
}
