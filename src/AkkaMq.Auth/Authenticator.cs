using System.Text;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth;

/// <summary>Where the authenticator and authorizer read users and ACLs (the node's <see cref="AuthCache"/>, or a test's dictionary).</summary>
public interface IUserDirectory
{
    User? FindUser(string username);
    UserAcl? FindAcl(string username);
}

/// <summary>The user who proved who they are, or the refusal's message (UNAUTHORIZED).</summary>
public readonly record struct AuthnResult(User? User, string? Error)
{
    public bool Ok => User != null;
    public static AuthnResult Fail(string error) => new(null, error);
}

/// <summary>
/// Checks credentials against the user directory: RocketMQ's MQv2-HMAC-SHA1 signature of the
/// x-mq-date-time (gRPC header, native <see cref="SignedRequest"/>, HTTP), HTTP Basic, and the data
/// channel's challenge answer. A date-time further than MaxClockSkew from now is refused (stale
/// or replayed); an unknown or disabled user, or a wrong signature, is refused with a message
/// naming the access key.
/// </summary>
public sealed class Authenticator
{
    private readonly IUserDirectory _users;
    private readonly Func<DateTimeOffset> _now;

    /// <param name="replays">With akkamq.auth.reject-replayed-signatures on: the signatures already used, and from where.</param>
    public Authenticator(IUserDirectory users, TimeSpan maxClockSkew, Func<DateTimeOffset>? now = null, SignatureReplayBook? replays = null)
    {
        _users = users;
        MaxClockSkew = maxClockSkew;
        _now = now ?? (() => DateTimeOffset.UtcNow);
        Replays = replays;
    }

    public TimeSpan MaxClockSkew { get; }

    /// <summary>Null when replays within the skew are accepted (RocketMQ's behaviour, the default).</summary>
    public SignatureReplayBook? Replays { get; }

    public DateTimeOffset Now => _now();

    /// <summary>A signature of the date-time by the access key's secret.</summary>
    public AuthnResult VerifySignature(string? accessKey, string? dateTime, string? signature)
    {
        if (CheckDateAndUser(accessKey, dateTime, out var user) is { } error) return AuthnResult.Fail(error);
        return RequestSignature.Matches(RequestSignature.Sign(user!.Password, dateTime!), signature)
            ? new AuthnResult(user, null)
            : AuthnResult.Fail($"access key '{accessKey}': the signature does not match (wrong secret key)");
    }

    /// <summary>As above, and with a replay book a valid signature already used from another origin is refused.</summary>
    /// <param name="origin">Where the request came from (peer IP, Akka.Remote address); null when unknown.</param>
    public AuthnResult VerifySignature(string? accessKey, string? dateTime, string? signature, string? origin)
    {
        var result = VerifySignature(accessKey, dateTime, signature);
        if (!result.Ok || Replays == null) return result;
        RequestSignature.TryParseDateTime(dateTime, out var signedAt);
        return Replays.Use(accessKey!, dateTime!, signature!, signedAt, origin, Now) is { } replayed ? AuthnResult.Fail(replayed) : result;
    }

    private string? CheckDateAndUser(string? accessKey, string? dateTime, out User? user)
    {
        user = null;
        if (string.IsNullOrEmpty(accessKey)) return "no credentials: the request carries no access key";
        if (!RequestSignature.TryParseDateTime(dateTime, out var t))
            return $"access key '{accessKey}': {RequestSignature.DateTimeHeader} '{dateTime}' is not yyyyMMddTHHmmssZ";
        if ((Now - t).Duration() > MaxClockSkew)
            return $"access key '{accessKey}': signature date {dateTime} is more than {MaxClockSkew.TotalSeconds:0} s from the server's clock (stale or replayed)";
        return FindEnabled(accessKey, out user);
    }

    /// <summary>
    /// RocketMQ's gRPC header: "MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature=HEX",
    /// with the date-time from the x-mq-date-time header.
    /// </summary>
    public AuthnResult VerifyAuthorizationHeader(string? authorization, string? dateTime) =>
        VerifyAuthorizationHeader(authorization, dateTime, null, checkReplay: false);

    /// <summary>As above, refusing a replay from another origin when the replay book is on.</summary>
    public AuthnResult VerifyAuthorizationHeader(string? authorization, string? dateTime, string? origin) =>
        VerifyAuthorizationHeader(authorization, dateTime, origin, checkReplay: true);

