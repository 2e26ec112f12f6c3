using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Security;

namespace AkkaMq.Protocol.Remoting;

/// <summary>
/// The data channel server's users and ACLs (the node's auth, implemented outside this assembly): one
/// <see cref="IDataChannelSessionAuth"/> per connection, which challenges the client and then decides each request.
/// </summary>
public interface IDataChannelAuth
{
    IDataChannelSessionAuth Begin(IPAddress? source);
}

/// <summary>One connection's handshake and the user it is bound to. Called on the connection's reading thread only.</summary>
public interface IDataChannelSessionAuth
{
    /// <summary>The challenge sent right after the connection opens (a fresh nonce and the server's time).</summary>
    DataChannelAuthChallenge Challenge();

    /// <summary>Null when the answer proves the user (the session is then bound to it), else the refusal naming the problem.</summary>
    string? Verify(DataChannelAuthResponse response);

    /// <summary>Null when the bound user may make this request now (checked against the live ACLs), else the request's own refusal reply.</summary>
    /// <param name="refusal">The reply to write under the request's id; null when the request expects none (one-way sends).</param>
    bool Refuses(object request, out object? refusal);
}

/// <summary>The data channel server's TLS: the mode and the certificate it serves (akkamq.tls).</summary>
public sealed class DataChannelTlsServer(TlsServerMode mode, X509Certificate2 certificate)
{
    /// <summary>The first byte of a TLS handshake record.</summary>
    private const byte HandshakeRecord = 0x16;

    public TlsServerMode Mode => mode;

    /// <summary>
    /// Reads no byte of the client's: permissive peeks the first one (a TLS handshake record or not),
    /// enforcing refuses anything else. Returns the TLS stream, or null for plaintext (permissive only).
    /// </summary>
    public async Task<SslStream?> AcceptAsync(Socket socket, CancellationToken cancel)
    {
        var first = new byte[1];
        var n = await socket.ReceiveAsync(first, SocketFlags.Peek, cancel).ConfigureAwait(false);
        if (n == 0) throw new IOException("closed before it sent a byte");
        if (first[0] != HandshakeRecord)
        {
            if (mode == TlsServerMode.Permissive) return null;
            throw new AuthenticationException("sent plaintext to a TLS-only data channel (akkamq.tls.server-mode = enforcing)");
        }
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, cancel).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>What a data channel client brings: TLS trust and the credentials it answers a challenge with.</summary>
/// <param name="AccessKey">Empty: no credentials (a broker that challenges is then reached through its gateway).</param>
public sealed record DataChannelClientSecurity(TlsClientSettings Tls, string AccessKey, string SecretKey)
{
    public static readonly DataChannelClientSecurity None = new(TlsClientSettings.Off, "", "");

    public bool HasCredentials => AccessKey.Length > 0;

    /// <summary>The answer to a challenge: HMAC over the server's nonce and this client's time, so no secret crosses the wire.</summary>
    public DataChannelAuthResponse Answer(DataChannelAuthChallenge challenge, DateTimeOffset now)
    {
        var dateTime = RequestSignature.FormatDateTime(now);
        return new DataChannelAuthResponse(AccessKey, challenge.Nonce, dateTime,
            RequestSignature.Sign(SecretKey, RequestSignature.ChallengeData(challenge.Nonce, dateTime)));
    }

    /// <summary>Opens TLS over a connected socket, trusting the CA file and checking the host unless verify-host is off.</summary>
    public async Task<SslStream> ConnectTlsAsync(Socket socket, string host, CancellationToken cancel)
    {
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                RemoteCertificateValidationCallback = Tls.Validator(),
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, cancel).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>How a client reaches a broker's data channel: with TLS or not, with a handshake or not; or why it uses the gateway instead.</summary>
public readonly record struct DataChannelPlan(bool Use, bool Tls, bool Handshake, string? Reason)
{
    /// <summary>
    /// A broker that challenges needs credentials; TLS is used when the client enables it and never
    /// dropped to plaintext; an enforcing port needs it. Anything else: the gateway over Akka.Remote, with the reason.
    /// </summary>
    public static DataChannelPlan Choose(DataChannelEndpoint endpoint, DataChannelClientSecurity client)
    {
        if (endpoint.Port <= 0) return new(false, false, false, "the broker has no data channel");
        if (endpoint.Handshake && !client.HasCredentials)
            return new(false, false, false, "the broker's data channel needs credentials (akkamq.client.access-key)");
        if (client.Tls.Enabled && endpoint.Tls == TlsServerMode.Disabled)
            return new(false, false, false, "akkamq.client.tls is on but the broker's data channel serves no TLS");
        if (!client.Tls.Enabled && endpoint.Tls == TlsServerMode.Enforcing)
            return new(false, false, false, "the broker's data channel is TLS only (enable akkamq.client.tls)");
        return new(true, client.Tls.Enabled, endpoint.Handshake, null);
    }

    public static DataChannelEndpoint Endpoint(Broker.DataChannelAddress a) => new(a.BrokerName, a.Host, a.Port, false, TlsServerMode.Disabled);
}
