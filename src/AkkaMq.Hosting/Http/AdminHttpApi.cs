using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaMq.Hosting.Http;

/// <summary>Attributes: changes as the CLI's -a takes them, "+name=value" or "-name"; none keeps the topic's attributes.</summary>
public sealed record UpdateTopicRequest(string Topic, int? ReadQueueNums, int? WriteQueueNums, int? Perm, string? ClusterName, string? BrokerName,
    string[]? Attributes = null);

/// <summary>updateSubGroup's fields; those left out take RocketMQ's defaults (the group's whole config is replaced).</summary>
public sealed record UpdateSubGroupRequest(string GroupName, string? ClusterName, string? BrokerName, bool? ConsumeEnable, bool? ConsumeBroadcastEnable,
    bool? ConsumeMessageOrderly, int? RetryMaxTimes, int? RetryQueueNums)
{
    public AkkaMq.Protocol.Admin.SubscriptionGroupConfig ToConfig() => new(GroupName, ConsumeEnable: ConsumeEnable ?? true,
        ConsumeBroadcastEnable: ConsumeBroadcastEnable ?? true, ConsumeMessageOrderly: ConsumeMessageOrderly ?? false,
        RetryMaxTimes: RetryMaxTimes ?? AkkaMq.Protocol.Admin.SubscriptionGroupConfig.DefaultRetryMaxTimes, RetryQueueNums: RetryQueueNums ?? 1);
}

public sealed record SendMessageRequest(string Body, string? Tags, string? Keys, string? BrokerName, int? QueueId);

public sealed record ApiError(string Code, string Error);

/// <summary>
/// The admin operations as a small JSON API under /api, the same <see cref="AkkaMqAdmin"/> the
/// CLI uses. Errors come back as {code, error} with 400 (bad input), 404 (unknown topic, group
/// or message), 503 (broker or NameServer unreachable) or 500.
/// </summary>
public static partial class AdminHttpApi
{
    public static void Map(IEndpointRouteBuilder app, AkkaMqAdmin admin)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/cluster", (CancellationToken ct) => Run(() => admin.ClusterListAsync(ct)));
        api.MapGet("/brokers/{brokerAddr}/status", (string brokerAddr, CancellationToken ct) => Run(() => admin.BrokerStatusAsync(brokerAddr, null, ct)));
        api.MapGet("/topics", (CancellationToken ct) => Run(() => admin.TopicListAsync(ct)));
        api.MapPost("/topics", (UpdateTopicRequest r, CancellationToken ct) => Run(() => admin.UpdateTopicAsync(r.Topic,
            r.ReadQueueNums ?? TopicConfig.DefaultQueueNums, r.WriteQueueNums ?? TopicConfig.DefaultQueueNums, r.Perm ?? Perm.ReadWrite,
            r.ClusterName, r.BrokerName, r.Attributes ?? Array.Empty<string>(), ct)));
        api.MapDelete("/topics/{topic}", (string topic, string? clusterName, CancellationToken ct) => Run(() => admin.DeleteTopicAsync(topic, clusterName, ct)));
        api.MapGet("/topics/{topic}/route", (string topic, CancellationToken ct) => Run(() => admin.TopicRouteAsync(topic, ct)));
        api.MapGet("/topics/{topic}/status", (string topic, CancellationToken ct) => Run(() => admin.TopicStatusAsync(topic, ct)));
        api.MapGet("/topics/{topic}/messages", (string topic, string? key, int? maxNum, CancellationToken ct) => key != null
            ? Run(() => admin.QueryMsgByKeyAsync(topic, key, maxNum ?? 64, ct))
            : Run(() => admin.ConsumeMessageAsync(topic, maxNum ?? 128, "*", null, null, null, ct)));
        api.MapGet("/topics/{topic}/messages/{brokerName}/{queueId:int}/{offset:long}", (string topic, string brokerName, int queueId, long offset,
            CancellationToken ct) => Run(() => admin.QueryMsgByOffsetAsync(topic, brokerName, queueId, offset, ct)));
        api.MapPost("/topics/{topic}/messages", (string topic, SendMessageRequest r, CancellationToken ct) => Run(() =>
            admin.SendMessageAsync(topic, System.Text.Encoding.UTF8.GetBytes(r.Body ?? ""), r.Tags, r.Keys, r.BrokerName, r.QueueId, ct)));
        api.MapGet("/messages/{msgId}", (string msgId, CancellationToken ct) => Run(() => admin.QueryMsgByIdAsync(msgId, ct)));
        api.MapGet("/groups/{group}/progress", (string group, string? topic, CancellationToken ct) => Run(() => admin.ConsumerProgressAsync(group, topic, ct)));
        api.MapGet("/groups/{group}/connections", (string group, CancellationToken ct) => Run(() => admin.ConsumerConnectionAsync(group, ct)));
        api.MapGet("/producer-groups/{group}/connections", (string group, string topic, CancellationToken ct) =>
            Run(() => admin.ProducerConnectionAsync(group, topic, ct)));
        api.MapPost("/groups/{group}/reset-offset", (string group, string topic, long timestamp, CancellationToken ct) =>
            Run(() => admin.ResetOffsetByTimeAsync(group, topic, timestamp, ct)));
        api.MapPost("/groups/{group}/skip-accumulated", (string group, string topic, CancellationToken ct) =>
            Run(() => admin.SkipAccumulatedMessageAsync(group, topic, ct)));
        api.MapGet("/subscription-groups", (string? clusterName, string? brokerName, CancellationToken ct) =>
            Run(() => admin.SubscriptionGroupListAsync(clusterName, brokerName, ct)));
        api.MapPost("/subscription-groups", (UpdateSubGroupRequest r, CancellationToken ct) =>
            Run(() => admin.UpdateSubscriptionGroupAsync(r.ToConfig(), r.ClusterName, r.BrokerName, ct)));
        api.MapGet("/transactions", (string? topic, string? producerGroup, string? clusterName, string? brokerName, int? maxNum, CancellationToken ct) =>
            Run(() => admin.HalfMessageListAsync(topic, producerGroup, clusterName, brokerName, maxNum ?? 100, ct)));
        api.MapDelete("/subscription-groups/{group}", (string group, string? clusterName, string? brokerName, CancellationToken ct) =>
            Run(() => admin.DeleteSubscriptionGroupAsync(group, clusterName, brokerName, ct)));
        MapAuth(api, admin);
    }

    private static async Task<IResult> Run<T>(Func<Task<T>> operation)
    {
        try
        {
            return Results.Json(await operation());
        }
        catch (AkkaMqException e)
        {
            var status = e.Code switch
            {
                ResponseCode.TopicNotExist or ResponseCode.QueryNotFound or ResponseCode.ConsumerNotOnline
                    or ResponseCode.SubscriptionGroupNotExist => StatusCodes.Status404NotFound,
                ResponseCode.MessageIllegal or ResponseCode.ConsumerGroupIllegal or ResponseCode.SubscriptionParseFailed
                    or ResponseCode.OffsetIllegal or ResponseCode.MessagePropertyConflictWithType => StatusCodes.Status400BadRequest,
                ResponseCode.ServiceNotAvailable => StatusCodes.Status503ServiceUnavailable,
                ResponseCode.Unauthorized => StatusCodes.Status401Unauthorized,
                ResponseCode.Forbidden => StatusCodes.Status403Forbidden,
                _ => StatusCodes.Status500InternalServerError,
            };
            return Results.Json(new ApiError(AkkaMqException.CodeName(e.Code), e.Message), statusCode: status);
        }
    }
}
