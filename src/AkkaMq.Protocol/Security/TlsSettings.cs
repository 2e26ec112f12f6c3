using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;

namespace AkkaMq.Protocol.Security;

/// <summary>RocketMQ's tls.server.mode: off, TLS and plaintext on one port, or TLS only.</summary>
public enum TlsServerMode
{
    Disabled,
    Permissive,
    Enforcing,
}

/// <summary>What a client trusts: a CA file (PEM) and whether the server's name must match its certificate.</summary>
public sealed record TlsClientSettings(bool Enabled, string CaPath, bool VerifyHost)
{
    public static readonly TlsClientSettings Off = new(false, "", true);

    /// <summary>Reads enabled (when present), ca-path and verify-host under <paramref name="path"/>; a CA file that does not exist names the setting.</summary>
    public static TlsClientSettings Create(Config config, string path)
    {
        var c = config.GetConfig(path);
        if (c == null || c.IsEmpty) return Off;
        var ca = c.GetString("ca-path", "") ?? "";
        if (ca.Length > 0 && !File.Exists(ca)) throw new ConfigurationException($"{path}.ca-path: no file {ca}");
        return new TlsClientSettings(c.HasPath("enabled") ? c.GetBoolean("enabled") : ca.Length > 0, ca, c.GetBoolean("verify-host", true));
    }

    /// <summary>The CA's certificates, loaded once; empty when ca-path is unset (the system's store is trusted then).</summary>
    public X509Certificate2Collection LoadCa()
    {
        var ca = new X509Certificate2Collection();
        if (CaPath.Length > 0) ca.ImportFromPemFile(CaPath);
        return ca;
    }

    /// <summary>Checks a server certificate: chained to the CA file (or the system's store without one), and naming the host unless verify-host is off.</summary>
    public RemoteCertificateValidationCallback Validator()
    {
        var ca = LoadCa();
        return (_, certificate, chain, errors) =>
        {
            if (certificate == null) return false;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 && VerifyHost) return false;
            if (ca.Count == 0) return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(ca);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain != null) foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
        };
    }
}

/// <summary>akkamq.tls: the server mode and certificate of a node's gRPC and HTTP endpoints, and what its clients trust.</summary>
public sealed record TlsSettings(TlsServerMode ServerMode, string CertificatePath, string KeyPath, string PasswordEnv, TlsClientSettings Client)
{
    private const string P = "akkamq.tls.";

    public static readonly TlsSettings Disabled = new(TlsServerMode.Disabled, "", "", "", TlsClientSettings.Off);

    public bool Enabled => ServerMode != TlsServerMode.Disabled;

    /// <summary>akkamq.tls.client-auth: whether TLS clients of the gRPC and HTTP endpoints must show a certificate.</summary>
    public TlsClientAuth ClientAuth { get; init; } = TlsClientAuth.None;

    /// <summary>akkamq.tls.client-ca-path: PEM file of the CA that signs client certificates.</summary>
    public string ClientCaPath { get; init; } = "";

    /// <summary>Reads akkamq.tls; a bad mode, a missing file or an unreadable certificate throws a ConfigurationException naming the setting.</summary>
    public static TlsSettings Create(Config config)
    {
        var c = config.GetConfig("akkamq.tls");
        if (c == null || c.IsEmpty) return Disabled;
        var mode = (c.GetString("server-mode", "disabled") ?? "disabled").Trim().ToLowerInvariant() switch
        {
            "disabled" or "off" => TlsServerMode.Disabled,
            "permissive" => TlsServerMode.Permissive,
            "enforcing" => TlsServerMode.Enforcing,
            var other => throw new ConfigurationException($"{P}server-mode '{other}' is not one of disabled, permissive, enforcing"),
        };
        var settings = new TlsSettings(mode, c.GetString("certificate-path", "") ?? "", c.GetString("key-path", "") ?? "",
            c.GetString("password-env", "") ?? "", TlsClientSettings.Create(config, P + "client"));
        var (clientAuth, clientCa) = TlsClientAuthentication.Read(c);
        settings = settings with { ClientAuth = clientAuth, ClientCaPath = clientCa };
        // Loaded once here so that a wrong path or password stops the node at start, naming the setting.
        if (settings.Enabled) settings.LoadCertificate().Dispose();
        return settings;
    }

    /// <summary>The server certificate with its private key: PKCS#12 (.p12/.pfx, password from password-env) or PEM (key in key-path, or in the same file).</summary>
    public X509Certificate2 LoadCertificate()
    {
        if (CertificatePath.Length == 0) throw new ConfigurationException($"{P}certificate-path is required when {P}server-mode is {ServerMode.ToString().ToLowerInvariant()}");
        if (!File.Exists(CertificatePath)) throw new ConfigurationException($"{P}certificate-path: no file {CertificatePath}");
        if (KeyPath.Length > 0 && !File.Exists(KeyPath)) throw new ConfigurationException($"{P}key-path: no file {KeyPath}");
        string? password = null;
        if (PasswordEnv.Length > 0)
            password = Environment.GetEnvironmentVariable(PasswordEnv)
                ?? throw new ConfigurationException($"{P}password-env names {PasswordEnv}, which is not set");
        try
        {
            var ext = Path.GetExtension(CertificatePath).ToLowerInvariant();
            if (ext is ".p12" or ".pfx") return X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, password);
            using var pem = password == null
                ? X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath.Length > 0 ? KeyPath : null)
                : X509Certificate2.CreateFromEncryptedPemFile(CertificatePath, password, KeyPath.Length > 0 ? KeyPath : null);
            // An ephemeral PEM key cannot serve TLS on every platform; a PKCS#12 round trip gives it a stored one.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ConfigurationException($"{P}certificate-path {CertificatePath} (key-path '{KeyPath}'): not a certificate with its private key: {e.Message}");
        }
    }
}
