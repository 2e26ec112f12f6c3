using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Serialization;

namespace AkkaMq.Protocol.Tests;

/// <summary>Samples of the users, ACLs and signed requests (issue 22).</summary>
internal static class AuthSamples
{
    private static readonly AclRule Rule = new(new AclResource(ResourceType.Topic, "orders-", ResourcePattern.Prefixed), AclAction.Pub | AclAction.Sub,
        new[] { "10.0.0.0/8", "::1" }, Decision.Deny);
    private static readonly User Alice = new("alice", Samples.Unicode, UserType.Normal, UserStatus.Disabled);

    public static readonly Dictionary<string, Func<object>> All = new()
    {
        ["User"] = () => Alice,
        ["UserAcl"] = () => new UserAcl("alice", new[] { Rule, new AclRule(AclResource.Everything, AclAction.All, Array.Empty<string>(), Decision.Allow) }),
        ["SignedRequest"] = () => new SignedRequest("alice", "20261206T100000Z", "0a1b", Samples.Get("SendMessages")),
        ["CreateUser"] = () => new CreateUser(new User("root", "secret", UserType.Super, UserStatus.Enabled)),
        ["UpdateUser"] = () => new UpdateUser("alice", null, UserType.Super, null),
        ["DeleteUser"] = () => new DeleteUser("alice"),
        ["GetUser"] = () => new GetUser("alice"),
        ["ListUsers"] = () => new ListUsers(""),
        ["CreateAcl"] = () => new CreateAcl("alice", new[] { Rule }),
        ["UpdateAcl"] = () => new UpdateAcl("alice", new[] { Rule }),
        ["DeleteAcl"] = () => new DeleteAcl("alice", new[] { Rule.Resource, AclResource.Everything }),
        ["GetAcl"] = () => new GetAcl("alice"),
        ["ListAcls"] = () => new ListAcls("al"),
        ["AuthAdminReply"] = () => new AuthAdminReply(ResponseCode.Forbidden, "no", new[] { Alice }, new[] { new UserAcl("alice", new[] { Rule }) }),
        ["DataChannelAuthChallenge"] = () => new DataChannelAuthChallenge(new byte[] { 1, 2, 3 }, "20261206T100000Z"),
        ["DataChannelAuthResponse"] = () => new DataChannelAuthResponse("alice", new byte[] { 1, 2, 3 }, "20261206T100001Z", "ff"),
        ["DataChannelAuthResult"] = () => new DataChannelAuthResult(ResponseCode.Unauthorized, "who are you"),
        ["AccessRefused"] = () => new AccessRefused(ResponseCode.Forbidden, Samples.LongUnicode),
        ["DataChannelEndpoint"] = () => new DataChannelEndpoint("broker-a", "127.0.0.1", 65535, true, AkkaMq.Protocol.Security.TlsServerMode.Enforcing),
        ["DataChannelEndpoint-none"] = () => new DataChannelEndpoint("broker-a", "", 0, false, AkkaMq.Protocol.Security.TlsServerMode.Disabled),
    };

    public static readonly (Type Type, string Manifest)[] PinnedManifests =
    {
        (typeof(User), "UU1"), (typeof(UserAcl), "UA1"), (typeof(SignedRequest), "US"), (typeof(CreateUser), "UCU"), (typeof(UpdateUser), "UUU"),
        (typeof(DeleteUser), "UDU"), (typeof(GetUser), "UGU"), (typeof(ListUsers), "ULU"), (typeof(CreateAcl), "UCA"), (typeof(UpdateAcl), "UUA"),
        (typeof(DeleteAcl), "UDA"), (typeof(GetAcl), "UGA"), (typeof(ListAcls), "ULA"), (typeof(AuthAdminReply), "UR"),
        (typeof(DataChannelAuthChallenge), "UHC"), (typeof(DataChannelAuthResponse), "UHR"), (typeof(DataChannelAuthResult), "UHS"),
        (typeof(AccessRefused), "UX"), (typeof(DataChannelEndpoint), "UHE"),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
    public static IEnumerable<object[]> Manifests => PinnedManifests.Select(x => new object[] { x.Type.Name, x.Manifest });
}

public sealed class AuthSerializerTests : IClassFixture<SerializerFixture>
{
    private readonly SerializerFixture _fx;
    public AuthSerializerTests(SerializerFixture fx) => _fx = fx;

    [Theory]
    [MemberData(nameof(AuthSamples.Names), MemberType = typeof(AuthSamples))]
    public void Every_auth_sample_round_trips_field_by_field(string name) => _fx.AssertRoundTrip(AuthSamples.All[name]());

    [Theory]
    [MemberData(nameof(AuthSamples.Manifests), MemberType = typeof(AuthSamples))]
    public void Auth_manifests_are_pinned(string typeName, string manifest)
    {
        var sample = AuthSamples.All.Values.Select(f => f()).First(o => o.GetType().Name == typeName);
        Assert.Equal(manifest, _fx.Serializer.Manifest(sample));
    }

    [Fact]
    public void A_client_system_with_credentials_signs_its_requests_and_nothing_else()
    {
        var config = ConfigurationFactory.ParseString("""
            akkamq.client.access-key = alice
            akkamq.client.secret-key = alice-secret
            """).WithFallback(ProtocolConfig.Default);
        using var client = ActorSystem.Create("signing-client", config);
        var ser = new AkkaMqSerializer((ExtendedActorSystem)client);
        var request = new GetRouteInfo("orders", false);
        Assert.Equal("US", ser.Manifest(request));
        var signed = Assert.IsType<SignedRequest>(ser.FromBinary(ser.ToBinary(request), "US"));
        Assert.Equal("alice", signed.AccessKey);
        Assert.Equal(RequestSignature.Sign("alice-secret", signed.DateTime), signed.Signature);
        Assert.Equal(request, signed.Request);
        var reply = new RouteInfoReply("orders", ResponseCode.Success, null, null);
        Assert.Equal(_fx.Serializer.Manifest(reply), ser.Manifest(reply));
        // Without credentials (the fixture's system) nothing is wrapped.
        Assert.NotEqual("US", _fx.Serializer.Manifest(request));
    }
}
