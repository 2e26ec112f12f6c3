using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaMq.Auth.Tests;

/// <summary>A test CA and a server certificate it signed for localhost and 127.0.0.1, written as PEM and PKCS#12 into a temp directory.</summary>
public sealed class TestCertificates : IDisposable
{
    public const string Password = "tls-test-secret";
    public const string PasswordEnv = "AKKAMQ_TLS_TEST_PASSWORD";
    private readonly AkkaMq.Tests.TempDirectory _dir = new("akkamq-tls-");

    public TestCertificates()
    {
        Environment.SetEnvironmentVariable(PasswordEnv, Password);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=akkamq-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=akkamq-node", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.1") }, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);

        CaPath = Path.Combine(_dir.Path, "ca.crt");
        File.WriteAllText(CaPath, ca.ExportCertificatePem());
        PfxPath = Path.Combine(_dir.Path, "node.p12");
        File.WriteAllBytes(PfxPath, withKey.Export(X509ContentType.Pkcs12, Password));
        CertPemPath = Path.Combine(_dir.Path, "node.crt");
        File.WriteAllText(CertPemPath, signed.ExportCertificatePem());
        KeyPemPath = Path.Combine(_dir.Path, "node.key");
        File.WriteAllText(KeyPemPath, key.ExportPkcs8PrivateKeyPem());
    }

    public string CaPath { get; }
    public string PfxPath { get; }
    public string CertPemPath { get; }
    public string KeyPemPath { get; }
    public string Directory => _dir.Path;

    /// <summary>An akkamq.tls block serving the PKCS#12 certificate in <paramref name="mode"/>.</summary>
    public string Hocon(string mode) => $$"""
        akkamq.tls {
          server-mode = {{mode}}
          certificate-path = "{{PfxPath}}"
          password-env = {{PasswordEnv}}
          client { ca-path = "{{CaPath}}" }
        }
        """;

    public void Dispose() => _dir.Dispose();
}
