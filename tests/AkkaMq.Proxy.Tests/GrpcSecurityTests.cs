using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// A standalone node with akkamq.auth on and its gRPC endpoint. Users: admin (Super, the init user), alice (Pub and
/// Sub on Topic:orders-*, Sub on Group:billing, a Deny of Pub on Topic:orders-frozen), carol (disabled, same rules).
/// </summary>
public sealed class GrpcSecureNodeFixture : IAsyncLifetime
{
    public const string SecretEnv = "AKKAMQ_GRPC_TEST_ADMIN_SECRET";
    public const string AliceSecret = "alice-secret-1";

    public AkkaMq.TestKit.AkkaMqTestNode Node { get; private set; } = null!;
    public ProxyServer Proxy { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public AkkaMqAdmin Root { get; private set; } = null!;
    private ActorSystem _client = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(SecretEnv, "admin-secret-1");
        Node = await TestNodes.StartStandaloneAsync($$"""
            akkamq.auth {
              enabled = on
              init-user { username = "admin", password-env = "{{SecretEnv}}" }
            }
            """);
        _client = ActorSystem.Create("grpc-sec-admin", ConfigurationFactory.ParseString(
            "akkamq.client.access-key = \"admin\"\nakkamq.client.secret-key = \"admin-secret-1\"\nakkamq.client.request-timeout = 5s").WithFallback(Node.ClientConfig()));
        var admin = Root = new AkkaMqAdmin(new ClientContext(_client, ClientSettings.Create(_client.Settings.Config)));
        await Eventually.ReturnsAsync(() => admin.ListUserAsync(null), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200),
            retryWhen: e => e is AkkaMqException);
        await admin.CreateUserAsync("alice", AliceSecret, "Normal");
        await admin.CreateUserAsync("carol", "carol-secret-1", "Normal");
        foreach (var user in new[] { "alice", "carol" })
        {
            await admin.CreateAclAsync("User:" + user, "Topic:orders-*", "Pub,Sub", null, "Allow");
            await admin.CreateAclAsync("User:" + user, "Group:billing", "Sub", null, "Allow");
            await admin.CreateAclAsync("User:" + user, "Topic:orders-frozen", "Pub", null, "Deny");
        }
        await admin.UpdateUserAsync("carol", null, null, "disable");
        foreach (var topic in new[] { "orders-eu", "orders-quiet", "orders-frozen", "payroll", "orders-node" })
            await admin.Context.CreateTopicAsync(TopicConfig.Create(topic, 2));
        Proxy = await ProxyServer.StartAsync(Node.System, Node.Settings.Broker!, ProxySettings.Default with { GrpcPort = 0 });
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Proxy.Port}");
        var alice = Client("alice", AliceSecret);
        await Eventually.TrueAsync(async () => (await alice.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = "orders-eu" } }))
            .Status.Code == Code.Ok, () => "the route of orders-eu never named the gRPC endpoint", TimeSpan.FromSeconds(30));
    }

    /// <summary>Stubs signing every call as RocketMQ's clients do (no key: no headers); at shifts the signed date.</summary>
    public MessagingService.MessagingServiceClient Client(string? accessKey, string? secret, TimeSpan? at = null) =>
        new(Channel.Intercept(metadata =>
        {
            if (accessKey == null) return metadata;
            var dateTime = RequestSignature.FormatDateTime(DateTimeOffset.UtcNow + (at ?? TimeSpan.Zero));
            metadata.Add("x-mq-date-time", dateTime);
            metadata.Add("authorization", RequestSignature.AuthorizationHeader(accessKey, secret!, dateTime));
            return metadata;
        }));

    /// <summary>Messages stored in the topic, read as the Super user.</summary>
    public async Task<long> StoredAsync(string topic) => (await Root.TopicStatusAsync(topic)).Sum(q => q.MaxOffset);

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Proxy.DisposeAsync();
        await _client.Terminate();
        await Node.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GrpcSecureNodeCollection : ICollectionFixture<GrpcSecureNodeFixture>
{
    public const string Name = "grpc secure node";
}

/// <summary>The gRPC surface of the security matrix: each refusal answers its code in the RPC's status and stores nothing.</summary>
[Collection(GrpcSecureNodeCollection.Name)]
public sealed class GrpcSecurityTests(GrpcSecureNodeFixture fx, ITestOutputHelper output)
{
    private static SendMessageRequest Send(string topic) => new() { Messages = { GrpcNodeFixture.NewMessage(topic, "refused?") } };

