using System.Net.Http.Headers;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Hosting.Http;
using AkkaMq.Protocol;
using AkkaMq.TestKit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace AkkaMq.Auth.Tests;

/// <summary>
/// A standalone node with akkamq.auth on and its HTTP endpoint, and the users the matrix needs:
/// admin (Super, the init user), alice (Normal: Pub and Sub on Topic:orders-*, Sub on Group:billing,
/// a Deny of Pub on Topic:orders-frozen), bob (Normal, no ACL), carol (disabled, same rules as alice).
/// </summary>
public class SecureNodeFixture : IAsyncLifetime
{
    public const string SecretEnv = "AKKAMQ_TEST_ADMIN_SECRET";
    public const string AdminSecret = "admin-secret-1";
    public const string AliceSecret = "alice-secret-1";

    public AkkaMqTestNode Node { get; private set; } = null!;
    public NodeHttpServer Http { get; private set; } = null!;
    public string ClusterName => Node.System.Name;
    private readonly List<ActorSystem> _clients = new();

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(SecretEnv, AdminSecret);
        Node = await TestNodes.StartStandaloneAsync($$"""
            akkamq.auth {
              enabled = on
              init-user { username = "admin", password-env = "{{SecretEnv}}" }
              metrics-open = off
            }
            {{ExtraHocon}}
            """);
        Http = await NodeHttpServer.StartAsync(Node.System, Node.Settings with { NamesrvAddr = new[] { Node.Address } }, new NodeHttpSettings(true, "127.0.0.1", 0, TimeSpan.FromSeconds(5)));
        var admin = Root = Admin("admin", AdminSecret);
        await Eventually.ReturnsAsync(() => admin.ListUserAsync(null), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200),
            retryWhen: e => e is AkkaMqException);
        await admin.CreateUserAsync("alice", AliceSecret, "Normal");
        await admin.CreateUserAsync("bob", "bob-secret-1", "Normal");
        await admin.CreateUserAsync("carol", "carol-secret-1", "Normal");
        foreach (var user in new[] { "alice", "carol" })
        {
            await admin.CreateAclAsync("User:" + user, "Topic:orders-*", "Pub,Sub", null, "Allow");
            await admin.CreateAclAsync("User:" + user, "Group:billing", "Sub", null, "Allow");
            await admin.CreateAclAsync("User:" + user, "Topic:orders-frozen", "Pub", null, "Deny");
        }
        await admin.UpdateUserAsync("carol", null, null, "disable");
        foreach (var topic in new[] { "orders-eu", "orders-frozen", "payroll" })
            await admin.Context.CreateTopicAsync(TopicConfig.Create(topic, 2));
    }

    /// <summary>A client system signing with these credentials (none: unsigned).</summary>
    /// <param name="extraHocon">More client HOCON (akkamq.client.tls).</param>
    public ActorSystem Client(string? accessKey, string? secretKey, string name = "client", string? extraHocon = null)
    {
        var hocon = accessKey == null ? "" : $"akkamq.client.access-key = \"{accessKey}\"\nakkamq.client.secret-key = \"{secretKey}\"\nakkamq.client.request-timeout = 5s";
        if (extraHocon != null) hocon += "\n" + extraHocon;
        var system = ActorSystem.Create(name, ConfigurationFactory.ParseString(hocon).WithFallback(Node.ClientConfig()));
        lock (_clients) _clients.Add(system);
        return system;
    }

    /// <summary>More node HOCON (a subclass's TLS block).</summary>
    protected virtual string ExtraHocon => "";

    /// <summary>The Super user's admin: the reads that show a refusal stored or changed nothing.</summary>
    public AkkaMqAdmin Root { get; private set; } = null!;

    /// <summary>Messages stored in the topic (sum of its queues' max offsets), read as the Super user.</summary>
    public async Task<long> StoredAsync(string topic) => (await Root.TopicStatusAsync(topic)).Sum(q => q.MaxOffset);

    public async Task<bool> TopicExistsAsync(string topic) => (await Root.TopicListAsync()).Any(t => t.Topic == topic);

    public async Task<bool> UserExistsAsync(string username) => (await Root.ListUserAsync(null)).Any(u => u.Username == username);

    public AkkaMqAdmin Admin(string? accessKey, string? secretKey)
    {
        var system = Client(accessKey, secretKey, "admin-client");
        return new AkkaMqAdmin(new ClientContext(system, ClientSettings.Create(system.Settings.Config)));
    }

    /// <summary>An HTTP client for the node's endpoint, with Basic credentials when given.</summary>
    public HttpClient HttpClient(string? accessKey = null, string? secretKey = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(Http.Url), Timeout = TimeSpan.FromSeconds(30) };
        if (accessKey != null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accessKey}:{secretKey}")));
        return http;
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var c in _clients) await c.Terminate();
        await Http.DisposeAsync();
        await Node.DisposeAsync();
    }
}
