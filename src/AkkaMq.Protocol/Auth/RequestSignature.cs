using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AkkaMq.Protocol.Auth;

/// <summary>
/// RocketMQ 5's request signature: hex HMAC-SHA1(secret, x-mq-date-time), the date-time as
/// yyyyMMdd'T'HHmmss'Z' (UTC). The gRPC header, the native client's <see cref="SignedRequest"/>
/// and the data channel's challenge all sign with this one function.
/// </summary>
public static class RequestSignature
{
    public const string Algorithm = "MQv2-HMAC-SHA1";
    public const string DateTimeHeader = "x-mq-date-time";
    public const string DateTimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string FormatDateTime(DateTimeOffset t) => t.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture);

    public static bool TryParseDateTime(string? text, out DateTimeOffset t) =>
        DateTimeOffset.TryParseExact(text, DateTimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out t);

    /// <summary>Lower-case hex of HMAC-SHA1(secret, data).</summary>
    public static string Sign(string secret, string data) => Sign(secret, Encoding.UTF8.GetBytes(data));

    public static string Sign(string secret, ReadOnlySpan<byte> data) =>
        Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), data));

    /// <summary>Constant-time comparison, case-insensitive for hex.</summary>
    public static bool Matches(string expectedHex, string? givenHex) =>
        givenHex != null && givenHex.Length == expectedHex.Length
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expectedHex), Encoding.ASCII.GetBytes(givenHex.ToLowerInvariant()));

    /// <summary>The gRPC authorization header value RocketMQ's clients send.</summary>
    public static string AuthorizationHeader(string accessKey, string secret, string dateTime) =>
        $"{Algorithm} Credential={accessKey}, SignedHeaders={DateTimeHeader}, Signature={Sign(secret, dateTime)}";

    /// <summary>What a data channel client signs: the server's nonce and its own timestamp, so no secret crosses the wire.</summary>
    public static string ChallengeData(byte[] nonce, string dateTime) => Convert.ToHexStringLower(nonce) + ":" + dateTime;
}

/// <summary>
/// Signs native client requests for one access key. The signature of the current second is reused
/// (it only covers the date-time), so signing costs one HMAC per second, not per request.
/// </summary>
public sealed class RequestSigner
{
    private readonly string _secret;
    private (long Second, string DateTime, string Signature) _current = (-1, "", "");

    public RequestSigner(string accessKey, string secretKey)
    {
        AccessKey = accessKey;
        _secret = secretKey;
    }

    public string AccessKey { get; }

    public SignedRequest Sign(object request, DateTimeOffset now)
    {
        var second = now.ToUnixTimeSeconds();
        var current = _current;
        if (current.Second != second)
        {
            var dateTime = RequestSignature.FormatDateTime(now);
            _current = current = (second, dateTime, RequestSignature.Sign(_secret, dateTime));
        }
        return new SignedRequest(AccessKey, current.DateTime, current.Signature, request);
    }

    public SignedRequest Sign(object request) => Sign(request, DateTimeOffset.UtcNow);
}