    private AuthnResult VerifyAuthorizationHeader(string? authorization, string? dateTime, string? origin, bool checkReplay)
    {
        if (string.IsNullOrWhiteSpace(authorization)) return AuthnResult.Fail("no credentials: the request has no authorization header");
        if (!TryParseHeader(authorization, out var accessKey, out var signature))
            return AuthnResult.Fail($"authorization header is not '{RequestSignature.Algorithm} Credential=..., SignedHeaders={RequestSignature.DateTimeHeader}, Signature=...'");
        return checkReplay ? VerifySignature(accessKey, dateTime, signature, origin) : VerifySignature(accessKey, dateTime, signature);
    }

    /// <summary>HTTP "Basic base64(accessKey:secretKey)": the secret crosses the wire, so only over TLS in production.</summary>
    public AuthnResult VerifyBasic(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization) || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return AuthnResult.Fail("no credentials: send Authorization: Basic (access key and secret key)");
        string text;
        try { text = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim())); }
        catch (FormatException) { return AuthnResult.Fail("the Basic credentials are not base64"); }
        var colon = text.IndexOf(':');
        if (colon <= 0) return AuthnResult.Fail("the Basic credentials are not accessKey:secretKey");
        var accessKey = text[..colon];
        if (FindEnabled(accessKey, out var user) is { } error) return AuthnResult.Fail(error);
        return RequestSignature.Matches(RequestSignature.Sign(user!.Password, "basic"), RequestSignature.Sign(text[(colon + 1)..], "basic"))
            ? new AuthnResult(user, null)
            : AuthnResult.Fail($"access key '{accessKey}': wrong secret key");
    }

    /// <summary>The data channel client's answer to the challenge the server issued (the book checks the nonce once).</summary>
    public AuthnResult VerifyChallenge(ChallengeBook book, DataChannelAuthResponse response)
    {
        if (!book.Redeem(response.Nonce, Now))
            return AuthnResult.Fail($"access key '{response.AccessKey}': the nonce was not issued here, has expired or was already used (replay)");
        if (CheckDateAndUser(response.AccessKey, response.DateTime, out var user) is { } error) return AuthnResult.Fail(error);
        var expected = RequestSignature.Sign(user!.Password, RequestSignature.ChallengeData(response.Nonce, response.DateTime));
        return RequestSignature.Matches(expected, response.Signature)
            ? new AuthnResult(user, null)
            : AuthnResult.Fail($"access key '{response.AccessKey}': the challenge signature does not match (wrong secret key)");
    }

    private string? FindEnabled(string accessKey, out User? user)
    {
        user = _users.FindUser(accessKey);
        if (user == null) return $"access key '{accessKey}' is not a known user";
        if (user.Status == UserStatus.Disabled) return $"user '{accessKey}' is disabled";
        return null;
    }

    public static bool TryParseHeader(string header, out string accessKey, out string signature)
    {
        accessKey = signature = "";
        var text = header.Trim();
        if (!text.StartsWith(RequestSignature.Algorithm + " ", StringComparison.Ordinal)) return false;
        foreach (var part in text[(RequestSignature.Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return false;
            var (key, value) = (part[..eq].Trim(), part[(eq + 1)..].Trim());
            if (key == "Credential") accessKey = value.Split('/')[0];
            else if (key == "Signature") signature = value;
        }
        return accessKey.Length > 0 && signature.Length > 0;
    }
}

/// <summary>
/// Nonces a data channel server issued and not yet redeemed: each may be answered once and within
/// its lifetime, so a recorded answer cannot be replayed. Not thread-safe: one per connection or actor.
/// </summary>
public sealed class ChallengeBook
{
    private readonly Dictionary<string, DateTimeOffset> _open = new();
    private readonly TimeSpan _lifetime;

    public ChallengeBook(TimeSpan lifetime) => _lifetime = lifetime;

    public int Open => _open.Count;

    public DataChannelAuthChallenge Issue(DateTimeOffset now)
    {
        foreach (var (k, expires) in _open.ToArray())
            if (expires < now) _open.Remove(k);
        var nonce = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        _open[Convert.ToHexString(nonce)] = now + _lifetime;
        return new DataChannelAuthChallenge(nonce, RequestSignature.FormatDateTime(now));
    }

    public bool Redeem(byte[] nonce, DateTimeOffset now) =>
        _open.Remove(Convert.ToHexString(nonce), out var expires) && expires >= now;
}
