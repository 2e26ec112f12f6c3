using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;
using static AkkaMq.Auth.Tests.TestUsers;

namespace AkkaMq.Auth.Tests;

/// <summary>akkamq.auth.reject-replayed-signatures: the book of signatures used within the skew, and the Authenticator with it.</summary>
public class SignatureReplayBookTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private static string Date(DateTimeOffset t) => RequestSignature.FormatDateTime(t);

    private static string? Use(SignatureReplayBook book, string ak, DateTimeOffset signedAt, string? origin, DateTimeOffset now) =>
        book.Use(ak, Date(signedAt), RequestSignature.Sign(ak + "-secret", Date(signedAt)), signedAt, origin, now);

    [Fact]
    public void A_signature_repeated_from_another_origin_is_refused_naming_both()
    {
        var book = new SignatureReplayBook(Skew, 100);
        Assert.Null(Use(book, "alice", Now, "10.0.0.1", Now));
        var refused = Use(book, "alice", Now, "10.0.0.9", Now.AddSeconds(30));
        Assert.NotNull(refused);
        Assert.Contains("alice", refused);
        Assert.Contains("10.0.0.1", refused);
        Assert.Contains("10.0.0.9", refused);
        Assert.Contains("replayed", refused);
    }

    [Fact]
    public void The_same_origin_may_repeat_the_signature_of_its_second()
    {
        // A client signs every request of one second alike (RocketMQ's clients and the native one).
        var book = new SignatureReplayBook(Skew, 100);
        for (var i = 0; i < 5; i++) Assert.Null(Use(book, "alice", Now, "10.0.0.1", Now));
        Assert.Equal(1, book.Count);
    }

    [Fact]
    public void A_repeat_with_no_origin_is_refused_either_way()
    {
        var book = new SignatureReplayBook(Skew, 100);
        Assert.Null(Use(book, "alice", Now, null, Now));
        Assert.NotNull(Use(book, "alice", Now, null, Now));
        Assert.Null(Use(book, "bob", Now, "10.0.0.1", Now));
        Assert.NotNull(Use(book, "bob", Now, null, Now));
    }

    [Fact]
    public void Another_second_or_another_key_is_a_new_signature()
    {
        var book = new SignatureReplayBook(Skew, 100);
        Assert.Null(Use(book, "alice", Now, "10.0.0.1", Now));
        Assert.Null(Use(book, "alice", Now.AddSeconds(1), "10.0.0.9", Now));
        Assert.Null(Use(book, "bob", Now, "10.0.0.9", Now));
    }

    [Fact]
    public void An_entry_expires_when_its_date_leaves_the_skew_window()
    {
        var book = new SignatureReplayBook(Skew, 100);
        Assert.Null(Use(book, "alice", Now, "10.0.0.1", Now));
        Assert.Null(Use(book, "bob", Now.AddMinutes(1), "10.0.0.1", Now.AddMinutes(1)));
        // Past alice's window: the Authenticator refuses her date as stale, so the book may forget it.
        Assert.Null(Use(book, "carol", Now.AddMinutes(5).AddSeconds(1), "10.0.0.1", Now.AddMinutes(5).AddSeconds(1)));
        Assert.Equal(2, book.Count);
        // bob's window ended at 6 min; carol's runs to 10 min 1 s.
        Assert.Null(Use(book, "dave", Now.AddMinutes(7), "10.0.0.1", Now.AddMinutes(7)));
        Assert.Equal(2, book.Count);
        Assert.Null(Use(book, "bob", Now.AddMinutes(1), "10.0.0.9", Now.AddMinutes(7)));
    }

    [Fact]
    public void Memory_stays_bounded_by_the_capacity_forgetting_the_oldest()
    {
        var book = new SignatureReplayBook(Skew, 1000);
        for (var i = 0; i < 5000; i++) Assert.Null(Use(book, "user" + i, Now, "10.0.0.1", Now));
        Assert.Equal(1000, book.Count);
        Assert.Equal(4000, book.Evicted);
        // The newest are still remembered.
        Assert.NotNull(Use(book, "user4999", Now, "10.0.0.9", Now));
    }

    [Fact]
    public void A_capacity_that_is_not_positive_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SignatureReplayBook(Skew, 0));
        Assert.Contains("capacity", e.Message);
    }

    [Fact]
    public void The_authenticator_with_the_book_refuses_a_replay_from_another_origin()
    {
        var users = new TestUsers().With(Normal("alice", "alice-secret"));
        var auth = new Authenticator(users, Skew, () => Now, new SignatureReplayBook(Skew, 100));
        var header = RequestSignature.AuthorizationHeader("alice", "alice-secret", Date(Now));
        Assert.True(auth.VerifyAuthorizationHeader(header, Date(Now), "10.0.0.1").Ok);
        Assert.True(auth.VerifyAuthorizationHeader(header, Date(Now), "10.0.0.1").Ok);
        var replay = auth.VerifyAuthorizationHeader(header, Date(Now), "10.0.0.9");
        Assert.False(replay.Ok);
        Assert.Contains("replayed", replay.Error);
        // A wrong signature is refused as such and not remembered.
        Assert.False(auth.VerifySignature("alice", Date(Now), "00", "10.0.0.9").Ok);
        Assert.Equal(1, auth.Replays!.Count);
    }

    [Fact]
    public void Without_the_book_a_replay_within_the_skew_is_accepted_as_in_RocketMQ()
    {
        var users = new TestUsers().With(Normal("alice", "alice-secret"));
        var auth = new Authenticator(users, Skew, () => Now);
        var header = RequestSignature.AuthorizationHeader("alice", "alice-secret", Date(Now));
        Assert.True(auth.VerifyAuthorizationHeader(header, Date(Now), "10.0.0.1").Ok);
        Assert.True(auth.VerifyAuthorizationHeader(header, Date(Now), "10.0.0.9").Ok);
    }

    [Fact]
    public void The_setting_is_off_by_default_and_a_bad_capacity_is_named()
    {
        var settings = AuthSettings.Create(Akka.Configuration.ConfigurationFactory.Empty);
        Assert.False(settings.RejectReplayedSignatures);
        Assert.Equal(100_000, settings.ReplayedSignaturesCapacity);
        var on = AuthSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("akkamq.auth.reject-replayed-signatures = on"));
        Assert.True(on.RejectReplayedSignatures);
        var e = Assert.Throws<Akka.Configuration.ConfigurationException>(() =>
            AuthSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("akkamq.auth.replayed-signatures-capacity = 0")));
        Assert.Contains("replayed-signatures-capacity", e.Message);
    }

    [Fact]
    public void The_cache_raises_its_version_and_completes_the_next_change()
    {
        var cache = new AuthCache();
        var version = cache.Version;
        var next = cache.NextChange;
        Assert.False(next.IsCompleted);
        cache.Apply(new AuthChange.PutUser(Normal("alice")));
        Assert.True(next.IsCompleted);
        Assert.Equal(version + 1, cache.Version);
        Assert.False(cache.NextChange.IsCompleted);
    }

    [Fact]
    public void The_native_request_guard_refuses_a_signed_request_repeated_without_a_reply_address()
    {
        // A replay needs no answer, so it may come with no sender: with the book on, that repeat is refused.
        var users = new TestUsers().With(Normal("alice", "alice-secret"), Rule("Topic:orders", "Pub"));
        var settings = new AuthSettings(true, "admin", "admin-secret", Skew, true, "", TimeSpan.FromSeconds(5)) { RejectReplayedSignatures = true };
        var auth = new Authenticator(users, Skew, () => Now, new SignatureReplayBook(Skew, 100));
        var guard = new RequestGuard(settings, auth, users, "c", _ => false);
        var signed = new RequestSigner("alice", "alice-secret").Sign(new AkkaMq.Protocol.Broker.GetDataChannel("broker-a"), Now);
        Assert.False(guard.CheckSigned(signed, Akka.Actor.ActorRefs.Nobody).Refused);
        var replay = guard.CheckSigned(signed, Akka.Actor.ActorRefs.Nobody);
        Assert.True(replay.Refused);
        Assert.Equal(AkkaMq.Protocol.ResponseCode.Unauthorized, replay.Code);
        Assert.Contains("replayed", replay.Error);
    }
}
