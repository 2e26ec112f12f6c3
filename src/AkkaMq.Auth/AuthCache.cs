using System.Collections.Immutable;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth;

/// <summary>
/// This node's copy of the users and ACLs, read by every request check without a message round
/// trip. The <see cref="AuthService"/> replaces it whenever the replicated maps change (here or on
/// another node); readers see one whole snapshot or the next, never a half-applied change.
/// Every change raises <see cref="Version"/> and completes <see cref="NextChange"/>, so holders of
/// long-lived sessions (gRPC Telemetry streams) check their user again.
/// </summary>
public sealed class AuthCache : IUserDirectory
{
    private volatile ImmutableDictionary<string, User> _users = ImmutableDictionary<string, User>.Empty.WithComparers(StringComparer.Ordinal);
    private volatile ImmutableDictionary<string, UserAcl> _acls = ImmutableDictionary<string, UserAcl>.Empty.WithComparers(StringComparer.Ordinal);

    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyDictionary<string, User> Users => _users;

    /// <summary>Raised by every change of users or ACLs.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Completes at the next change after it was read (continuations run off the writer's thread).</summary>
    public Task NextChange => Volatile.Read(ref _next).Task;
    public IReadOnlyDictionary<string, UserAcl> Acls => _acls;

    public User? FindUser(string username) => _users.GetValueOrDefault(username);
    public UserAcl? FindAcl(string username) => _acls.GetValueOrDefault(username);

    public void ReplaceUsers(IEnumerable<KeyValuePair<string, User>> users)
    {
        _users = ImmutableDictionary.CreateRange(StringComparer.Ordinal, users);
        Changed();
    }

    public void ReplaceAcls(IEnumerable<KeyValuePair<string, UserAcl>> acls)
    {
        _acls = ImmutableDictionary.CreateRange(StringComparer.Ordinal, acls);
        Changed();
    }

    /// <summary>Applies a change at once (read-your-writes), ahead of the replicator's notification.</summary>
    public void Apply(AuthChange change)
    {
        switch (change)
        {
            case AuthChange.PutUser p: _users = _users.SetItem(p.User.Username, p.User); break;
            case AuthChange.RemoveUser r: _users = _users.Remove(r.Username); _acls = _acls.Remove(r.Username); break;
            case AuthChange.PutAcl a: _acls = _acls.SetItem(a.Acl.Username, a.Acl); break;
            case AuthChange.RemoveAcl d: _acls = _acls.Remove(d.Username); break;
        }
        Changed();
    }

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
