using AkkaMq.Auth;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using AkkaMq.Proxy.Security;
using Apache.Rocketmq.V2;
using Grpc.Core;
using User = AkkaMq.Protocol.Auth.User;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// An open Telemetry stream is checked again on each command and on each change of users or ACLs: a user disabled or
/// whose ACL is removed gets the refusal as the stream's last command, and its producer leaves producerConnection. A
/// producer's Settings need Topic Pub on each topic it would be registered under (it receives their check-backs).
/// </summary>
[Collection(GrpcSecureNodeCollection.Name)]
public sealed class GrpcTelemetryAccessTests(GrpcSecureNodeFixture fx, ITestOutputHelper output)
{
    private static TelemetryCommand Publishing(params string[] topics)
    {
        var settings = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing() };
        foreach (var t in topics) settings.Publishing.Topics.Add(new Resource { Name = t });
        return new TelemetryCommand { Settings = settings };
    }

    private async Task<bool> ListedAsync(string topic, string clientId)
    {
        try
        {
            return (await fx.Root.ProducerConnectionAsync(topic, topic)).Connections.Any(c => c.ClientId == clientId);
        }
        catch (AkkaMqException e) when (e.Code == ResponseCode.QueryNotFound)
        {
            return false;
        }
    }

    /// <summary>A producer stream of user on topic, answered OK and listed in producerConnection.</summary>
    private async Task<AsyncDuplexStreamingCall<TelemetryCommand, TelemetryCommand>> OpenProducerAsync(string user, string secret, string clientId, string topic)
    {
        var call = fx.Client(user, secret).Telemetry(new Metadata { { "x-mq-client-id", clientId } }, deadline: DateTime.UtcNow.AddSeconds(90));
        await call.RequestStream.WriteAsync(Publishing(topic));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(Code.Ok, call.ResponseStream.Current.Status.Code);
        await Eventually.TrueAsync(() => ListedAsync(topic, clientId), () => $"{clientId} never appeared in producerConnection of {topic}", TimeSpan.FromSeconds(30));
        return call;
    }

    /// <summary>The commands until the server ends the stream; the last must be the refusal.</summary>
    private async Task<Apache.Rocketmq.V2.Status> EndingStatusAsync(AsyncDuplexStreamingCall<TelemetryCommand, TelemetryCommand> call)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        TelemetryCommand? last = null;
        while (await call.ResponseStream.MoveNext(cts.Token)) last = call.ResponseStream.Current;
        Assert.NotNull(last);
        output.WriteLine($"{last.Status.Code} {last.Status.Message}");
        return last.Status;
    }

    [Fact]
    public async Task A_user_disabled_while_its_stream_is_open_is_refused_and_its_producer_leaves_the_group()
    {
        await fx.Root.CreateUserAsync("tess", "tess-secret-1", "Normal");
        await fx.Root.CreateAclAsync("User:tess", "Topic:orders-*", "Pub", null, "Allow");
        using var call = await OpenProducerAsync("tess", "tess-secret-1", "tess-producer", "orders-eu");

        await fx.Root.UpdateUserAsync("tess", null, null, "disable");

        var status = await EndingStatusAsync(call);
        Assert.Equal(Code.Unauthorized, status.Code);
        Assert.Contains("tess", status.Message);
        Assert.Contains("disabled", status.Message);
        await Eventually.TrueAsync(async () => !await ListedAsync("orders-eu", "tess-producer"),
            () => "tess-producer is still in producerConnection of orders-eu", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_user_whose_acl_is_removed_while_its_stream_is_open_is_forbidden_and_leaves_the_group()
    {
        await fx.Root.CreateUserAsync("fred", "fred-secret-1", "Normal");
        await fx.Root.CreateAclAsync("User:fred", "Topic:orders-quiet", "Pub", null, "Allow");
        using var call = await OpenProducerAsync("fred", "fred-secret-1", "fred-producer", "orders-quiet");

        await fx.Root.DeleteAclAsync("User:fred", null);

        var status = await EndingStatusAsync(call);
        Assert.Equal(Code.Forbidden, status.Code);
        Assert.Contains("fred", status.Message);
        Assert.Contains("Topic:orders-quiet", status.Message);
        await Eventually.TrueAsync(async () => !await ListedAsync("orders-quiet", "fred-producer"),
            () => "fred-producer is still in producerConnection of orders-quiet", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_consumer_whose_user_is_disabled_leaves_its_group()
    {
        await fx.Root.CreateUserAsync("cory", "cory-secret-1", "Normal");
        await fx.Root.CreateAclAsync("User:cory", "Topic:orders-eu", "Sub", null, "Allow");
        await fx.Root.CreateAclAsync("User:cory", "Group:audit", "Sub", null, "Allow");
        using var call = fx.Client("cory", "cory-secret-1").Telemetry(new Metadata { { "x-mq-client-id", "cory-consumer" } }, deadline: DateTime.UtcNow.AddSeconds(90));
        var settings = new Settings
        {
            ClientType = ClientType.SimpleConsumer,
            Subscription = new Subscription { Group = new Resource { Name = "audit" }, Subscriptions = { new SubscriptionEntry { Topic = new Resource { Name = "orders-eu" } } } },
        };
        await call.RequestStream.WriteAsync(new TelemetryCommand { Settings = settings });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(Code.Ok, call.ResponseStream.Current.Status.Code);
        await Eventually.TrueAsync(() => ConsumerListedAsync("audit", "cory-consumer"), () => "cory-consumer never joined audit", TimeSpan.FromSeconds(30));

        await fx.Root.UpdateUserAsync("cory", null, null, "disable");

        var status = await EndingStatusAsync(call);
        Assert.Equal(Code.Unauthorized, status.Code);
        Assert.Contains("cory", status.Message);
        await Eventually.TrueAsync(async () => !await ConsumerListedAsync("audit", "cory-consumer"),
            () => "cory-consumer is still in consumerConnection of audit", TimeSpan.FromSeconds(30));
    }

    private async Task<bool> ConsumerListedAsync(string group, string clientId)
    {
        try
        {
            return (await fx.Root.ConsumerConnectionAsync(group)).Connections.Any(c => c.ClientId == clientId);
        }
        catch (AkkaMqException e) when (e.Code != ResponseCode.ConsumerGroupIllegal)
        {
            return false;
        }
    }

    [Fact]
    public async Task Producer_settings_for_a_topic_without_Pub_are_forbidden_and_not_registered()
    {
        using var call = fx.Client("alice", GrpcSecureNodeFixture.AliceSecret)
            .Telemetry(new Metadata { { "x-mq-client-id", "alice-payroll-producer" } }, deadline: DateTime.UtcNow.AddSeconds(60));
        await call.RequestStream.WriteAsync(Publishing("orders-eu", "payroll"));

        var status = await EndingStatusAsync(call);
        Assert.Equal(Code.Forbidden, status.Code);
        Assert.Contains("alice", status.Message);
        Assert.Contains("Pub on Topic:payroll", status.Message);
        Assert.False(await ListedAsync("payroll", "alice-payroll-producer"));
        Assert.False(await ListedAsync("orders-eu", "alice-payroll-producer"));
    }
}

/// <summary>The decision behind the re-checks, without a node.</summary>
public sealed class TelemetryAccessTests
{
    private sealed class Users : IUserDirectory
    {
        public Dictionary<string, User> All { get; } = new();
        public Dictionary<string, UserAcl> Acls { get; } = new();
        public User? FindUser(string username) => All.GetValueOrDefault(username);
        public UserAcl? FindAcl(string username) => Acls.GetValueOrDefault(username);
    }

    private static readonly User Alice = new("alice", "alice-secret", UserType.Normal, UserStatus.Enabled);

    private static AclRule Rule(string resource, string actions) =>
        new(AclResource.TryParse(resource, out var e) ?? throw new ArgumentException(e), AuthNames.ParseActions(actions, out _), Array.Empty<string>(), Decision.Allow);

    private static Settings Producer(string topic) => new() { Publishing = new Publishing { Topics = { new Resource { Name = topic } } } };

    private static Settings Consumer(string group, string topic) => new()
    {
        Subscription = new Subscription { Group = new Resource { Name = group }, Subscriptions = { new SubscriptionEntry { Topic = new Resource { Name = topic } } } },
    };

    private static (Users, TelemetryAccess) Setup()
    {
        var users = new Users();
        users.All["alice"] = Alice;
        users.Acls["alice"] = new UserAcl("alice", new[] { Rule("Topic:orders-*", "Pub,Sub"), Rule("Group:billing", "Sub") });
        return (users, new TelemetryAccess(users, Alice, null));
    }

    [Fact]
    public void Allowed_settings_go_on()
    {
        var (_, access) = Setup();
        Assert.Null(access.Recheck(null));
        Assert.Null(access.Recheck(Producer("orders-eu")));
        Assert.Null(access.Recheck(Consumer("billing", "orders-eu")));
    }

    [Theory]
    [InlineData("disabled")]
    [InlineData("deleted")]
    [InlineData("secret")]
    public void A_user_no_longer_as_it_opened_the_stream_is_unauthorized(string change)
    {
        var (users, access) = Setup();
        if (change == "disabled") users.All["alice"] = Alice with { Status = UserStatus.Disabled };
        else if (change == "deleted") users.All.Remove("alice");
        else users.All["alice"] = Alice with { Password = "new-secret" };
        var refusal = access.Recheck(Producer("orders-eu"));
        Assert.NotNull(refusal);
        Assert.Equal(Code.Unauthorized, refusal.Code);
        Assert.Contains("alice", refusal.Message);
    }

    [Fact]
    public void Settings_beyond_the_acl_are_forbidden_naming_the_resource()
    {
        var (users, access) = Setup();
        Assert.Contains("Pub on Topic:payroll", access.Recheck(Producer("payroll"))!.Message);
        Assert.Contains("Group:shipping", access.Recheck(Consumer("shipping", "orders-eu"))!.Message);
        Assert.Contains("Sub on Topic:payroll", access.Recheck(Consumer("billing", "payroll"))!.Message);
        users.Acls.Remove("alice");
        Assert.Equal(Code.Forbidden, access.Recheck(Producer("orders-eu"))!.Code);
    }

    [Fact]
    public void A_super_user_needs_no_rule()
    {
        var root = new User("root", "root-secret", UserType.Super, UserStatus.Enabled);
        var users = new Users();
        users.All["root"] = root;
        Assert.Null(new TelemetryAccess(users, root, null).Recheck(Producer("payroll")));
    }
}

/// <summary>akkamq.auth.reject-replayed-signatures on the gRPC check: the Node.js client signs each call, so the peer IP is the origin.</summary>
public sealed class GrpcReplayedSignatureTests
{
    private sealed class OneUser(User user) : IUserDirectory
    {
        public User? FindUser(string username) => username == user.Username ? user : null;
        public UserAcl? FindAcl(string username) => null;
    }

    [Fact]
    public void A_signature_repeated_from_another_peer_is_unauthorized_and_the_same_peer_may_repeat_it()
    {
        var now = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        var skew = TimeSpan.FromMinutes(5);
        var root = new User("root", "root-secret", UserType.Super, UserStatus.Enabled);
        var check = new GrpcAuthCheck(new Authenticator(new OneUser(root), skew, () => now, new SignatureReplayBook(skew, 100)), new OneUser(root));
        var date = RequestSignature.FormatDateTime(now);
        var header = RequestSignature.AuthorizationHeader("root", "root-secret", date);
        var request = new QueryRouteRequest { Topic = new Resource { Name = "orders-eu" } };
        Assert.Null(check.Refusal("QueryRoute", request, header, date, System.Net.IPAddress.Parse("10.0.0.1")));
        Assert.Null(check.Refusal("QueryRoute", request, header, date, System.Net.IPAddress.Parse("10.0.0.1")));
        var replay = check.Refusal("QueryRoute", request, header, date, System.Net.IPAddress.Parse("10.0.0.9"));
        Assert.NotNull(replay);
        Assert.Equal(Code.Unauthorized, replay.Code);
        Assert.Contains("replayed", replay.Message);
    }
}
