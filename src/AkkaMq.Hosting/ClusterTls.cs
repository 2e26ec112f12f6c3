using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using AkkaMq.Protocol.Security;

namespace AkkaMq.Hosting;

/// <summary>
/// akkamq.cluster.tls.ca-path: pins the cluster's CA for Akka.Remote over TLS. HOCON alone lets DotNetty trust the
/// machine's store (public CAs included); with the CA file set, the node builds a <see cref="DotNettySslSetup"/> from the
/// dot-netty ssl settings whose validator accepts a peer (inbound and outbound) only if its chain ends at that CA.
/// </summary>
public static class ClusterTls
{
    public const string CaPathKey = "akkamq.cluster.tls.ca-path";
    private const string Tcp = "akka.remote.dot-netty.tcp";

    /// <summary>The setup to add to the node's ActorSystem, or null when ca-path is empty; bad settings name themselves.</summary>
    public static DotNettySslSetup? Setup(Config config)
    {
        var caPath = config.GetString(CaPathKey, "") ?? "";
        if (caPath.Length == 0) return null;
        if (!File.Exists(caPath)) throw new ConfigurationException($"{CaPathKey}: no file {caPath}");
        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPemFile(caPath);
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"{CaPathKey} {caPath}: not a PEM certificate file: {e.Message}");
        }
        if (ca.Count == 0) throw new ConfigurationException($"{CaPathKey}: no PEM certificate in {caPath}");
        if (!config.GetBoolean(Tcp + ".enable-ssl", false))
            throw new ConfigurationException($"{CaPathKey} is set but {Tcp}.enable-ssl is off: include hocon/secure/remote-tls.conf");
        if (config.GetBoolean(Tcp + ".ssl.suppress-validation", false))
            throw new ConfigurationException($"{CaPathKey} is set but {Tcp}.ssl.suppress-validation is on: a pinned CA needs validation");
        var path = config.GetString(Tcp + ".ssl.certificate.path", "") ?? "";
        if (path.Length == 0) throw new ConfigurationException($"{Tcp}.ssl.certificate.path (a PKCS#12 file) is required with {CaPathKey}");
        if (!File.Exists(path)) throw new ConfigurationException($"{Tcp}.ssl.certificate.path: no file {path}");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, config.GetString(Tcp + ".ssl.certificate.password", null));
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"{Tcp}.ssl.certificate.path {path}: not a PKCS#12 file that ssl.certificate.password opens: {e.Message}");
        }
        var checkHost = config.GetBoolean(Tcp + ".ssl.validate-certificate-hostname", false);
        return new DotNettySslSetup(certificate, suppressValidation: false,
            requireMutualAuthentication: config.GetBoolean(Tcp + ".ssl.require-mutual-authentication", true),
            validateCertificateHostname: checkHost,
            customValidator: (peer, chain, remote, errors, log) =>
            {
                if (checkHost && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    log.Warning("Akka.Remote peer {0} refused: its certificate does not name the host", remote);
                    return false;
                }
                if (TlsClientAuthentication.IsSignedBy(ca, peer, chain)) return true;
                log.Warning("Akka.Remote peer {0} refused: its certificate {1} is not signed by the cluster CA ({2})", remote, peer?.Subject, CaPathKey);
                return false;
            });
    }
}
