using System.Net;
using System.Security.Authentication;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Remoting;
using AkkaMq.Protocol.Security;

namespace AkkaMq.Auth.Tests;

/// <summary>The secure node with akkamq.tls permissive (its data channel serves TLS and plaintext on one port), and a second CA no one trusts.</summary>
public sealed class TlsSecureNodeFixture : SecureNodeFixture
{
    public TestCertificates Certs { get; } = new();
    public TestCertificates OtherCa { get; } = new();

    protected override string ExtraHocon => Certs.Hocon("permissive");

    /// <summary>Client HOCON turning the data channel's TLS on, trusting this CA.</summary>
    public static string ClientTls(TestCertificates ca) => $"akkamq.client.tls {{ enabled = on, ca-path = \"{ca.CaPath}\" }}";

    public static DataChannelClientSecurity Trusting(TestCertificates ca) => new(new TlsClientSettings(true, ca.CaPath, true), "", "");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Certs.Dispose();
        OtherCa.Dispose();
    }
}

/// <summary>
/// The data channel over TLS: permissive serves TLS and plaintext on one port (the first byte decides), enforcing refuses
/// plaintext and keeps serving, a client trusting another CA is refused, and the client API sends and pulls over TLS + auth.
/// </summary>
public sealed class DataChannelTlsTests : IClassFixture<TlsSecureNodeFixture>
{
    private readonly TlsSecureNodeFixture _fx;

    public DataChannelTlsTests(TlsSecureNodeFixture fx) => _fx = fx;

    private async Task<int> PortAsync()
    {
        var endpoint = await DataChannelSecurityTests.EndpointAsync(_fx.Node.System);
        Assert.Equal(TlsServerMode.Permissive, endpoint.Tls);
        return endpoint.Port;
    }

    [Fact]
    public async Task The_client_API_sends_and_pulls_over_TLS_with_auth()
    {
        var tls = TlsSecureNodeFixture.ClientTls(_fx.Certs);
        var mq = new MessageQueue("orders-eu", "broker-a", 0);
        var producerSystem = _fx.Client("alice", SecureNodeFixture.AliceSecret, "tls-producer", tls);
        var producer = AkkaMqProducer.Create(producerSystem);
        var sent = await producer.SendAsync(new Message("orders-eu", "secret cargo"u8.ToArray()), mq);
        Assert.Equal(SendStatus.SendOk, sent.SendStatus);
        var consumerSystem = _fx.Client("alice", SecureNodeFixture.AliceSecret, "tls-consumer", tls);
        var consumer = AkkaMqPullConsumer.Create(consumerSystem, "billing");
        var pulled = await consumer.PullAsync(mq, "*", sent.QueueOffset, 1);
        Assert.Equal("secret cargo", System.Text.Encoding.UTF8.GetString(pulled.Messages.Single().Body));
        // Neither fell back to the gateway, and a client with TLS on never uses the channel in plaintext: both went over TLS + auth.
        Assert.False(DataChannelFallback.For(producerSystem).GatewayOnly(_fx.Node.Address));
        Assert.False(DataChannelFallback.For(consumerSystem).GatewayOnly(_fx.Node.Address));
        Assert.True((await DataChannelSecurityTests.ConnectionsAsync(_fx.Node.System)).Open >= 2);
    }

    [Fact]
    public async Task A_permissive_port_takes_TLS_and_plaintext_sessions()
    {
        var port = await PortAsync();
        using var secured = await RawDataChannel.OpenAsync(_fx.Node.System, port, TlsSecureNodeFixture.Trusting(_fx.Certs));
        Assert.True(secured.Connection.Tls);
        Assert.Equal(ResponseCode.Success, (await secured.HandshakeAsync("alice", SecureNodeFixture.AliceSecret)).Code);
        secured.Connection.Send(RawDataChannel.Pull("orders-eu", "billing"), 5);
        Assert.Equal(ResponseCode.Success, Assert.IsType<PullResult>((await secured.NextAsync()).Message).Code);

        using var plain = await RawDataChannel.OpenAsync(_fx.Node.System, port);
        Assert.Equal(ResponseCode.Success, (await plain.HandshakeAsync("alice", SecureNodeFixture.AliceSecret)).Code);
    }

    [Fact]
    public async Task A_client_that_trusts_another_CA_is_refused_and_the_port_keeps_serving()
    {
        var port = await PortAsync();
        await Assert.ThrowsAsync<AuthenticationException>(() => RawDataChannel.OpenAsync(_fx.Node.System, port, TlsSecureNodeFixture.Trusting(_fx.OtherCa)));
        using var trusted = await RawDataChannel.OpenAsync(_fx.Node.System, port, TlsSecureNodeFixture.Trusting(_fx.Certs));
        Assert.Equal(ResponseCode.Success, (await trusted.HandshakeAsync("alice", SecureNodeFixture.AliceSecret)).Code);
    }

    [Fact]
    public async Task Plaintext_to_an_enforcing_port_is_closed_and_TLS_on_it_is_served()
    {
        var listener = DataChannelServer.Bind("127.0.0.1", 0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var gateway = await _fx.Node.System.ActorSelection("/user/broker").ResolveOne(TimeSpan.FromSeconds(10));
        var certificate = TlsSettings.Create(_fx.Node.System.Settings.Config).LoadCertificate();
        // An enforcing channel without auth, beside the node's own: TLS alone, as with akkamq.auth off.
        var server = _fx.Node.System.ActorOf(DataChannelServer.Props(listener, gateway, m => m is SendMessages or PullMessage, 4 << 20,
            tls: new DataChannelTlsServer(TlsServerMode.Enforcing, certificate)));
        try
        {
            using var plain = await RawDataChannel.OpenAsync(_fx.Node.System, port);
            plain.Connection.Send(RawDataChannel.Pull("orders-eu", "billing"), 1);
            await plain.ClosedAsync();

            using var secured = await RawDataChannel.OpenAsync(_fx.Node.System, port, TlsSecureNodeFixture.Trusting(_fx.Certs));
            var before = await _fx.StoredAsync("orders-eu");
            secured.Connection.Send(RawDataChannel.Send("orders-eu", correlationId: 9));
            var ack = Assert.Single((await secured.NextAsync<SendAcks>()).Acks);
            Assert.True(ack.Code == ResponseCode.Success, ack.Error);
            Assert.Equal(before + 1, await _fx.StoredAsync("orders-eu"));
        }
        finally
        {
            _fx.Node.System.Stop(server);
            certificate.Dispose();
        }
    }
}
