using AkkaMq.Client.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace AkkaMq.Hosting.Http;

/// <summary>createUser's and updateUser's fields; on update, those left out keep their value.</summary>
public sealed record UserRequest(string? Username, string? Password, string? UserType, string? UserStatus);

/// <summary>createAcl's and updateAcl's fields in RocketMQ's text forms: subject "User:alice", resources "Topic:orders,Group:g*".</summary>
public sealed record AclRequest(string Subject, string Resources, string Actions, string? SourceIps, string Decision);

/// <summary>User and ACL administration under /api/users and /api/acls (mqadmin 5.x's createUser ... listAcl).</summary>
public static partial class AdminHttpApi
{
    private static void MapAuth(RouteGroupBuilder api, AkkaMqAdmin admin)
    {
        api.MapPost("/users", (UserRequest r, CancellationToken ct) => Run(() => admin.CreateUserAsync(r.Username ?? "", r.Password ?? "", r.UserType, ct)));
        api.MapPut("/users/{username}", (string username, UserRequest r, CancellationToken ct) =>
            Run(() => admin.UpdateUserAsync(username, r.Password, r.UserType, r.UserStatus, ct)));
        api.MapDelete("/users/{username}", (string username, CancellationToken ct) => Run(() => admin.DeleteUserAsync(username, ct)));
        api.MapGet("/users/{username}", (string username, CancellationToken ct) => Run(() => admin.GetUserAsync(username, ct)));
        api.MapGet("/users", (string? filter, CancellationToken ct) => Run(() => admin.ListUserAsync(filter, ct)));
        api.MapPost("/acls", (AclRequest r, CancellationToken ct) =>
            Run(() => admin.CreateAclAsync(r.Subject, r.Resources, r.Actions, r.SourceIps, r.Decision, ct)));
        api.MapPut("/acls", (AclRequest r, CancellationToken ct) =>
            Run(() => admin.UpdateAclAsync(r.Subject, r.Resources, r.Actions, r.SourceIps, r.Decision, ct)));
        api.MapDelete("/acls/{subject}", (string subject, string? resources, CancellationToken ct) => Run(() => admin.DeleteAclAsync(subject, resources, ct)));
        api.MapGet("/acls/{subject}", (string subject, CancellationToken ct) => Run(() => admin.GetAclAsync(subject, ct)));
        api.MapGet("/acls", (string? filter, CancellationToken ct) => Run(() => admin.ListAclAsync(filter, ct)));
    }
}
