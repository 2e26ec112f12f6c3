using System.Text;
using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;
using static AkkaMq.Auth.Tests.TestUsers;

namespace AkkaMq.Auth.Tests;

public class AuthenticatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private DateTimeOffset _clock = Now;
    private readonly TestUsers _users = new TestUsers()
        .With(Normal("alice", "alice-secret"))
        .With(new User("carol", "carol-secret", UserType.Normal, UserStatus.Disabled));
    private readonly Authenticator _auth;

    public AuthenticatorTests() => _auth = new Authenticator(_users, TimeSpan.FromMinutes(5), () => _clock);

    private static string Date(DateTimeOffset t) => RequestSignature.FormatDateTime(t);

    [Fact]
    public void RocketMQ_header_with_the_right_secret_is_accepted()
    {
        var header = RequestSignature.AuthorizationHeader("alice", "alice-secret", Date(Now));
        var r = _auth.VerifyAuthorizationHeader(header, Date(Now));
        Assert.True(r.Ok, r.Error);
        Assert.Equal("alice", r.User!.Username);
    }

    [Fact]
    public void The_signature_is_hex_HMAC_SHA1_of_the_date_time()
    {
        // RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?".
        Assert.Equal("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", RequestSignature.Sign("Jefe", "what do ya want for nothing?"));
        Assert.True(Authenticator.TryParseHeader(
            "MQv2-HMAC-SHA1 Credential=alice, SignedHeaders=x-mq-date-time, Signature=abc123", out var ak, out var sig));
        Assert.Equal(("alice", "abc123"), (ak, sig));
    }

    [Fact]
    public void Wrong_secret_is_refused()
    {
        var r = _auth.VerifyAuthorizationHeader(RequestSignature.AuthorizationHeader("alice", "guess", Date(Now)), Date(Now));
        Assert.False(r.Ok);
        Assert.Contains("wrong secret", r.Error);
    }

    [Fact]
    public void Unknown_user_is_refused()
    {
        var r = _auth.VerifySignature("mallory", Date(Now), RequestSignature.Sign("x", Date(Now)));
        Assert.Contains("'mallory' is not a known user", r.Error);
    }

    [Fact]
    public void Disabled_user_is_refused_even_with_the_right_secret()
    {
        var r = _auth.VerifySignature("carol", Date(Now), RequestSignature.Sign("carol-secret", Date(Now)));
        Assert.Contains("disabled", r.Error);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-3600)]
    public void A_date_outside_the_clock_skew_is_refused_as_stale(int seconds)
    {
        var date = Date(Now.AddSeconds(seconds));
        var r = _auth.VerifySignature("alice", date, RequestSignature.Sign("alice-secret", date));
        Assert.Contains("stale or replayed", r.Error);
    }

    [Fact]
    public void A_signature_recorded_earlier_is_refused_once_the_skew_passed()
    {
        var date = Date(Now);
        var signature = RequestSignature.Sign("alice-secret", date);
        Assert.True(_auth.VerifySignature("alice", date, signature).Ok);
        _clock = Now.AddMinutes(6);
        Assert.False(_auth.VerifySignature("alice", date, signature).Ok);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("MQv2-HMAC-SHA1 Credential=alice")]
    public void Missing_or_malformed_headers_are_refused(string? header)
    {
        Assert.False(_auth.VerifyAuthorizationHeader(header, Date(Now)).Ok);
    }

    [Theory]
    [InlineData("2026-12-06 10:00:00")]
    [InlineData(null)]
    public void A_bad_date_is_refused(string? date)
    {
        Assert.Contains("yyyyMMddTHHmmssZ", _auth.VerifySignature("alice", date, "00").Error);
    }

    [Fact]
    public void Basic_credentials_check_the_secret()
    {
        string Basic(string s) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        Assert.True(_auth.VerifyBasic(Basic("alice:alice-secret")).Ok);
        Assert.Contains("wrong secret", _auth.VerifyBasic(Basic("alice:nope")).Error);
        Assert.Contains("not a known user", _auth.VerifyBasic(Basic("bob:alice-secret")).Error);
        Assert.Contains("disabled", _auth.VerifyBasic(Basic("carol:carol-secret")).Error);
        Assert.Contains("no credentials", _auth.VerifyBasic(null).Error);
        Assert.Contains("base64", _auth.VerifyBasic("Basic %%%").Error);
    }

    [Fact]
    public void A_challenge_answer_is_accepted_once_and_never_replayed()
    {
        var book = new ChallengeBook(TimeSpan.FromSeconds(30));
        var challenge = book.Issue(Now);
        var date = Date(Now);
        var answer = new DataChannelAuthResponse("alice", challenge.Nonce, date,
            RequestSignature.Sign("alice-secret", RequestSignature.ChallengeData(challenge.Nonce, date)));
        Assert.True(_auth.VerifyChallenge(book, answer).Ok);
        Assert.Contains("replay", _auth.VerifyChallenge(book, answer).Error);
    }

    [Fact]
    public void A_challenge_answer_with_the_wrong_secret_or_an_unknown_nonce_is_refused()
    {
        var book = new ChallengeBook(TimeSpan.FromSeconds(30));
        var challenge = book.Issue(Now);
        var date = Date(Now);
        var wrong = new DataChannelAuthResponse("alice", challenge.Nonce, date,
            RequestSignature.Sign("guess", RequestSignature.ChallengeData(challenge.Nonce, date)));
        Assert.Contains("wrong secret", _auth.VerifyChallenge(book, wrong).Error);
        var forged = new DataChannelAuthResponse("alice", new byte[16], date,
            RequestSignature.Sign("alice-secret", RequestSignature.ChallengeData(new byte[16], date)));
        Assert.Contains("not issued", _auth.VerifyChallenge(book, forged).Error);
    }

    [Fact]
    public void An_expired_challenge_is_refused()
    {
        var book = new ChallengeBook(TimeSpan.FromSeconds(30));
        var challenge = book.Issue(Now);
        _clock = Now.AddSeconds(31);
        var date = Date(_clock);
        var answer = new DataChannelAuthResponse("alice", challenge.Nonce, date,
            RequestSignature.Sign("alice-secret", RequestSignature.ChallengeData(challenge.Nonce, date)));
        Assert.False(_auth.VerifyChallenge(book, answer).Ok);
    }

    [Fact]
    public void The_signer_reuses_the_signature_within_a_second_and_verifies()
    {
        var signer = new RequestSigner("alice", "alice-secret");
        var a = signer.Sign("x", Now);
        var b = signer.Sign("y", Now.AddMilliseconds(500));
        Assert.Same(a.Signature, b.Signature);
        Assert.True(_auth.VerifySignature(a.AccessKey, a.DateTime, a.Signature).Ok);
        Assert.NotEqual(a.DateTime, signer.Sign("z", Now.AddSeconds(1)).DateTime);
    }
}
