using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;
using AkkaMq.Protocol.Consumer;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Permission = AkkaMq.Auth.Permission;

namespace AkkaMq.Proxy.Security;

/// <summary>
/// What each gRPC request needs, as <see cref="RequestPermissions"/> says for the broker request it maps to: sends and
/// transaction decisions Topic Pub; receives, acks, invisible-time changes, DLQ forwards, pulls, offsets and
/// assignments Topic Sub and Group Sub; a consumer's heartbeat Group Sub; routes and Telemetry any authenticated user
/// (empty list). Null means an RPC this table does not know: Super users only.
/// </summary>
public static class GrpcPermissions
{
    private static readonly IReadOnlyList<Permission> AnyUser = Array.Empty<Permission>();

    public static IReadOnlyList<Permission>? For(IMessage? request) => request switch
    {
        null => AnyUser,
        QueryRouteRequest => AnyUser,
        SendMessageRequest m => m.Messages.Select(x => x.Topic?.Name ?? "").Distinct().Select(t => RequestPermissions.Topic(t, AclAction.Pub)).ToArray(),
        EndTransactionRequest m => new[] { RequestPermissions.Topic(m.Topic?.Name ?? "", AclAction.Pub) },
        ReceiveMessageRequest m => Sub(m.MessageQueue?.Topic?.Name, m.Group?.Name),
        AckMessageRequest m => Sub(m.Topic?.Name, m.Group?.Name),
        ChangeInvisibleDurationRequest m => Sub(m.Topic?.Name, m.Group?.Name),
        ForwardMessageToDeadLetterQueueRequest m => Sub(m.Topic?.Name, m.Group?.Name),
        PullMessageRequest m => Sub(m.MessageQueue?.Topic?.Name, m.Group?.Name),
        UpdateOffsetRequest m => Sub(m.MessageQueue?.Topic?.Name, m.Group?.Name),
        GetOffsetRequest m => Sub(m.MessageQueue?.Topic?.Name, m.Group?.Name),
        QueryOffsetRequest m => new[] { RequestPermissions.Topic(m.MessageQueue?.Topic?.Name ?? "", AclAction.Sub) },
        QueryAssignmentRequest m => Sub(m.Topic?.Name, m.Group?.Name),
        HeartbeatRequest m => GroupOrAny(m.Group),
        NotifyClientTerminationRequest m => GroupOrAny(m.Group),
        _ => null,
    };

    private static Permission[] Sub(string? topic, string? group)
    {
        topic ??= "";
        group ??= "";
        // A consumer's retry topic is its group's: only the group is checked, as RequestPermissions does.
        if (topic.StartsWith(MessageConst.RetryGroupTopicPrefix, StringComparison.Ordinal)) return new[] { RequestPermissions.Group(group, AclAction.Sub) };
        return new[] { RequestPermissions.Topic(topic, AclAction.Sub), RequestPermissions.Group(group, AclAction.Sub) };
    }

    private static IReadOnlyList<Permission> GroupOrAny(Resource? group) =>
        string.IsNullOrEmpty(group?.Name) ? AnyUser : new[] { RequestPermissions.Group(group.Name, AclAction.Sub) };
}
