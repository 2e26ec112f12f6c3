using System.Net.Http;
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
/// One node whose akkamq.tls is enforcing (its HTTP endpoint serves HTTPS only), and gRPC endpoints beside it in each mode:
/// a client trusting the test CA is served, plaintext to an enforcing port and a client not trusting the CA are refused.
/// </summary>
public sealed class TlsEndpointTests : IAsyncLifetime
{
    private readonly TestCertificates _certs = new();
    private AkkaMqTestNode _node = null!;
    private NodeHttpServer _http = null!;
    private ProxyServer _enforcing = null!;
    private ProxyServer _permissive = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNodes.StartStandaloneAsync(_certs.Hocon("enforcing"));
        _http = await NodeHttpServer.StartAsync(_node.System, _node.Settings with { NamesrvAddr = new[] { _node.Address } },
            new NodeHttpSettings(true, "127.0.0.1", 0, TimeSpan.FromSeconds(5)));
        var tls = TlsSettings.Create(_node.System.Settings.Config);
        _enforcing = await ProxyServer.StartAsync(_node.System, _node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 }, tls);
        _permissive = await ProxyServer.StartAsync(_node.System, _node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 },
            tls with { ServerMode = TlsServerMode.Permissive });
        await TestNodes.CreateTopicAsync(_node, new TopicConfig("tls-topic", 2, 2, Perm.ReadWrite));
    }

    public async Task DisposeAsync()
    {
        await _permissive.DisposeAsync();
        await _enforcing.DisposeAsync();
        await _http.DisposeAsync();
        await _node.DisposeAsync();
        _certs.Dispose();
    }

    private HttpMessageHandler Trusting() => new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = new TlsClientSettings(true, _certs.CaPath, true).Validator() },
    };

    private static async Task<Code> QueryRouteAsync(string address, HttpMessageHandler? handler = null)
    {
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler ?? new SocketsHttpHandler() });
        var client = new MessagingService.MessagingServiceClient(channel);
        var reply = await client.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = "tls-topic" } },
            deadline: DateTime.UtcNow.AddSeconds(20));
        return reply.Status.Code;
    }

    [Fact]
    public async Task A_gRPC_call_over_TLS_with_the_test_CA_is_served()
    {
        Assert.Equal(Code.Ok, await QueryRouteAsync($"https://127.0.0.1:{_enforcing.Port}", Trusting()));
        Assert.Equal(Code.Ok, await QueryRouteAsync($"https://localhost:{_enforcing.Port}", Trusting()));
    }

    [Fact]
    public async Task Plaintext_to_an_enforcing_gRPC_port_is_refused_and_the_port_keeps_serving()
    {
        await Assert.ThrowsAsync<RpcException>(() => QueryRouteAsync($"http://127.0.0.1:{_enforcing.Port}"));
        Assert.Equal(Code.Ok, await QueryRouteAsync($"https://127.0.0.1:{_enforcing.Port}", Trusting()));
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_CA_is_refused()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => QueryRouteAsync($"https://127.0.0.1:{_enforcing.Port}"));
        // The handshake fails on the client's certificate check.
        Assert.Contains("AuthenticationException", e.Status.DebugException?.ToString());
        // Another CA (the system's store with a CA file that did not sign the node) is refused too.
        var other = Path.Combine(_certs.Directory, "other-ca.crt");
        using (var otherCerts = new TestCertificates()) File.Copy(otherCerts.CaPath, other);
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = new TlsClientSettings(true, other, true).Validator() } };
        await Assert.ThrowsAsync<RpcException>(() => QueryRouteAsync($"https://127.0.0.1:{_enforcing.Port}", handler));
    }

    [Fact]
    public async Task A_permissive_port_serves_TLS_and_plaintext()
    {
        Assert.Equal(Code.Ok, await QueryRouteAsync($"https://127.0.0.1:{_permissive.Port}", Trusting()));
        Assert.Equal(Code.Ok, await QueryRouteAsync($"http://127.0.0.1:{_permissive.Port}"));
    }

    [Fact]
    public async Task With_TLS_enforcing_the_data_channel_is_TLS_only_and_a_native_client_without_TLS_sends_over_Akka_Remote()
    {
        var endpoint = await DataChannelSecurityTests.EndpointAsync(_node.System);
        Assert.Equal(TlsServerMode.Enforcing, endpoint.Tls);
        Assert.False(endpoint.Handshake);
        var client = Akka.Actor.ActorSystem.Create("client", _node.ClientConfig());
        try
        {
            var result = await AkkaMq.Client.AkkaMqProducer.Create(client).SendAsync(new AkkaMq.Protocol.Message("tls-topic", "over remoting"u8.ToArray()));
            Assert.Equal(SendStatus.SendOk, result.SendStatus);
        }
        finally
        {
            await client.Terminate();
        }
    }

    [Fact]
    public async Task Health_is_served_over_HTTPS_and_plaintext_HTTP_is_refused()
    {
        Assert.StartsWith("https://", _http.Url);
        using var https = new HttpClient(Trusting());
        var health = await https.GetAsync(_http.Url + "/health");
        Assert.Contains("\"status\"", await health.Content.ReadAsStringAsync());
        using var plain = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync(_http.Url.Replace("https://", "http://") + "/health"));
        using var untrusting = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => untrusting.GetAsync(_http.Url + "/health"));
    }
}

