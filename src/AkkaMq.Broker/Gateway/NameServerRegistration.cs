using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker.Gateway;

/// <summary>How the NameServer answered a registration.</summary>
public enum RegistrationAnswer { Refused, FirstAccepted, Accepted }

/// <summary>
/// This broker node's registration with the NameServer (RocketMQ's registerBrokerAll): the node's
/// identity and its group's topic table, sent at start, on the NameServer's request, on every topic
/// change and every registerNameServerPeriod; unregistered when the gateway stops. Tracks the
/// oldest unanswered registration, so a silent NameServer is reported.
/// </summary>
public sealed class NameServerRegistration
{
    private readonly IActorRef _nameServer;
    private readonly BrokerSettings _settings;
    private DateTime? _sentAt; // the oldest registration the NameServer has not answered

    public NameServerRegistration(IActorRef nameServer, BrokerSettings settings)
    {
        _nameServer = nameServer;
        _settings = settings;
    }

    /// <summary>host:port of the node's gRPC endpoint (AkkaMq.Proxy), registered so routes name it; null while it serves none.</summary>
    public string? GrpcEndpoint { get; private set; }

    /// <summary>True when the endpoint changed (the gateway then registers at once); the proxy repeats it, so a restarted gateway learns it again.</summary>
    public bool SetGrpcEndpoint(string endpoint)
    {
        if (GrpcEndpoint == endpoint) return false;
        GrpcEndpoint = endpoint;
        return true;
    }

    /// <summary>True once the NameServer accepted a registration.</summary>
    public bool Registered { get; private set; }

    public void Register(BrokerIdentity identity, IReadOnlyList<TopicConfig> topics, DateTime now, IActorRef self)
    {
        _sentAt ??= now;
        _nameServer.Tell(new RegisterBroker(identity, topics, _settings.AutoCreateTopicEnable, _settings.DefaultTopicQueueNums)
            { GrpcEndpoint = GrpcEndpoint }, self);
    }

    /// <summary>How long the oldest registration has gone unanswered, once that is a heartbeat period or more.</summary>
    public TimeSpan? Unanswered(DateTime now) =>
        _sentAt is { } sent && now - sent is var waited && waited >= _settings.RegisterNameServerPeriod ? waited : null;

    public RegistrationAnswer OnReply(RegisterBrokerReply m)
    {
        _sentAt = null;
        if (m.Code != ResponseCode.Success) return RegistrationAnswer.Refused;
        if (Registered) return RegistrationAnswer.Accepted;
        Registered = true;
        return RegistrationAnswer.FirstAccepted;
    }

    /// <summary>Leaves the routes at once instead of waiting for the NameServer to notice.</summary>
    public void Unregister(IActorRef self) =>
        _nameServer.Tell(new UnregisterBroker(_settings.BrokerClusterName, _settings.BrokerName, _settings.BrokerId), self);
}
