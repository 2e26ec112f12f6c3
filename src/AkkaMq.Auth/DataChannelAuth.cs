using System.Net;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Remoting;

namespace AkkaMq.Auth;

/// <summary>
/// The data channel's users and ACLs: each connection gets a <see cref="DataChannelSessionAuth"/> with its own
/// nonces (<see cref="ChallengeBook"/>), so an answer recorded on one connection is refused on any other.
/// </summary>
public sealed class DataChannelAuth : IDataChannelAuth
{
    private readonly Authenticator _authenticator;
    private readonly IUserDirectory _users;
    private readonly Func<User, object, IPAddress?, AuthzDecision> _authorize;
    private readonly Func<object, ResponseCode, string, object?> _refusal;
    private readonly TimeSpan _challengeLifetime;

    /// <param name="authorize">The ACL decision every surface uses (<see cref="RequestGuard.Authorize"/>).</param>
    /// <param name="refusal">The request's own refusal reply (a broker request's FailureReply), null when it expects none.</param>
    /// <param name="challengeLifetime">How long a nonce may be answered (the handshake timeout).</param>
    public DataChannelAuth(Authenticator authenticator, IUserDirectory users, Func<User, object, IPAddress?, AuthzDecision> authorize,
        Func<object, ResponseCode, string, object?> refusal, TimeSpan challengeLifetime)
    {
        _authenticator = authenticator;
        _users = users;
        _authorize = authorize;
        _refusal = refusal;
        _challengeLifetime = challengeLifetime > TimeSpan.Zero ? challengeLifetime : TimeSpan.FromSeconds(10);
    }

    public IDataChannelSessionAuth Begin(IPAddress? source) => new DataChannelSessionAuth(this, source);

    /// <summary>
    /// One connection: its challenge, the user its answer proved, and the check of each request against the live
    /// users and ACLs (an ACL change or a disabled user applies to open sessions at the next request; nothing is cached).
    /// </summary>
    public sealed class DataChannelSessionAuth : IDataChannelSessionAuth
    {
        private readonly DataChannelAuth _auth;
        private readonly IPAddress? _source;
        private readonly ChallengeBook _book;
        private string? _username;

        internal DataChannelSessionAuth(DataChannelAuth auth, IPAddress? source)
        {
            _auth = auth;
            _source = source is { IsIPv4MappedToIPv6: true } ? source.MapToIPv4() : source;
            _book = new ChallengeBook(auth._challengeLifetime);
        }

        /// <summary>The user the session is bound to; null before a successful handshake.</summary>
        public string? Username => _username;

        public DataChannelAuthChallenge Challenge() => _book.Issue(_auth._authenticator.Now);

        public string? Verify(DataChannelAuthResponse response)
        {
            if (_username != null) return "the session is already authenticated";
            var result = _auth._authenticator.VerifyChallenge(_book, response);
            if (!result.Ok) return result.Error;
            _username = result.User!.Username;
            return null;
        }

        public bool Refuses(object request, out object? refusal)
        {
            if (_username == null)
            {
                refusal = _auth._refusal(request, ResponseCode.Unauthorized, $"{request.GetType().Name} before the session handshake");
                return true;
            }
            var user = _auth._users.FindUser(_username);
            if (user == null || user.Status == UserStatus.Disabled)
            {
                refusal = _auth._refusal(request, ResponseCode.Unauthorized,
                    user == null ? $"user '{_username}' was deleted after the session opened" : $"user '{_username}' is disabled");
                return true;
            }
            var decision = _auth._authorize(user, request, _source);
            if (decision.Allowed)
            {
                refusal = null;
                return false;
            }
            refusal = _auth._refusal(request, ResponseCode.Forbidden, decision.Error!);
            return true;
        }
    }
}
