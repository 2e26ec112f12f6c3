using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth;

/// <summary>
/// Users and ACLs of the cluster, one per node (/user/akkamq-auth). They live in two replicated maps
/// (Akka.DistributedData LWW maps, names in <see cref="AuthStore"/>) that every node holds, pushes to
/// the others by gossip, and keeps on disk (LMDB) where it has a data directory. Each change
/// reaches this node's <see cref="AuthCache"/> at once and every other node's on their next notification.
/// Admin requests are decided by <see cref="AuthAdmin"/> on the cache, then written with a majority of nodes.
/// At start the init user is created when a majority read shows the cluster has no user of that name.
/// </summary>
public sealed class AuthService : ReceiveActor, IWithTimers
{
    public const string Name = "akkamq-auth";

    private sealed record Pending(IActorRef ReplyTo, AuthAdminReply Reply, int Remaining);
    private sealed class EnsureInitUser : INoSerializationVerificationNeeded { public static readonly EnsureInitUser Instance = new(); }

    private readonly IActorRef _replicator;
    private readonly AuthSettings _settings;
    private readonly AuthCache _cache;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, Pending> _pending = new();
    // Changes applied to the cache whose write the replicator has not answered: a notification sent before
    // it took them carries the older map, so they are applied again on top of every notification until then.
    private readonly List<(long Id, AuthChange Change)> _unconfirmed = new();
    private long _nextId;

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly AuthSnapshotFile? _file;

    public static Props Props(IActorRef replicator, AuthSettings settings, AuthCache cache, string? durableDir) =>
        Akka.Actor.Props.Create(() => new AuthService(replicator, settings, cache, durableDir));

    public AuthService(IActorRef replicator, AuthSettings settings, AuthCache cache, string? durableDir)
    {
        _replicator = replicator;
        _settings = settings;
        _cache = cache;
        _file = string.IsNullOrEmpty(durableDir) ? null : new AuthSnapshotFile(durableDir, Context.System);
        Receive<Changed>(OnChanged);
        Receive<EnsureInitUser>(_ => _replicator.Tell(Dsl.Get(AuthStore.Users, new ReadMajority(_settings.WriteTimeout), EnsureInitUser.Instance)));
        Receive<GetSuccess>(g => g.Request is EnsureInitUser, g => CreateInitUser(g.Get(AuthStore.Users)));
        // No node holds users: the whole cluster restarted, so this node's own copy on disk seeds the maps.
        Receive<NotFound>(g => g.Request is EnsureInitUser, _ => CreateInitUser(SeedFromDisk()));
        Receive<GetFailure>(g => g.Request is EnsureInitUser, _ =>
            Timers.StartSingleTimer("init-user", EnsureInitUser.Instance, TimeSpan.FromSeconds(1)));
        Receive<GetSuccess>(g => g.Request == null, Load);
        Receive<IAuthAdminRequest>(OnAdmin);
        Receive<IUpdateResponse>(OnUpdated);
    }

