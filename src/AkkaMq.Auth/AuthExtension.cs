using Akka.Actor;
using Akka.Cluster;

namespace AkkaMq.Auth;

/// <summary>
/// Per ActorSystem: the auth settings, this node's <see cref="AuthCache"/>, its <see cref="Authenticator"/>
/// and the <see cref="RequestGuard"/> gateways put in front of client requests. Surfaces that authenticate
/// their own way (HTTP, gRPC, the data channel) use Authenticator and Guard.Authorize from here.
/// </summary>
public sealed class AuthExtension : IExtension
{
    public AuthExtension(ExtendedActorSystem system)
    {
        Settings = AuthSettings.Create(system.Settings.Config);
        var replays = Settings.RejectReplayedSignatures ? new SignatureReplayBook(Settings.MaxClockSkew, Settings.ReplayedSignaturesCapacity) : null;
        Authenticator = new Authenticator(Cache, Settings.MaxClockSkew, replays: replays);
        var provider = system.Provider as Akka.Cluster.ClusterActorRefProvider;
        Func<Address, bool> isMember = provider == null
            ? _ => false
            : address => Cluster.Get(system).State.Members.Any(m => m.Address.Equals(address));
        Guard = new RequestGuard(Settings, Authenticator, Cache, system.Name, isMember);
    }

    public AuthSettings Settings { get; }
    public AuthCache Cache { get; } = new();
    public Authenticator Authenticator { get; }
    public RequestGuard Guard { get; }

    public static AuthExtension For(ActorSystem system) => system.WithExtension<AuthExtension, AuthExtensionProvider>();
}

public sealed class AuthExtensionProvider : ExtensionIdProvider<AuthExtension>
{
    public override AuthExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
