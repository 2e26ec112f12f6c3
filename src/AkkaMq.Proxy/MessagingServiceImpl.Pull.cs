using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Proxy.Consumer;
using AkkaMq.Proxy.Route;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy;

// PushConsumer assignments, and RocketMQ 5's pull consumer: pulls and offsets go to the broker's native pull and offset store.
public sealed partial class MessagingServiceImpl
{
    /// <summary>The queues a PushConsumer receives from (<see cref="QueueAssignments"/>): any queue per broker group, or each queue for a FIFO group.</summary>
    public override Task<QueryAssignmentResponse> QueryAssignment(QueryAssignmentRequest request, ServerCallContext context) =>
        Run(nameof(QueryAssignment), async ct =>
        {
            static QueryAssignmentResponse Refused(Status s) => new() { Status = s };
            if (HandleTarget(request.Group, request.Topic) is { } refusal) return Refused(refusal);
            var group = await _broker.GroupAsync(request.Group.Name, ct);
            if (group.Code != ResponseCode.Success || group.Config == null) return Refused(ProxyStatus.FromBroker(group.Code, group.Error));
            if (!group.Config.ConsumeEnable)
                return Refused(ProxyStatus.Of(Code.Forbidden,
                    $"consumer group '{request.Group.Name}' may not consume (consumeEnable is false on broker group '{_broker.Broker.BrokerName}')"));
            var route = await _broker.RouteAsync(request.Topic.Name, ct);
            if (route.Code != ResponseCode.Success || route.Route == null) return Refused(ProxyStatus.FromBroker(route.Code, route.Error));
            var assignments = QueueAssignments.Build(request.Topic, route.Route, group.Config.ConsumeMessageOrderly);
            if (assignments.Count == 0)
                return Refused(ProxyStatus.Of(Code.Forbidden,
                    $"topic '{request.Topic.Name}' has no readable queue on a broker group whose serving node has a gRPC endpoint"));
            var response = new QueryAssignmentResponse { Status = ProxyStatus.Ok() };
            response.Assignments.AddRange(assignments);
            return response;
        }, r => r.Status, s => new QueryAssignmentResponse { Status = s }, context);