/// <summary>akkamq.tls read at start: each bad value is refused with the setting it names.</summary>
public sealed class TlsSettingsTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    private static string Refusal(string hocon) =>
        Assert.Throws<ConfigurationException>(() => TlsSettings.Create(ConfigurationFactory.ParseString(hocon))).Message;

    [Fact]
    public void Disabled_by_default_and_without_the_block()
    {
        Assert.Equal(TlsServerMode.Disabled, TlsSettings.Create(ConfigurationFactory.Empty).ServerMode);
        Assert.Equal(TlsServerMode.Disabled, TlsSettings.Create(AkkaMq.Protocol.Configuration.ProtocolConfig.Default).ServerMode);
    }

    [Fact]
    public void PKCS12_and_PEM_certificates_load()
    {
        var pfx = TlsSettings.Create(ConfigurationFactory.ParseString(_certs.Hocon("permissive")));
        Assert.Equal(TlsServerMode.Permissive, pfx.ServerMode);
        using (var c = pfx.LoadCertificate()) Assert.True(c.HasPrivateKey);
        var pem = TlsSettings.Create(ConfigurationFactory.ParseString(
            $"akkamq.tls {{ server-mode = enforcing, certificate-path = \"{_certs.CertPemPath}\", key-path = \"{_certs.KeyPemPath}\" }}"));
        using (var c = pem.LoadCertificate()) Assert.True(c.HasPrivateKey);
    }

    [Fact]
    public void Bad_values_name_the_setting()
    {
        Assert.Contains("akkamq.tls.server-mode 'strict'", Refusal("akkamq.tls.server-mode = strict"));
        Assert.Contains("akkamq.tls.certificate-path is required", Refusal("akkamq.tls.server-mode = enforcing"));
        Assert.Contains("akkamq.tls.certificate-path: no file", Refusal("akkamq.tls { server-mode = enforcing, certificate-path = \"/nonexistent/x.p12\" }"));
        Assert.Contains("akkamq.tls.key-path: no file", Refusal(
            $"akkamq.tls {{ server-mode = enforcing, certificate-path = \"{_certs.CertPemPath}\", key-path = \"/nonexistent/k.pem\" }}"));
        Assert.Contains("AKKAMQ_TLS_UNSET_VAR, which is not set", Refusal(
            $"akkamq.tls {{ server-mode = enforcing, certificate-path = \"{_certs.PfxPath}\", password-env = AKKAMQ_TLS_UNSET_VAR }}"));
        Assert.Contains("not a certificate with its private key", Refusal(
            $"akkamq.tls {{ server-mode = enforcing, certificate-path = \"{_certs.CertPemPath}\" }}"));
        Assert.Contains("akkamq.tls.client.ca-path: no file", Refusal("akkamq.tls.client.ca-path = \"/nonexistent/ca.crt\""));
    }

    [Fact]
    public void Bad_client_auth_values_name_the_setting()
    {
        var server = _certs.Hocon("enforcing") + "\n";
        Assert.Contains("akkamq.tls.client-auth 'maybe' is not one of none, request, require", Refusal(server + "akkamq.tls.client-auth = maybe"));
        Assert.Contains("akkamq.tls.client-ca-path is required when akkamq.tls.client-auth is require", Refusal(server + "akkamq.tls.client-auth = require"));
        Assert.Contains("akkamq.tls.client-ca-path: no file", Refusal(server + "akkamq.tls { client-auth = request, client-ca-path = \"/nonexistent/ca.crt\" }"));
        var notPem = Path.Combine(_certs.Directory, "not-a-ca.txt");
        File.WriteAllText(notPem, "not a certificate");
        Assert.Contains("akkamq.tls.client-ca-path", Refusal(server + $"akkamq.tls {{ client-auth = require, client-ca-path = \"{notPem}\" }}"));
        var defaults = TlsSettings.Create(ConfigurationFactory.ParseString(server).WithFallback(AkkaMq.Protocol.Configuration.ProtocolConfig.Default));
        Assert.Equal((TlsClientAuth.None, ""), (defaults.ClientAuth, defaults.ClientCaPath));
    }
}
