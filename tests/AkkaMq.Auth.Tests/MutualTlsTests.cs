using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using AkkaMq.Hosting.Http;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Security;
using AkkaMq.Proxy;
using AkkaMq.TestKit;
using AkkaMq.Tests;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Net.Client;

namespace AkkaMq.Auth.Tests;

/// <summary>
/// The test CA of the node's certificate, a client CA whose certificate files the node trusts for clients (client-ca-path),
/// a client certificate it signed, and one another CA signed; all made in process.
/// </summary>
public sealed class ClientCertificates : IDisposable
{
    private readonly TempDirectory _dir = new("akkamq-mtls-");

    public ClientCertificates()
    {
        using var clientCa = Ca("CN=akkamq-client-ca");
        ClientCaPath = Path.Combine(_dir.Path, "client-ca.crt");
        File.WriteAllText(ClientCaPath, clientCa.ExportCertificatePem());
        Good = Issue(clientCa, "CN=akkamq-app");
        using var otherCa = Ca("CN=some-other-ca");
        Foreign = Issue(otherCa, "CN=akkamq-app");
    }

    public TestCertificates Server { get; } = new();
    public string ClientCaPath { get; }
    public X509Certificate2 Good { get; }
    public X509Certificate2 Foreign { get; }

    /// <summary>The server block (enforcing, the server's PKCS#12) with client-auth <paramref name="mode"/> and the client CA.</summary>
    public string Hocon(string mode) => Server.Hocon("enforcing") + $$"""

        akkamq.tls { client-auth = {{mode}}, client-ca-path = "{{ClientCaPath}}" }
        """;

    private static X509Certificate2 Ca(string name)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
    }

    /// <summary>A client certificate (TLS Web Client Authentication) that <paramref name="ca"/> signed, with its key kept through PKCS#12.</summary>
    private static X509Certificate2 Issue(X509Certificate2 ca, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.2") }, false));
        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12, "x"), "x");
    }

    public void Dispose()
    {
        Good.Dispose();
        Foreign.Dispose();
        Server.Dispose();
        _dir.Dispose();
    }
}

/// <summary>One node with TLS enforcing and client-auth require (HTTP and a gRPC endpoint), and a gRPC endpoint with request beside it.</summary>
public sealed class MutualTlsNodeFixture : IAsyncLifetime
{
    public ClientCertificates Certs { get; } = new();
    public AkkaMqTestNode Node { get; private set; } = null!;
    public NodeHttpServer Http { get; private set; } = null!;
    public ProxyServer Require { get; private set; } = null!;
    public ProxyServer Request { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await TestNodes.StartStandaloneAsync(Certs.Hocon("require"));
        Http = await NodeHttpServer.StartAsync(Node.System, Node.Settings with { NamesrvAddr = new[] { Node.Address } },
            new NodeHttpSettings(true, "127.0.0.1", 0, TimeSpan.FromSeconds(5)));
        var tls = TlsSettings.Create(Node.System.Settings.Config);
        Require = await ProxyServer.StartAsync(Node.System, Node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 }, tls);
        Request = await ProxyServer.StartAsync(Node.System, Node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 },
            tls with { ClientAuth = TlsClientAuth.Request });
        await TestNodes.CreateTopicAsync(Node, new TopicConfig("mtls-topic", 2, 2, Perm.ReadWrite));
    }

    public async Task DisposeAsync()
    {
        await Request.DisposeAsync();
        await Require.DisposeAsync();
        await Http.DisposeAsync();
        await Node.DisposeAsync();
        Certs.Dispose();
    }
}

/// <summary>
/// Mutual TLS on gRPC and HTTP (akkamq.tls.client-auth): with require, no client certificate or one another CA signed fails
/// the handshake and the port keeps serving; with request, a client without one is served and a foreign one refused.
/// </summary>
public sealed class MutualTlsTests(MutualTlsNodeFixture fx) : IClassFixture<MutualTlsNodeFixture>
{
    /// <summary>Trusts the server's test CA and shows <paramref name="certificate"/> whatever issuers the server names.</summary>
    private SocketsHttpHandler Handler(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = new TlsClientSettings(true, fx.Certs.Server.CaPath, true).Validator() },
        };
        if (certificate != null)
        {
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { certificate };
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
        return handler;
    }

    private async Task<Code> QueryRouteAsync(ProxyServer proxy, X509Certificate2? certificate)
    {
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{proxy.Port}", new GrpcChannelOptions { HttpHandler = Handler(certificate) });
        var reply = await new MessagingService.MessagingServiceClient(channel).QueryRouteAsync(
            new QueryRouteRequest { Topic = new Resource { Name = "mtls-topic" } }, deadline: DateTime.UtcNow.AddSeconds(20));
        return reply.Status.Code;
    }

    [Fact]
    public async Task With_require_a_client_certificate_the_client_CA_signed_is_served()
    {
        Assert.Equal(Code.Ok, await QueryRouteAsync(fx.Require, fx.Certs.Good));
    }

    [Fact]
    public async Task With_require_no_certificate_and_a_foreign_one_are_refused_at_the_handshake_and_the_port_keeps_serving()
    {
        await Assert.ThrowsAsync<RpcException>(() => QueryRouteAsync(fx.Require, null));
        await Assert.ThrowsAsync<RpcException>(() => QueryRouteAsync(fx.Require, fx.Certs.Foreign));
        Assert.Equal(Code.Ok, await QueryRouteAsync(fx.Require, fx.Certs.Good));
    }

    [Fact]
    public async Task With_request_a_client_without_a_certificate_is_served_and_a_foreign_one_refused()
    {
        Assert.Equal(Code.Ok, await QueryRouteAsync(fx.Request, null));
        Assert.Equal(Code.Ok, await QueryRouteAsync(fx.Request, fx.Certs.Good));
        await Assert.ThrowsAsync<RpcException>(() => QueryRouteAsync(fx.Request, fx.Certs.Foreign));
    }

    [Fact]
    public async Task The_HTTP_endpoint_requires_the_client_certificate_too()
    {
        using (var good = new HttpClient(Handler(fx.Certs.Good)))
            Assert.Contains("\"status\"", await (await good.GetAsync(fx.Http.Url + "/health")).Content.ReadAsStringAsync());
        using (var none = new HttpClient(Handler(null)))
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => none.GetAsync(fx.Http.Url + "/health"));
        using (var foreign = new HttpClient(Handler(fx.Certs.Foreign)))
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => foreign.GetAsync(fx.Http.Url + "/health"));
        using var again = new HttpClient(Handler(fx.Certs.Good));
        Assert.True((await again.GetAsync(fx.Http.Url + "/health")).IsSuccessStatusCode);
    }
}
