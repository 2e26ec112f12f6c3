using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using AkkaMq.TestKit;

namespace AkkaMq.Node.Tests;

/// <summary>
/// Akka.Remote over TLS with hocon/secure/remote-tls.conf: two nodes form a cluster, a plaintext
/// system cannot reach them, and with the cluster's CA pinned (DotNettySslSetup in code, or
/// akkamq.cluster.tls.ca-path on a node started from HOCON) a peer whose certificate another CA
/// signed cannot associate either. Certificates are made in process.
/// </summary>
public sealed class RemoteTlsTests : IDisposable
{
    private const string Password = "test-secret";
    private readonly string _dir = Directory.CreateTempSubdirectory("akkamq-tls-").FullName;
    private readonly List<ActorSystem> _systems = new();

    public void Dispose()
    {
        Task.WaitAll(_systems.Select(s => s.Terminate()).ToArray(), TimeSpan.FromSeconds(20));
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A CA and a node certificate it signed (server and client authentication), as make-test-certs.sh makes them.</summary>
    private static (X509Certificate2 Ca, X509Certificate2 Node) Certificates(string caName)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        using var nodeKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=akkamq-node", nodeKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.1"), new("1.3.6.1.5.5.7.3.2") }, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        var node = X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(nodeKey).Export(X509ContentType.Pfx, Password), Password);
        return (ca, node);
    }

    private string WritePfx(X509Certificate2 node, string name)
    {
        var path = Path.Combine(_dir, name + ".pfx");
        File.WriteAllBytes(path, node.Export(X509ContentType.Pfx, Password));
        return path;
    }

    private static Config Base(string provider) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = {{provider}}
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.min-nr-of-members = 1
        akka.loglevel = WARNING
        """);

    /// <summary>The repository's example, with this test's certificate; the test CA is in no trust store, so chains are not validated here.</summary>
    private static Config Example(string pfx) => ConfigurationFactory.ParseString($$"""
        akka.remote.dot-netty.tcp.ssl {
          certificate { path = "{{pfx.Replace("\\", "/")}}", password = "{{Password}}" }
          suppress-validation = true
        }
        """).WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeProcess.RepoRoot(), "hocon", "secure", "remote-tls.conf"))));

    private ActorSystem Start(string name, Config config, Setup? setup = null)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        var system = ActorSystem.Create(name, setup == null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, setup));
        _systems.Add(system);
        return system;
    }

    private static Address AddressOf(ActorSystem s) => ((ExtendedActorSystem)s).Provider.DefaultAddress;

    /// <summary>Whether <paramref name="from"/> reaches the system actor of <paramref name="to"/>.</summary>
    private static async Task<bool> Reaches(ActorSystem from, ActorSystem to, TimeSpan within)
    {
        try
        {
            await from.ActorSelection($"{AddressOf(to)}/system").ResolveOne(within);
            return true;
        }
        catch (ActorNotFoundException) { return false; }
    }

    [Fact]
    public async Task Two_nodes_form_a_cluster_over_tls_with_the_example_config_and_a_plaintext_system_cannot_reach_them()
    {
        var pfx = WritePfx(Certificates("AkkaMq Test CA").Node, "node");
        var config = Example(pfx).WithFallback(Base("cluster"));
        var a = Start("akkamq", config);
        var b = Start("akkamq", config);
        Assert.StartsWith("akka.ssl.tcp://", AddressOf(a).ToString()); // the TLS transport's scheme
        await Akka.Cluster.Cluster.Get(a).JoinAsync(AddressOf(a));
        await Akka.Cluster.Cluster.Get(b).JoinAsync(AddressOf(a)).WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.AssertAsync(() =>
        {
            Assert.Equal(2, Akka.Cluster.Cluster.Get(a).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        // Plaintext speaks another protocol: it does not even share the TLS transport's address scheme.
        var plain = Start("akkamq", Base("remote"));
        var target = AddressOf(a);
        var plainAddress = new Address("akka.tcp", target.System, target.Host, target.Port);
        await Assert.ThrowsAsync<ActorNotFoundException>(() => plain.ActorSelection($"{plainAddress}/system").ResolveOne(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task With_the_cluster_ca_pinned_a_peer_with_a_certificate_of_another_ca_cannot_associate()
    {
        var (ca, node) = Certificates("AkkaMq Cluster CA");
        var (_, foreign) = Certificates("Some Other CA");
        // Accept a peer only if its chain ends at the cluster's CA (what akkamq.cluster.tls.ca-path wires for a node).
        CertificateValidationCallback pinned = (certificate, _, _, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate != null && chain.Build(certificate);
        };
        var config = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true").WithFallback(Base("remote"));
        var a = Start("akkamq", config, new DotNettySslSetup(node, false, true, pinned));
        var b = Start("akkamq", config, new DotNettySslSetup(node, false, true, pinned));
        // The rogue accepts anything; it is the node that must refuse it.
        var rogue = Start("akkamq", config, new DotNettySslSetup(foreign, false, true, (_, _, _, _, _) => true));

        Assert.True(await Reaches(b, a, TimeSpan.FromSeconds(10)));
        Assert.False(await Reaches(rogue, a, TimeSpan.FromSeconds(3)));
    }

    /// <summary>remote-tls.conf with this test's certificate and akkamq.cluster.tls.ca-path naming the cluster's CA file.</summary>
    private static string Pinned(string pfx, string caPath) => $$"""
        {{File.ReadAllText(Path.Combine(NodeProcess.RepoRoot(), "hocon", "secure", "remote-tls.conf"))}}
        akka.remote.dot-netty.tcp.ssl.certificate { path = "{{pfx.Replace("\\", "/")}}", password = "{{Password}}" }
        akkamq.cluster.tls.ca-path = "{{caPath.Replace("\\", "/")}}"
        """;

    [Fact]
    public async Task A_node_started_from_hocon_with_the_cluster_ca_path_lets_its_peers_join_and_refuses_a_peer_of_another_ca()
    {
        var (ca, node) = Certificates("AkkaMq Cluster CA");
        var (_, foreign) = Certificates("Some Other CA");
        var caPath = Path.Combine(_dir, "cluster-ca.crt");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        var pinned = Pinned(WritePfx(node, "node"), caPath);
        // The node's own startup path: AkkaMqNode.Start reads the CA from HOCON and builds the pinned setup.
        await using var started = await TestNodes.StartStandaloneAsync(pinned);
        var address = AddressOf(started.System);
        Assert.StartsWith("akka.ssl.tcp://", address.ToString());

        // A peer with a certificate the cluster CA signed, pinned the same way, joins: the CA is in no trust store, so
        // without the pinned validator the node would refuse it.
        var peerConfig = ConfigurationFactory.ParseString(pinned).WithFallback(Base("cluster"));
        var peer = Start(address.System, peerConfig, AkkaMq.Hosting.ClusterTls.Setup(peerConfig));
        await Akka.Cluster.Cluster.Get(peer).JoinAsync(address).WaitAsync(TimeSpan.FromSeconds(30));

        // A rogue whose certificate another CA signed (and which accepts anything itself) can neither join nor reach the node.
        var rogueConfig = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true").WithFallback(Base("cluster"));
        var rogue = Start(address.System, rogueConfig, new DotNettySslSetup(foreign, false, true, (_, _, _, _, _) => true));
        Akka.Cluster.Cluster.Get(rogue).Join(address);
        Assert.False(await Reaches(rogue, started.System, TimeSpan.FromSeconds(3)));
        Assert.True(await Reaches(peer, started.System, TimeSpan.FromSeconds(10)));
        await Eventually.AssertAsync(() =>
        {
            Assert.Equal(2, Akka.Cluster.Cluster.Get(started.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        Assert.DoesNotContain(Akka.Cluster.Cluster.Get(started.System).State.Members, m => m.Address.Equals(AddressOf(rogue)));
    }

    [Fact]
    public void Bad_cluster_tls_settings_name_the_setting()
    {
        var (ca, node) = Certificates("AkkaMq Cluster CA");
        var caPath = Path.Combine(_dir, "cluster-ca.crt");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        var pfx = WritePfx(node, "node");
        string Refusal(string hocon) => Assert.Throws<ConfigurationException>(() => AkkaMq.Hosting.ClusterTls.Setup(ConfigurationFactory.ParseString(hocon))).Message;
        Assert.Null(AkkaMq.Hosting.ClusterTls.Setup(ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true")));
        // The example names /etc/akkamq/tls/ca.crt, absent here: the node would stop at start, naming the setting.
        Assert.Contains("akkamq.cluster.tls.ca-path: no file /etc/akkamq/tls/ca.crt",
            Refusal(File.ReadAllText(Path.Combine(NodeProcess.RepoRoot(), "hocon", "secure", "remote-tls.conf"))));
        Assert.Contains("akkamq.cluster.tls.ca-path: no file", Refusal("akkamq.cluster.tls.ca-path = \"/nonexistent/ca.crt\""));
        Assert.Contains("enable-ssl is off", Refusal($"akkamq.cluster.tls.ca-path = \"{caPath}\""));
        Assert.Contains("suppress-validation is on", Refusal(Pinned(pfx, caPath) + "\nakka.remote.dot-netty.tcp.ssl.suppress-validation = true"));
        Assert.Contains("ssl.certificate.path: no file", Refusal(Pinned("/nonexistent/node.pfx", caPath)));
        Assert.Contains("not a PKCS#12 file", Refusal(Pinned(pfx, caPath) + "\nakka.remote.dot-netty.tcp.ssl.certificate.password = wrong"));
        Assert.NotNull(AkkaMq.Hosting.ClusterTls.Setup(ConfigurationFactory.ParseString(Pinned(pfx, caPath))));
    }
}
