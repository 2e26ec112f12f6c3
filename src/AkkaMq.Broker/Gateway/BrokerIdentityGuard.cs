using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker.Gateway;

/// <summary>Why a broker node stopped: another live node holds its broker identity. The executable exits non-zero on it.</summary>
public sealed class BrokerIdentityRefused : CoordinatedShutdown.Reason
{
    public BrokerIdentityRefused(string message) => Message = message;

    public string Message { get; }

    /// <summary>The executable's exit code (2 is a node that could not start at all).</summary>
    public override int ExitCode => 3;

    public override string ToString() => Message;
}

/// <summary>
/// Keeps this node's broker identity (brokerName, brokerId) to one live node. Once this node is Up
/// (its age is settled then), every member with the same group and id roles is judged by
/// <see cref="BrokerIdentityClaim"/>: an older live one refuses this node, which logs both nodes and
/// stops (CoordinatedShutdown with <see cref="BrokerIdentityRefused"/>); an older one that is leaving
/// or unreachable is waited for. A younger claimant is refused by its own guard, and shard
/// allocation prefers the older node meanwhile.
/// </summary>
public sealed class BrokerIdentityGuard : ReceiveActor, IWithTimers
{
    public const string Name = "broker-identity-guard";

    private sealed class Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }

    private readonly BrokerSettings _settings;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _groupRole;
    private readonly string _idRole;
    private Address? _waitingFor;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BrokerSettings settings) => Akka.Actor.Props.Create(() => new BrokerIdentityGuard(settings));

    public BrokerIdentityGuard(BrokerSettings settings)
    {
        _settings = settings;
        _groupRole = BrokerRegion.GroupRole(settings.BrokerName);
        _idRole = BrokerRegion.IdRole(settings.BrokerId);
        // Cluster.State is updated apart from the events, so the events and a tick both re-check it.
        Receive<ClusterEvent.CurrentClusterState>(_ => Check());
        Receive<ClusterEvent.IMemberEvent>(_ => Check());
        Receive<ClusterEvent.IReachabilityEvent>(_ => Check());
        Receive<Tick>(_ => Check());
    }

    private string Identity => $"{_settings.BrokerClusterName}/{_settings.BrokerName}/{_settings.BrokerId}";

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("check", Tick.Instance, TimeSpan.FromSeconds(1));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Check()
    {
        var state = _cluster.State;
        var self = state.Members.FirstOrDefault(m => m.UniqueAddress.Equals(_cluster.SelfUniqueAddress));
        if (self is not { Status: MemberStatus.Up }) return;
        Member? waitFor = null;
        var waitState = RivalState.Gone;
        foreach (var m in state.Members)
        {
            if (m.UniqueAddress.Equals(self.UniqueAddress) || !m.HasRole(_groupRole) || !m.HasRole(_idRole)) continue;
            var rival = StateOf(m, state);
            switch (BrokerIdentityClaim.Decide(rival, m.IsOlderThan(self)))
            {
                case ClaimVerdict.Refused:
                    Refuse(m.Address, self.Address);
                    return;
                case ClaimVerdict.Waits:
                    waitFor = m;
                    waitState = rival;
                    break;
            }
        }
        if (waitFor != null)
        {
            if (!waitFor.Address.Equals(_waitingFor))
                _log.Warning("{0}", BrokerIdentityClaim.WaitingMessage(Identity, waitFor.Address.ToString(), self.Address.ToString(), waitState));
            _waitingFor = waitFor.Address;
            return;
        }
        if (_waitingFor != null) _log.Info("Broker identity {0} is now held by this node ({1}); {2} is gone", Identity, self.Address, _waitingFor);
        // Settled: every later claimant is younger, and its own guard refuses it.
        Context.Stop(Self);
    }

    private static RivalState StateOf(Member m, ClusterEvent.CurrentClusterState state) => m.Status switch
    {
        MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Removed => RivalState.Gone,
        MemberStatus.Leaving => RivalState.Leaving,
        _ => state.Unreachable.Contains(m) ? RivalState.Unreachable : RivalState.Live,
    };

    private void Refuse(Address holder, Address self)
    {
        var message = BrokerIdentityClaim.RefusedMessage(Identity, holder.ToString(), self.ToString());
        _log.Error("This broker node stops: {0}", message);
        Timers.CancelAll();
        _cluster.Unsubscribe(Self);
        Become(() => ReceiveAny(_ => { }));
        CoordinatedShutdown.Get(Context.System).Run(new BrokerIdentityRefused(message));
    }
}
