using System.Net;
using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Consumer;
using Apache.Rocketmq.V2;
using Permission = AkkaMq.Auth.Permission;
using Status = Apache.Rocketmq.V2.Status;
using User = AkkaMq.Protocol.Auth.User;

namespace AkkaMq.Proxy.Security;

/// <summary>
/// Whether the user who opened a Telemetry stream may still hold it, asked on every command the client sends and on
/// every change of users or ACLs: the user must still exist, be enabled and have the secret the stream was opened
/// with (UNAUTHORIZED otherwise), and the ACLs must allow what its Settings register (FORBIDDEN otherwise): a
/// producer Topic Pub on each topic it publishes to (it receives their check-backs), a consumer Group Sub and Topic
/// Sub on each subscription, as RocketMQ 5 checks Telemetry Settings. Null means the stream goes on.
/// </summary>
public sealed class TelemetryAccess(IUserDirectory users, User openedAs, IPAddress? source)
{
    private const string Rpc = "Telemetry";

    public string Username => openedAs.Username;

    public Status? Recheck(Settings? settings)
    {
        var user = users.FindUser(openedAs.Username);
        if (user == null) return Refuse(Code.Unauthorized, $"user '{openedAs.Username}' no longer exists");
        if (user.Status == UserStatus.Disabled) return Refuse(Code.Unauthorized, $"user '{openedAs.Username}' is disabled");
        if (user.Password != openedAs.Password) return Refuse(Code.Unauthorized, $"the secret of user '{openedAs.Username}' changed since the stream opened");
        var decision = Authorizer.CheckAll(user, users.FindAcl(user.Username), PermissionsOf(settings), source);
        return decision.Allowed ? null : Refuse(Code.Forbidden, decision.Error!);
    }

    private static Status Refuse(Code code, string why) => ProxyStatus.Of(code, $"{Rpc}: {why}; the stream ends");

    /// <summary>What holding these Settings needs (none before the first Settings).</summary>
    public static IReadOnlyList<Permission> PermissionsOf(Settings? settings)
    {
        var list = new List<Permission>();
        switch (settings?.PubSubCase)
        {
            case Settings.PubSubOneofCase.Publishing:
                foreach (var t in settings.Publishing.Topics)
                    if (list.TrueForAll(p => p.Name != t.Name)) list.Add(RequestPermissions.Topic(t.Name, AclAction.Pub));
                break;
            case Settings.PubSubOneofCase.Subscription:
                list.Add(RequestPermissions.Group(settings.Subscription.Group?.Name ?? "", AclAction.Sub));
                foreach (var e in settings.Subscription.Subscriptions)
                {
                    var topic = e.Topic?.Name ?? "";
                    // A retry topic is the group's own, as RequestPermissions treats it.
                    if (!topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal)
                        && list.TrueForAll(p => p.Type != ResourceType.Topic || p.Name != topic))
                        list.Add(RequestPermissions.Topic(topic, AclAction.Sub));
                }
                break;
        }
        return list;
    }
}
