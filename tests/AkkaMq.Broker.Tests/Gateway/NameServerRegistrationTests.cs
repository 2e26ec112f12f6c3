using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Broker.Gateway;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker.Tests.Gateway;

/// <summary>What the gateway learns from the NameServer's answers to its registrations.</summary>
public sealed class NameServerRegistrationTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly BrokerSettings _settings = BrokerSettings.Create(ConfigurationFactory.ParseString("akkamq.broker.registerNameServerPeriod = 30s"));
    private readonly NameServerRegistration _registration;

    public NameServerRegistrationTests() => _registration = new NameServerRegistration(ActorRefs.Nobody, _settings);

    private void Register(DateTime at) => _registration.Register(_settings.Identity("127.0.0.1:2551"), Array.Empty<TopicConfig>(), at, ActorRefs.Nobody);

    [Fact]
    public void A_registration_unanswered_for_a_period_is_reported_from_the_oldest_one()
    {
        Register(T0);
        Register(T0.AddSeconds(20));
        Assert.Null(_registration.Unanswered(T0.AddSeconds(29)));
        Assert.Equal(TimeSpan.FromSeconds(31), _registration.Unanswered(T0.AddSeconds(31)));
    }

    [Fact]
    public void An_answer_clears_the_wait_even_a_refusal()
    {
        Register(T0);
        Assert.Equal(RegistrationAnswer.Refused, _registration.OnReply(new RegisterBrokerReply(ResponseCode.SystemError, "no")));
        Assert.False(_registration.Registered);
        Assert.Null(_registration.Unanswered(T0.AddMinutes(5)));
    }

    [Fact]
    public void Only_the_first_acceptance_is_news()
    {
        Assert.Equal(RegistrationAnswer.FirstAccepted, _registration.OnReply(new RegisterBrokerReply(ResponseCode.Success, null)));
        Assert.True(_registration.Registered);
        Assert.Equal(RegistrationAnswer.Accepted, _registration.OnReply(new RegisterBrokerReply(ResponseCode.Success, null)));
    }
}
