using System.Text.Json;
using AkkaMq.Auth;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static AkkaMq.Auth.RequestPermissions;

namespace AkkaMq.Hosting.Http;

/// <summary>
/// Authentication and ACLs on the node's HTTP endpoint when akkamq.auth is on. GET /health stays
/// open, GET /metrics too unless metrics-open is off. Every /api route needs a user, by Basic
/// (access key and secret key: only over TLS in production) or RocketMQ's MQv2-HMAC-SHA1 header
/// with x-mq-date-time, and the ACL action its table entry names (topic update: Topic Update, ...).
/// A route missing from the table is for Super users only. 401 names who failed, 403 what is not allowed.
/// </summary>
public sealed class HttpAccess
{
    private delegate IReadOnlyList<Permission> Need(RouteValueDictionary route, IQueryCollection query, JsonElement? body, string cluster);

    private static Permission Cluster(string c, AclAction a) => new(ResourceType.Cluster, c, a);
    private static string V(RouteValueDictionary r, string key) => r[key]?.ToString() ?? "";

    private static readonly Dictionary<string, Need> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GET /api/cluster"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Get) },
        ["GET /api/brokers/{brokerAddr}/status"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Get) },
        ["GET /api/topics"] = (_, _, _, _) => new[] { Topic("*", AclAction.List) },
        ["POST /api/topics"] = (_, _, b, _) => new[] { Topic(Field(b, "topic"), AclAction.Update) },
        ["DELETE /api/topics/{topic}"] = (r, _, _, _) => new[] { Topic(V(r, "topic"), AclAction.Delete) },
        ["GET /api/topics/{topic}/route"] = (r, _, _, _) => new[] { Topic(V(r, "topic"), AclAction.Get) },
        ["GET /api/topics/{topic}/status"] = (r, _, _, _) => new[] { Topic(V(r, "topic"), AclAction.Get) },
        ["GET /api/topics/{topic}/messages"] = (r, _, _, _) => new[] { Topic(V(r, "topic"), AclAction.Get) },
        ["GET /api/topics/{topic}/messages/{brokerName}/{queueId:int}/{offset:long}"] = (r, _, _, _) => new[] { Topic(V(r, "topic"), AclAction.Get) },
        ["POST /api/topics/{topic}/messages"] = (r, _, _, _) => new[] { Topic(V(r, "topic"), AclAction.Pub) },
        ["GET /api/messages/{msgId}"] = (_, _, _, _) => new[] { Topic("*", AclAction.Get) },
        ["GET /api/groups/{group}/progress"] = (r, _, _, _) => new[] { Group(V(r, "group"), AclAction.Get) },
        ["GET /api/groups/{group}/connections"] = (r, _, _, _) => new[] { Group(V(r, "group"), AclAction.Get) },
        ["POST /api/groups/{group}/reset-offset"] = (r, q, _, _) => new[] { Group(V(r, "group"), AclAction.Update), Topic(q["topic"].ToString(), AclAction.Get) },
        ["POST /api/groups/{group}/skip-accumulated"] = (r, q, _, _) => new[] { Group(V(r, "group"), AclAction.Update), Topic(q["topic"].ToString(), AclAction.Get) },
        ["GET /api/subscription-groups"] = (_, _, _, _) => new[] { Group("*", AclAction.List) },
        ["POST /api/subscription-groups"] = (_, _, b, _) => new[] { Group(Field(b, "groupName"), AclAction.Update) },
        ["DELETE /api/subscription-groups/{group}"] = (r, _, _, _) => new[] { Group(V(r, "group"), AclAction.Delete) },
        ["POST /api/users"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Create) },
        ["PUT /api/users/{username}"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Update) },
        ["DELETE /api/users/{username}"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Delete) },
        ["GET /api/users/{username}"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Get) },
        ["GET /api/users"] = (_, _, _, c) => new[] { Cluster(c, AclAction.List) },
        ["POST /api/acls"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Create) },
        ["PUT /api/acls"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Update) },
        ["DELETE /api/acls/{subject}"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Delete) },
        ["GET /api/acls/{subject}"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Get) },
        ["GET /api/acls"] = (_, _, _, c) => new[] { Cluster(c, AclAction.List) },
        ["GET /metrics"] = (_, _, _, c) => new[] { Cluster(c, AclAction.Get) },
    };

    private readonly AuthExtension _auth;

    public HttpAccess(AuthExtension auth) => _auth = auth;

    /// <summary>Keys of the table (tests check every /api route has one).</summary>
    public static IReadOnlyCollection<string> Routes => Table.Keys;

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path.Value ?? "";
        if (!_auth.Settings.Enabled || path == "/health" || (path == "/metrics" && _auth.Settings.MetricsOpen))
        {
            await next(http);
            return;
        }
        var header = http.Request.Headers.Authorization.ToString();
        var authn = header.StartsWith(RequestSignature.Algorithm, StringComparison.Ordinal)
            ? _auth.Authenticator.VerifyAuthorizationHeader(header, http.Request.Headers[RequestSignature.DateTimeHeader].ToString(),
                http.Connection.RemoteIpAddress?.ToString())
            : _auth.Authenticator.VerifyBasic(header);
        if (!authn.Ok)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"akkamq\"";
            await Refuse(http, StatusCodes.Status401Unauthorized, ResponseCode.Unauthorized, authn.Error!);
            return;
        }
        var decision = await AuthorizeAsync(http, authn.User!);
        if (!decision.Allowed)
        {
            await Refuse(http, StatusCodes.Status403Forbidden, ResponseCode.Forbidden, decision.Error!);
            return;
        }
        await next(http);
    }

    private async Task<AuthzDecision> AuthorizeAsync(HttpContext http, User user)
    {
        if (user.IsSuper) return AuthzDecision.Allow;
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var key = $"{http.Request.Method} {(pattern == null ? http.Request.Path.Value : "/" + pattern.TrimStart('/'))}";
        if (!Table.TryGetValue(key, out var need))
            return new AuthzDecision(false, $"user '{user.Username}' may not call {http.Request.Method} {http.Request.Path}: Super users only");
        JsonElement? body = null;
        if (http.Request.ContentLength != 0 && (HttpMethods.IsPost(http.Request.Method) || HttpMethods.IsPut(http.Request.Method)))
        {
            http.Request.EnableBuffering();
            try { body = (await JsonDocument.ParseAsync(http.Request.Body)).RootElement.Clone(); }
            catch (JsonException) { body = null; }
            http.Request.Body.Position = 0;
        }
        var permissions = need(http.Request.RouteValues, http.Request.Query, body, _auth.Guard.ClusterName);
        return Authorizer.CheckAll(user, _auth.Cache.FindAcl(user.Username), permissions, http.Connection.RemoteIpAddress);
    }

    private static string Field(JsonElement? body, string name)
    {
        if (body is not { ValueKind: JsonValueKind.Object } o) return "";
        foreach (var p in o.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
                return p.Value.GetString() ?? "";
        return "";
    }

    private static Task Refuse(HttpContext http, int status, ResponseCode code, string error) =>
        Results.Json(new ApiError(AkkaMqException.CodeName(code), error), statusCode: status).ExecuteAsync(http);
}
