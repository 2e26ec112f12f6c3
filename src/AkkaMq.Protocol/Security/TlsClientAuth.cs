using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;

namespace AkkaMq.Protocol.Security;

/// <summary>akkamq.tls.client-auth, as RocketMQ's and Kafka's ssl.client.auth: whether a TLS client must show a certificate.</summary>
public enum TlsClientAuth
{
    /// <summary>No client certificate is asked for.</summary>
    None,

    /// <summary>Asked for; a client without one is served, a certificate the client CA did not sign is refused.</summary>
    Request,

    /// <summary>Required: a client without a certificate, or with one the client CA did not sign, fails the handshake.</summary>
    Require,
}

/// <summary>Reads akkamq.tls.client-auth and client-ca-path, and checks client certificates against that CA.</summary>
public static class TlsClientAuthentication
{
    private const string P = "akkamq.tls.";

    /// <summary>TLS Web Client Authentication: a client certificate with an extended key usage must allow it.</summary>
    private static readonly Oid ClientAuthUsage = new("1.3.6.1.5.5.7.3.2");

    /// <summary>The mode and CA file from the akkamq.tls block; a bad value or a missing file names the setting.</summary>
    public static (TlsClientAuth Mode, string CaPath) Read(Config tls)
    {
        var mode = (tls.GetString("client-auth", "none") ?? "none").Trim().ToLowerInvariant() switch
        {
            "none" or "off" or "" => TlsClientAuth.None,
            "request" => TlsClientAuth.Request,
            "require" or "required" => TlsClientAuth.Require,
            var other => throw new ConfigurationException($"{P}client-auth '{other}' is not one of none, request, require"),
        };
        var ca = tls.GetString("client-ca-path", "") ?? "";
        if (ca.Length > 0 && !File.Exists(ca)) throw new ConfigurationException($"{P}client-ca-path: no file {ca}");
        if (mode != TlsClientAuth.None && ca.Length == 0)
            throw new ConfigurationException($"{P}client-ca-path is required when {P}client-auth is {mode.ToString().ToLowerInvariant()}");
        if (ca.Length > 0 && LoadCa(ca).Count == 0) throw new ConfigurationException($"{P}client-ca-path: no PEM certificate in {ca}");
        return (mode, ca);
    }

    /// <summary>The CA file's certificates; a file that is not PEM names the setting.</summary>
    public static X509Certificate2Collection LoadCa(string path)
    {
        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"{P}client-ca-path {path}: not a PEM certificate file: {e.Message}");
        }
        return ca;
    }

    /// <summary>Whether the certificate's chain ends at one of <paramref name="ca"/> (the system's store is not consulted),
    /// and, given a <paramref name="usage"/>, whether its extended key usage allows it.</summary>
    public static bool IsSignedBy(X509Certificate2Collection ca, X509Certificate2? certificate, X509Chain? presented, Oid? usage = null)
    {
        if (certificate == null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (usage != null) chain.ChainPolicy.ApplicationPolicy.Add(usage);
        if (presented != null) foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(certificate);
    }

    /// <summary>A server-side check for SslStream or Kestrel: the client CA's chain decides, whatever the default policy said.</summary>
    public static Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool> Validator(string caPath)
    {
        var ca = LoadCa(caPath);
        return (certificate, chain, _) => IsSignedBy(ca, certificate, chain, ClientAuthUsage);
    }
}
