using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth.Tests;

/// <summary>The HTTP admin API with auth on: each refusal has its status and code, and a read afterwards shows nothing changed.</summary>
public sealed class HttpSecurityTests : IClassFixture<SecureNodeFixture>
{
    private readonly SecureNodeFixture _fx;

    public HttpSecurityTests(SecureNodeFixture fx) => _fx = fx;

    private static async Task Refused(HttpResponseMessage r, HttpStatusCode status, string code, string fragment)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == status, $"{r.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Contains(fragment, json.GetProperty("error").GetString());
    }

    private static object NewTopic(string name) => new { topic = name, readQueueNums = 1, writeQueueNums = 1 };

    [Theory]
    [InlineData(null, null, "no credentials")]
    [InlineData("alice", "wrong-secret", "wrong secret")]
    [InlineData("mallory", "whatever-1", "'mallory' is not a known user")]
    [InlineData("carol", "carol-secret-1", "'carol' is disabled")]
    public async Task Bad_credentials_are_refused_with_401_and_create_nothing(string? user, string? secret, string reason)
    {
        var topic = "http-unauth-" + (user ?? "none");
        var r = await _fx.HttpClient(user, secret).PostAsJsonAsync("/api/topics", NewTopic(topic));
        await Refused(r, HttpStatusCode.Unauthorized, "UNAUTHORIZED", reason);
        Assert.Contains("Basic", r.Headers.WwwAuthenticate.ToString());
        Assert.False(await _fx.TopicExistsAsync(topic));
    }

    [Fact]
    public async Task A_normal_user_without_the_admin_action_cannot_create_a_topic()
    {
        var r = await _fx.HttpClient("bob", "bob-secret-1").PostAsJsonAsync("/api/topics", NewTopic("http-by-bob"));
        await Refused(r, HttpStatusCode.Forbidden, "FORBIDDEN", "Update on Topic:http-by-bob");
        Assert.False(await _fx.TopicExistsAsync("http-by-bob"));
    }

    [Fact]
    public async Task A_normal_user_cannot_create_users_or_acls()
    {
        var http = _fx.HttpClient("alice", SecureNodeFixture.AliceSecret);
        await Refused(await http.PostAsJsonAsync("/api/users", new { username = "eve", password = "eve-secret-1" }),
            HttpStatusCode.Forbidden, "FORBIDDEN", "Create on Cluster:");
        await Refused(await http.PostAsJsonAsync("/api/acls", new { subject = "User:alice", resources = "*", actions = "All", decision = "Allow" }),
            HttpStatusCode.Forbidden, "FORBIDDEN", "Create on Cluster:");
        Assert.False(await _fx.UserExistsAsync("eve"));
        Assert.Equal(3, (await _fx.Root.GetAclAsync("alice")).Policies.Count);
    }

    [Fact]
    public async Task A_deny_beats_the_prefixed_allow_and_nothing_is_stored()
    {
        var http = _fx.HttpClient("alice", SecureNodeFixture.AliceSecret);
        var before = await _fx.StoredAsync("orders-frozen");
        var r = await http.PostAsJsonAsync("/api/topics/orders-frozen/messages", new { body = "x" });
        await Refused(r, HttpStatusCode.Forbidden, "FORBIDDEN", "denied Pub on Topic:orders-frozen");
        Assert.Equal(before, await _fx.StoredAsync("orders-frozen"));
    }

    [Fact]
    public async Task The_allowed_path_works_and_other_topics_stay_closed()
    {
        var http = _fx.HttpClient("alice", SecureNodeFixture.AliceSecret);
        var before = await _fx.StoredAsync("orders-eu");
        var ok = await http.PostAsJsonAsync("/api/topics/orders-eu/messages", new { body = "hello" });
        Assert.True(ok.IsSuccessStatusCode, await ok.Content.ReadAsStringAsync());
        Assert.Equal(before + 1, await _fx.StoredAsync("orders-eu"));
        var payroll = await _fx.StoredAsync("payroll");
        await Refused(await http.PostAsJsonAsync("/api/topics/payroll/messages", new { body = "x" }), HttpStatusCode.Forbidden, "FORBIDDEN",
            "no rule allowing Pub on Topic:payroll");
        Assert.Equal(payroll, await _fx.StoredAsync("payroll"));
    }

    [Fact]
    public async Task Health_stays_open_and_metrics_need_a_user_when_configured_so()
    {
        var anonymous = _fx.HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        await Refused(await anonymous.GetAsync("/metrics"), HttpStatusCode.Unauthorized, "UNAUTHORIZED", "no credentials");
        Assert.Equal(HttpStatusCode.OK, (await _fx.HttpClient("admin", SecureNodeFixture.AdminSecret).GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task RocketMQ_signature_header_works_and_a_stale_one_is_refused()
    {
        var http = _fx.HttpClient();
        async Task<HttpResponseMessage> Get(DateTimeOffset at)
        {
            var date = RequestSignature.FormatDateTime(at);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/topics");
            request.Headers.TryAddWithoutValidation("Authorization", RequestSignature.AuthorizationHeader("admin", SecureNodeFixture.AdminSecret, date));
            request.Headers.Add(RequestSignature.DateTimeHeader, date);
            return await http.SendAsync(request);
        }
        Assert.Equal(HttpStatusCode.OK, (await Get(DateTimeOffset.UtcNow)).StatusCode);
        await Refused(await Get(DateTimeOffset.UtcNow.AddHours(-1)), HttpStatusCode.Unauthorized, "UNAUTHORIZED", "stale or replayed");
    }

    [Fact]
    public async Task Users_and_acls_are_administered_over_http_and_bad_input_changes_nothing()
    {
        var http = _fx.HttpClient("admin", SecureNodeFixture.AdminSecret);
        var created = await http.PostAsJsonAsync("/api/users", new { username = "dave", password = "dave-secret-1", userType = "Normal" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var acl = await http.PostAsJsonAsync("/api/acls", new { subject = "User:dave", resources = "Topic:dave-*", actions = "Pub", decision = "Allow" });
        Assert.True(acl.IsSuccessStatusCode, await acl.Content.ReadAsStringAsync());
        var got = JsonDocument.Parse(await http.GetStringAsync("/api/acls/dave")).RootElement;
        Assert.Equal("Topic:dave-*", got.GetProperty("policies")[0].GetProperty("resource").GetString());
        Assert.DoesNotContain("dave-secret-1", await http.GetStringAsync("/api/users/dave"));

        await Refused(await http.PostAsJsonAsync("/api/users", new { username = "bad name", password = "long-secret" }),
            HttpStatusCode.BadRequest, "MESSAGE_ILLEGAL", "illegal character");
        await Refused(await http.PostAsJsonAsync("/api/acls", new { subject = "User:dave", resources = "Queue:x", actions = "Pub", decision = "Allow" }),
            HttpStatusCode.BadRequest, "MESSAGE_ILLEGAL", "must start with");
        await Refused(await http.PostAsJsonAsync("/api/acls", new { subject = "User:dave", resources = "Topic:x", actions = "Publish", decision = "Allow" }),
            HttpStatusCode.BadRequest, "MESSAGE_ILLEGAL", "action 'Publish' is unknown");
        await Refused(await http.PostAsJsonAsync("/api/acls", new { subject = "User:nobody", resources = "Topic:x", actions = "Pub", decision = "Allow" }),
            HttpStatusCode.NotFound, "QUERY_NOT_FOUND", "'nobody' does not exist");
        Assert.Single((await _fx.Root.GetAclAsync("dave")).Policies);
        Assert.False(await _fx.UserExistsAsync("bad name"));

        Assert.True((await http.DeleteAsync("/api/users/dave")).IsSuccessStatusCode);
        Assert.False(await _fx.UserExistsAsync("dave"));
    }
}