    /// <summary>Reachable by path over Akka.Remote like any actor: the same guard as the gateways.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        var result = AuthExtension.For(Context.System).Guard.Check(message, Sender);
        if (!result.Refused) return base.AroundReceive(receive, result.Message);
        _log.Warning("Auth refused {0} from {1}: {2}", result.Message.GetType().Name, Sender.Path.Address, result.Error);
        if (!Sender.IsNobody()) Sender.Tell(RequestGuard.RefusalFor(result.Message, result.Code, result.Error!));
        return true;
    }

    protected override void PreStart()
    {
        _replicator.Tell(Dsl.Subscribe(AuthStore.Users, Self));
        _replicator.Tell(Dsl.Subscribe(AuthStore.Acls, Self));
        _replicator.Tell(Dsl.Get(AuthStore.Users, ReadLocal.Instance));
        _replicator.Tell(Dsl.Get(AuthStore.Acls, ReadLocal.Instance));
        if (_settings.InitUsername.Length > 0 && _settings.InitPassword != null) Self.Tell(EnsureInitUser.Instance);
    }

    private void Load(GetSuccess g)
    {
        if (g.Key.Equals(AuthStore.Users)) _cache.ReplaceUsers(g.Get(AuthStore.Users).Entries);
        else if (g.Key.Equals(AuthStore.Acls)) _cache.ReplaceAcls(g.Get(AuthStore.Acls).Entries);
    }

    private void OnChanged(Changed c)
    {
        if (c.Key.Equals(AuthStore.Users)) _cache.ReplaceUsers(c.Get(AuthStore.Users).Entries);
        else if (c.Key.Equals(AuthStore.Acls)) _cache.ReplaceAcls(c.Get(AuthStore.Acls).Entries);
        foreach (var (_, change) in _unconfirmed) _cache.Apply(change);
        _file?.Write(_cache);
    }

    private LWWDictionary<string, User> SeedFromDisk()
    {
        var users = LWWDictionary<string, User>.Empty;
        if (_file?.Read() is not { } saved) return users;
        foreach (var u in saved.Users) users = users.SetItem(_cluster, u.Username, u);
        var acls = LWWDictionary<string, UserAcl>.Empty;
        foreach (var a in saved.Acls) acls = acls.SetItem(_cluster, a.Username, a);
        foreach (var u in saved.Users) _cache.Apply(new AuthChange.PutUser(u));
        foreach (var a in saved.Acls) _cache.Apply(new AuthChange.PutAcl(a));
        _replicator.Tell(Dsl.Update(AuthStore.Users, LWWDictionary<string, User>.Empty, WriteLocal.Instance, m => m.Merge(users)));
        _replicator.Tell(Dsl.Update(AuthStore.Acls, LWWDictionary<string, UserAcl>.Empty, WriteLocal.Instance, m => m.Merge(acls)));
        _log.Info("Auth: loaded {0} users and {1} ACLs from {2}", saved.Users.Count, saved.Acls.Count, _file.Path);
        return users;
    }

    private void CreateInitUser(LWWDictionary<string, User> users)
    {
        if (users.ContainsKey(_settings.InitUsername))
        {
            _log.Info("Auth: init user {0} exists; its secret is the stored one", _settings.InitUsername);
            return;
        }
        var user = new User(_settings.InitUsername, _settings.InitPassword!, UserType.Super, UserStatus.Enabled);
        _cache.Apply(new AuthChange.PutUser(user));
        _replicator.Tell(Dsl.Update(AuthStore.Users, LWWDictionary<string, User>.Empty, new WriteMajority(_settings.WriteTimeout),
            map => map.ContainsKey(user.Username) ? map : map.SetItem(_cluster, user.Username, user)));
        _log.Info("Auth: created the init super user {0}", user.Username);
    }

    private void OnAdmin(IAuthAdminRequest request)
    {
        var decision = AuthAdmin.Decide(request, _cache.Users, _cache.Acls);
        if (decision.Changes.Count == 0)
        {
            Sender.Tell(decision.Reply);
            return;
        }
        var id = ++_nextId;
        _pending[id] = new Pending(Sender, decision.Reply, decision.Changes.Count);
        var write = new WriteMajority(_settings.WriteTimeout);
        foreach (var change in decision.Changes)
        {
            _cache.Apply(change);
            _unconfirmed.Add((id, change));
            switch (change)
            {
                case AuthChange.PutUser p:
                    _replicator.Tell(Dsl.Update(AuthStore.Users, LWWDictionary<string, User>.Empty, write, id, m => m.SetItem(_cluster, p.User.Username, p.User)));
                    break;
                case AuthChange.RemoveUser r:
                    _replicator.Tell(Dsl.Update(AuthStore.Users, LWWDictionary<string, User>.Empty, write, id, m => m.Remove(_cluster, r.Username)));
                    _pending[id] = _pending[id] with { Remaining = _pending[id].Remaining + 1 };
                    _replicator.Tell(Dsl.Update(AuthStore.Acls, LWWDictionary<string, UserAcl>.Empty, write, id, m => m.Remove(_cluster, r.Username)));
                    break;
                case AuthChange.PutAcl a:
                    _replicator.Tell(Dsl.Update(AuthStore.Acls, LWWDictionary<string, UserAcl>.Empty, write, id, m => m.SetItem(_cluster, a.Acl.Username, a.Acl)));
                    break;
                case AuthChange.RemoveAcl d:
                    _replicator.Tell(Dsl.Update(AuthStore.Acls, LWWDictionary<string, UserAcl>.Empty, write, id, m => m.Remove(_cluster, d.Username)));
                    break;
            }
        }
    }

    private void OnUpdated(IUpdateResponse r)
    {
        if (r.Request is not long id || !_pending.TryGetValue(id, out var p)) return;
        if (!r.IsSuccessful)
        {
            // Not re-applied past its answer: the replica's next notification says whether it was written.
            _unconfirmed.RemoveAll(u => u.Id == id);
            _pending.Remove(id);
            var why = r is ModifyFailure f ? f.ErrorMessage : $"not confirmed by a majority of the nodes within {_settings.WriteTimeout.TotalSeconds:0.#} s";
            p.ReplyTo.Tell(AuthAdminReply.Failed(ResponseCode.ServiceNotAvailable,
                $"the change is written on this node but {why}; it spreads when the others answer"));
            return;
        }
        if (p.Remaining > 1) _pending[id] = p with { Remaining = p.Remaining - 1 };
        else
        {
            _unconfirmed.RemoveAll(u => u.Id == id);
            _pending.Remove(id);
            p.ReplyTo.Tell(p.Reply);
        }
    }
}

/// <summary>The replicated maps and their replicator; each node's copy on disk is an <see cref="AuthSnapshotFile"/>.</summary>
public static class AuthStore
{
    public static readonly LWWDictionaryKey<string, User> Users = new("akkamq-auth-users");
    public static readonly LWWDictionaryKey<string, UserAcl> Acls = new("akkamq-auth-acls");
    public const string ReplicatorName = "akkamq-auth-replicator";

    /// <summary>Starts this node's replicator and <see cref="AuthService"/>; durableDir null or empty keeps the maps in memory only.</summary>
    public static IActorRef Start(ActorSystem system, string? durableDir)
    {
        var auth = AuthExtension.For(system);
        system.Settings.InjectTopLevelFallback(DistributedData.DefaultConfig());
        // DistributedData's LMDB store does not load against the LightningDB version pinned here; AuthSnapshotFile keeps the copy.
        var config = ConfigurationFactory.ParseString($"name = {ReplicatorName}\nrole = \"\"\ndurable.keys = []")
            .WithFallback(system.Settings.Config.GetConfig("akka.cluster.distributed-data"));
        // A replicator of our own (own name, own LMDB directory), not the system's shared one; its class is not public API.
        var replicatorType = typeof(DistributedData).Assembly.GetType("Akka.DistributedData.Replicator", throwOnError: true)!;
        var replicator = system.ActorOf(Props.Create(replicatorType, ReplicatorSettings.Create(config)), ReplicatorName);
        return system.ActorOf(AuthService.Props(replicator, auth.Settings, auth.Cache, durableDir), AuthService.Name);
    }
}
