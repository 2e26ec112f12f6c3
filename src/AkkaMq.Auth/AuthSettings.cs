using Akka.Configuration;

namespace AkkaMq.Auth;

/// <summary>Settings of <c>akkamq.auth</c>. A node with auth on must name its first super user (init-user) and have its secret in the environment.</summary>
public sealed record AuthSettings(bool Enabled, string InitUsername, string? InitPassword, TimeSpan MaxClockSkew, bool MetricsOpen,
    string DurableDir, TimeSpan WriteTimeout)
{
    /// <summary>Refuse a valid signature repeated from another origin within the skew (<see cref="SignatureReplayBook"/>).</summary>
    public bool RejectReplayedSignatures { get; init; }

    /// <summary>Most signatures the replay book remembers.</summary>
    public int ReplayedSignaturesCapacity { get; init; } = 100_000;

    public static readonly Config DefaultConfig = ConfigurationFactory.FromResource<AuthSettings>("AkkaMq.Auth.reference.conf");

    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    public static AuthSettings Create(Config config, Func<string, string?>? environment = null)
    {
        var c = config.WithFallback(DefaultConfig).GetConfig("akkamq.auth");
        var enabled = c.GetBoolean("enabled");
        var username = c.GetString("init-user.username", "") ?? "";
        var passwordEnv = c.GetString("init-user.password-env", "") ?? "";
        string? password = null;
        if (passwordEnv.Length > 0) password = (environment ?? Environment.GetEnvironmentVariable)(passwordEnv);
        if (enabled)
        {
            if (username.Length == 0)
                throw new ConfigurationException("akkamq.auth.enabled = on needs a first super user: set akkamq.auth.init-user.username (and password-env)");
            if (Protocol.Auth.AuthNames.CheckUsername(username) is { } bad) throw new ConfigurationException($"akkamq.auth.init-user.username: {bad}");
            if (passwordEnv.Length == 0)
                throw new ConfigurationException("akkamq.auth.enabled = on needs akkamq.auth.init-user.password-env: the environment variable holding the first super user's secret");
            if (string.IsNullOrEmpty(password))
                throw new ConfigurationException($"akkamq.auth.init-user.password-env names {passwordEnv}, which is not set: export the first super user's secret in it");
            if (Protocol.Auth.AuthNames.CheckPassword(password) is { } weak)
                throw new ConfigurationException($"the secret in {passwordEnv} (akkamq.auth.init-user.password-env): {weak}");
        }
        var skew = c.GetTimeSpan("max-clock-skew");
        if (skew <= TimeSpan.Zero) throw new ConfigurationException("akkamq.auth.max-clock-skew must be positive");
        var writeTimeout = c.GetTimeSpan("write-timeout");
        if (writeTimeout <= TimeSpan.Zero) throw new ConfigurationException("akkamq.auth.write-timeout must be positive");
        var replayCapacity = c.GetInt("replayed-signatures-capacity");
        if (replayCapacity <= 0) throw new ConfigurationException($"akkamq.auth.replayed-signatures-capacity must be positive, not {replayCapacity}");
        return new AuthSettings(enabled, username, password, skew, c.GetBoolean("metrics-open"), c.GetString("durable-dir", "") ?? "", writeTimeout)
        {
            RejectReplayedSignatures = c.GetBoolean("reject-replayed-signatures"),
            ReplayedSignaturesCapacity = replayCapacity,
        };
    }
}