    /// <summary>A status frame, a frame per message and a next_offset frame; or a single status refusing the pull.</summary>
    public override async Task PullMessage(PullMessageRequest request, IServerStreamWriter<PullMessageResponse> responseStream, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var frames = await Pull(request, context);
        try
        {
            foreach (var frame in frames) await responseStream.WriteAsync(frame, context.CancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException || e is RpcException { StatusCode: StatusCode.Cancelled })
        {
            // The client went away: a pull changes nothing on the broker.
        }
        _metrics.Record(nameof(PullMessage), frames[0].Status.Code, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task<List<PullMessageResponse>> Pull(PullMessageRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        try
        {
            TimeSpan? remaining = context.Deadline == DateTime.MaxValue ? null : context.Deadline - DateTime.UtcNow;
            var plan = PullRequestPlan.Plan(request, _broker.Broker.BrokerName, remaining);
            if (plan.Refusal is { } refusal) return PullRequestPlan.Single(refusal);
            var result = await _broker.PullAsync(plan.Pull!, ct);
            return PullRequestPlan.Frames(plan.Pull!, result, _broker.StoreHost);
        }
        catch (AskTimeoutException)
        {
            return PullRequestPlan.Single(ProxyStatus.Of(Code.ProxyTimeout, "PullMessage: the broker did not answer in time (akkamq.proxy.request-timeout)"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return PullRequestPlan.Single(ProxyStatus.Of(Code.RequestTimeout, "PullMessage: the call was cancelled by the client"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return PullRequestPlan.Single(ProxyStatus.Of(Code.InternalServerError, $"PullMessage failed: {e.Message}"));
        }
    }

    /// <summary>Commits the group's offset of a queue (the next offset to consume), as a native consumer's commit does.</summary>
    public override Task<UpdateOffsetResponse> UpdateOffset(UpdateOffsetRequest request, ServerCallContext context) =>
        Run(nameof(UpdateOffset), async ct =>
        {
            static UpdateOffsetResponse Answer(Status s) => new() { Status = s };
            var brokerName = _broker.Broker.BrokerName;
            if (QueueRequestCheck.Check(nameof(UpdateOffset), request.Group, request.MessageQueue, brokerName) is { } refusal) return Answer(refusal);
            var (topic, queueId, group) = (request.MessageQueue.Topic.Name, request.MessageQueue.Id, request.Group.Name);
            if (request.Offset < 0) return Answer(OffsetRequestPlan.CheckCommit(request.Offset, topic, queueId, 0)!);
            if (await GroupRefusalAsync(group, ct) is { } groupRefusal) return Answer(groupRefusal);
            var max = await _broker.QueueOffsetAsync(new QueryQueueOffset(brokerName, topic, queueId, QueueOffsetKind.Max, 0), ct);
            if (max.Code != ResponseCode.Success) return Answer(ProxyStatus.FromBroker(max.Code, max.Error));
            if (OffsetRequestPlan.CheckCommit(request.Offset, topic, queueId, max.Offset) is { } illegal) return Answer(illegal);
            var commit = await _broker.CommitOffsetsAsync(new CommitConsumerOffsets(brokerName, group, topic,
                new Dictionary<int, long> { [queueId] = request.Offset }), ct);
            return Answer(commit.Code == ResponseCode.Success ? ProxyStatus.Ok() : ProxyStatus.FromBroker(commit.Code, commit.Error));
        }, r => r.Status, s => new UpdateOffsetResponse { Status = s }, context);

    /// <summary>The group's committed offset of a queue, native commits included; OFFSET_NOT_FOUND before the first commit.</summary>
    public override Task<GetOffsetResponse> GetOffset(GetOffsetRequest request, ServerCallContext context) =>
        Run(nameof(GetOffset), async ct =>
        {
            var brokerName = _broker.Broker.BrokerName;
            if (QueueRequestCheck.Check(nameof(GetOffset), request.Group, request.MessageQueue, brokerName) is { } refusal)
                return new GetOffsetResponse { Status = refusal };
            if (await GroupRefusalAsync(request.Group.Name, ct) is { } groupRefusal) return new GetOffsetResponse { Status = groupRefusal };
            var reply = await _broker.ConsumerOffsetAsync(new QueryConsumerOffset(brokerName, request.Group.Name, request.MessageQueue.Topic.Name,
                request.MessageQueue.Id), ct);
            var (offset, status) = OffsetRequestPlan.Answer(reply);
            return new GetOffsetResponse { Status = status, Offset = offset };
        }, r => r.Status, s => new GetOffsetResponse { Status = s }, context);

    /// <summary>A queue's min offset (BEGINNING), max offset (END), or the first offset stored at or after a time (TIMESTAMP).</summary>
    public override Task<QueryOffsetResponse> QueryOffset(QueryOffsetRequest request, ServerCallContext context) =>
        Run(nameof(QueryOffset), async ct =>
        {
            var plan = OffsetRequestPlan.Query(request, _broker.Broker.BrokerName);
            if (plan.Refusal is { } refusal) return new QueryOffsetResponse { Status = refusal };
            var (offset, status) = OffsetRequestPlan.Answer(await _broker.QueueOffsetAsync(plan.Query!, ct));
            return new QueryOffsetResponse { Status = status, Offset = offset };
        }, r => r.Status, s => new QueryOffsetResponse { Status = s }, context);

    /// <summary>Null when the broker knows the group (or creates it), else CONSUMER_GROUP_NOT_FOUND or the broker's refusal.</summary>
    private async Task<Status?> GroupRefusalAsync(string group, CancellationToken ct)
    {
        var reply = await _broker.GroupAsync(group, ct);
        return reply.Code == ResponseCode.Success && reply.Config != null ? null : ProxyStatus.FromBroker(reply.Code, reply.Error);
    }
}