    public static TheoryData<string, string?, string?, int, string, string> Refusals => new()
    {
        // case, access key, secret, minutes the signed date is off, topic, what the message must name
        { "no credentials", null, null, 0, "orders-quiet", "no credentials" },
        { "wrong secret", "alice", "not-her-secret", 0, "orders-quiet", "alice" },
        { "stale date", "alice", GrpcSecureNodeFixture.AliceSecret, -30, "orders-quiet", "stale" },
        { "unknown user", "mallory", "whatever-1", 0, "orders-quiet", "mallory" },
        { "disabled user", "carol", "carol-secret-1", 0, "orders-quiet", "carol" },
        { "deny beats allow", "alice", GrpcSecureNodeFixture.AliceSecret, 0, "orders-frozen", "orders-frozen" },
        { "outside the prefix", "alice", GrpcSecureNodeFixture.AliceSecret, 0, "payroll", "payroll" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_send_answers_its_code_and_stores_nothing(string @case, string? accessKey, string? secret, int minutesOff,
        string topic, string named)
    {
        var before = await fx.StoredAsync(topic);
        var response = await fx.Client(accessKey, secret, TimeSpan.FromMinutes(minutesOff)).SendMessageAsync(Send(topic));
        output.WriteLine($"{@case}: {response.Status.Code} {response.Status.Message}");
        var expected = @case is "deny beats allow" or "outside the prefix" ? Code.Forbidden : Code.Unauthorized;
        Assert.Equal(expected, response.Status.Code);
        Assert.Contains(named, response.Status.Message);
        Assert.Equal(before, await fx.StoredAsync(topic));
    }

    [Fact]
    public async Task A_receive_under_the_wrong_group_is_forbidden_naming_user_and_group()
    {
        var alice = fx.Client("alice", GrpcSecureNodeFixture.AliceSecret);
        var (status, messages) = await new V2Consumer(alice, "payroll-readers", "orders-quiet").ReceiveAsync();
        Assert.Equal(Code.Forbidden, status.Code);
        Assert.Contains("alice", status.Message);
        Assert.Contains("payroll-readers", status.Message);
        Assert.Empty(messages);
    }

    [Fact]
    public async Task Telemetry_without_credentials_answers_unauthorized_and_ends_the_stream()
    {
        using var call = fx.Client(null, null).Telemetry();
        // The refusal comes at the call's start, before any Settings: a write could race the stream's end.
        var frames = new List<TelemetryCommand>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await call.ResponseStream.MoveNext(cts.Token)) frames.Add(call.ResponseStream.Current);
        Assert.Equal(Code.Unauthorized, Assert.Single(frames).Status.Code);
    }

    [Fact]
    public async Task An_allowed_user_sends_and_receives()
    {
        var alice = fx.Client("alice", GrpcSecureNodeFixture.AliceSecret);
        var before = await fx.StoredAsync("orders-eu");
        var sent = await alice.SendMessageAsync(Send("orders-eu"));
        Assert.Equal(Code.Ok, sent.Status.Code);
        Assert.Equal(before + 1, await fx.StoredAsync("orders-eu"));
        var received = await new V2Consumer(alice, "billing", "orders-eu").ReceiveAtLeastAsync(1, TimeSpan.FromSeconds(30));
        Assert.Contains(received, m => m.SystemProperties.MessageId == sent.Entries[0].MessageId);
    }

    [Fact]
    public async Task The_official_nodejs_client_works_with_access_key_and_secret_and_is_refused_without()
    {
        using var home = new TempDirectory();
        var resultFile = Path.Combine(home.Path, "sent.json");
        var run = await NodeJsClient.RunScriptAsync("auth.test.js", new Dictionary<string, string>
        {
            ["AKKAMQ_GRPC_ENDPOINT"] = fx.Proxy.Endpoint,
            ["AKKAMQ_TOPIC"] = "orders-node",
            ["AKKAMQ_GROUP"] = "billing",
            ["AKKAMQ_RESULT"] = resultFile,
            ["AKKAMQ_ACCESS_KEY"] = "alice",
            ["AKKAMQ_SECRET_KEY"] = GrpcSecureNodeFixture.AliceSecret,
            ["AKKAMQ_FORBIDDEN_TOPIC"] = "payroll",
            ["HOME"] = home.Path,
        }, TimeSpan.FromMinutes(2));
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"node --test auth.test.js exited {run.ExitCode}:\n{run.Output}");
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultFile));
        Assert.Equal(1, result.RootElement.GetProperty("sent").GetArrayLength());
        Assert.Equal(1, await fx.StoredAsync("orders-node"));
        Assert.Equal(0, await fx.StoredAsync("payroll")); // the script's forbidden send stored nothing
    }
}
