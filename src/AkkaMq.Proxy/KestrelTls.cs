using System.Security.Cryptography.X509Certificates;
using AkkaMq.Protocol.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace AkkaMq.Proxy;

/// <summary>
/// akkamq.tls on a Kestrel listener (the gRPC and HTTP endpoints): enforcing runs TLS on every connection;
/// permissive peeks the first byte and runs TLS only for a TLS handshake record (0x16), plaintext otherwise; client-auth
/// asks TLS clients for a certificate that client-ca-path signed (mutual TLS).
/// </summary>
public static class KestrelTls
{
    /// <summary>First byte of a TLS record carrying a handshake (the ClientHello).</summary>
    public const byte HandshakeRecord = 0x16;

    /// <summary>Applies <paramref name="tls"/> to <paramref name="listen"/>; disabled leaves it plaintext and untouched.</summary>
    public static void Apply(ListenOptions listen, TlsSettings tls, X509Certificate2? certificate)
    {
        if (!tls.Enabled || certificate == null) return;
        var https = new HttpsConnectionAdapterOptions { ServerCertificate = certificate };
        if (tls.ClientAuth != TlsClientAuth.None)
        {
            // Refused in the handshake: the connection fails before any request, and the listener keeps serving others.
            https.ClientCertificateMode = tls.ClientAuth == TlsClientAuth.Require ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = TlsClientAuthentication.Validator(tls.ClientCaPath);
        }
        if (tls.ServerMode == TlsServerMode.Enforcing)
        {
            listen.UseHttps(https);
            return;
        }
        // Middleware applies outermost first: the peek, then TLS, then the capture of what follows TLS (the HTTP handler),
        // which the peek calls straight for a plaintext connection.
        ConnectionDelegate? plaintext = null;
        listen.Use(tlsPath => async context =>
        {
            var input = context.Transport.Input;
            var read = await input.ReadAsync(context.ConnectionClosed);
            if (read.Buffer.IsEmpty) return;
            var first = read.Buffer.FirstSpan[0];
            // Nothing consumed or examined beyond the start: the next reader sees the same bytes.
            input.AdvanceTo(read.Buffer.Start);
            await (first == HandshakeRecord ? tlsPath : plaintext!)(context);
        });
        listen.UseHttps(https);
        listen.Use(next =>
        {
            plaintext = next;
            return next;
        });
    }
}
