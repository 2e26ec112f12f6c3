using System.Diagnostics;
using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Proxy.Consumer;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy;

// SimpleConsumer and PushConsumer RPCs: receives are the broker's POP, acks and invisible-time changes go by receipt handle.
public sealed partial class MessagingServiceImpl
{
    /// <summary>One OK status frame, a frame per message, a delivery_timestamp frame; or a single status (MESSAGE_NOT_FOUND when empty).</summary>
    public override async Task ReceiveMessage(ReceiveMessageRequest request, IServerStreamWriter<ReceiveMessageResponse> responseStream,
        ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var frames = await Receive(request, context);
        try
        {
            foreach (var frame in frames) await responseStream.WriteAsync(frame, context.CancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException || e is RpcException { StatusCode: StatusCode.Cancelled })
        {
            // The client went away: unacked messages come back after their invisible time.
        }
        _metrics.Record(nameof(ReceiveMessage), frames[0].Status.Code, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task<List<ReceiveMessageResponse>> Receive(ReceiveMessageRequest request, ServerCallContext context)
    {
        static List<ReceiveMessageResponse> Single(Status s) => new() { new ReceiveMessageResponse { Status = s } };
        var ct = context.CancellationToken;
        try
        {
            var groupName = request.Group?.Name ?? "";
            if (Validators.CheckGroup(groupName) is { } groupError) return Single(ProxyStatus.Of(Code.IllegalConsumerGroup, groupError));
            // The topic first: a receive of a bad or unknown topic must not auto-create the group.
            var topicName = request.MessageQueue?.Topic?.Name ?? "";
            if (Validators.CheckTopic(topicName) is { } topicError) return Single(ProxyStatus.Of(Code.IllegalTopic, topicError));
            if (await _broker.TopicAsync(topicName, ct) == null)
                return Single(ProxyStatus.Of(Code.TopicNotFound, $"topic '{topicName}' does not exist on broker group '{_broker.Broker.BrokerName}'"));
            var group = await _broker.GroupAsync(groupName, ct);
            if (group.Code != ResponseCode.Success || group.Config == null) return Single(ProxyStatus.FromBroker(group.Code, group.Error));
            TimeSpan? remaining = context.Deadline == DateTime.MaxValue ? null : context.Deadline - DateTime.UtcNow;
            var plan = ReceiveRequestPlan.Plan(request, _broker.Broker.BrokerName, group.Config, remaining);
            if (plan.Refusal is { } refusal) return Single(refusal);
            var result = await _broker.PopAsync(plan.Pop!, ct);
            if (result.Code != ResponseCode.Success) return Single(ProxyStatus.FromBroker(result.Code, result.Error));
            if (result.Messages.Count == 0)
                return Single(ProxyStatus.Of(Code.MessageNotFound, $"no new message in topic '{plan.Pop!.Topic}' for group '{groupName}'"));
            var frames = new List<ReceiveMessageResponse>(result.Messages.Count + 2) { new() { Status = ProxyStatus.Ok() } };
            var invisible = TimeSpan.FromMilliseconds(plan.Pop!.InvisibleMillis);
            var storeHost = _broker.StoreHost;
            foreach (var popped in result.Messages)
                frames.Add(new ReceiveMessageResponse { Message = ReceivedMessage.ToV2(popped, storeHost, invisible) });
            frames.Add(new ReceiveMessageResponse { DeliveryTimestamp = Timestamp.FromDateTime(DateTime.UtcNow) });
            return frames;
        }
        catch (AskTimeoutException)
        {
            return Single(ProxyStatus.Of(Code.ProxyTimeout, "ReceiveMessage: the broker did not answer in time (akkamq.proxy.request-timeout)"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Single(ProxyStatus.Of(Code.RequestTimeout, "ReceiveMessage: the call was cancelled by the client"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Single(ProxyStatus.Of(Code.InternalServerError, $"ReceiveMessage failed: {e.Message}"));
        }
    }

    /// <summary>Each entry's handle acked on its own; the response carries the first failure, or OK.</summary>
    public override Task<AckMessageResponse> AckMessage(AckMessageRequest request, ServerCallContext context) =>
        Run(nameof(AckMessage), async ct =>
        {
            if (HandleTarget(request.Group, request.Topic) is { } refusal) return new AckMessageResponse { Status = refusal };
            if (request.Entries.Count == 0) return new AckMessageResponse { Status = ProxyStatus.Of(Code.BadRequest, "AckMessageRequest carries no entry") };
            var acks = request.Entries
                .Select(e => _broker.AckAsync(new Protocol.Consumer.AckMessage(_broker.Broker.BrokerName, request.Group.Name, request.Topic.Name, e.ReceiptHandle), ct))
                .ToList();
            var response = new AckMessageResponse();
            for (var i = 0; i < acks.Count; i++)
            {
                var ack = await acks[i];
                var e = request.Entries[i];
                response.Entries.Add(new AckMessageResultEntry
                {
                    MessageId = e.MessageId, ReceiptHandle = e.ReceiptHandle,
                    Status = ack.Code == ResponseCode.Success ? ProxyStatus.Ok() : ProxyStatus.FromBroker(ack.Code, ack.Error),
                });
            }
            response.Status = response.Entries.FirstOrDefault(e => e.Status.Code != Code.Ok)?.Status ?? ProxyStatus.Ok();
            return response;
        }, r => r.Status, s => new AckMessageResponse { Status = s }, context);

    /// <summary>The new receipt handle replaces the old one, which no longer works.</summary>
    public override Task<ChangeInvisibleDurationResponse> ChangeInvisibleDuration(ChangeInvisibleDurationRequest request, ServerCallContext context) =>
        Run(nameof(ChangeInvisibleDuration), async ct =>
        {
            if (HandleTarget(request.Group, request.Topic) is { } refusal) return new ChangeInvisibleDurationResponse { Status = refusal };
            if (request.InvisibleDuration == null)
                return new ChangeInvisibleDurationResponse { Status = ProxyStatus.Of(Code.IllegalInvisibleTime, "ChangeInvisibleDurationRequest carries no invisible_duration") };
            var millis = ReceiveRequestPlan.ChangedInvisibleMillis(request.InvisibleDuration.ToTimeSpan());
            var result = await _broker.ChangeInvisibleAsync(new ChangeInvisibleTime(_broker.Broker.BrokerName, request.Group.Name, request.Topic.Name,
                request.ReceiptHandle, millis), ct);
            return result.Code == ResponseCode.Success
                ? new ChangeInvisibleDurationResponse { Status = ProxyStatus.Ok(), ReceiptHandle = result.NewReceiptHandle ?? "" }
                : new ChangeInvisibleDurationResponse { Status = ProxyStatus.FromBroker(result.Code, result.Error) };
        }, r => r.Status, s => new ChangeInvisibleDurationResponse { Status = s }, context);

    /// <summary>The message goes to %DLQ%group now and is done for the group (a PushConsumer past its max attempts).</summary>
    public override Task<ForwardMessageToDeadLetterQueueResponse> ForwardMessageToDeadLetterQueue(ForwardMessageToDeadLetterQueueRequest request,
        ServerCallContext context) =>
        Run(nameof(ForwardMessageToDeadLetterQueue), async ct =>
        {
            if (HandleTarget(request.Group, request.Topic) is { } refusal) return new ForwardMessageToDeadLetterQueueResponse { Status = refusal };
            var result = await _broker.ForwardToDeadLetterQueueAsync(new ForwardToDeadLetterQueue(_broker.Broker.BrokerName, request.Group.Name,
                request.Topic.Name, request.ReceiptHandle), ct);
            return new ForwardMessageToDeadLetterQueueResponse
            {
                Status = result.Code == ResponseCode.Success ? ProxyStatus.Ok() : ProxyStatus.FromBroker(result.Code, result.Error),
            };
        }, r => r.Status, s => new ForwardMessageToDeadLetterQueueResponse { Status = s }, context);

    /// <summary>Null when group and topic are well-formed names, else the status naming the bad one.</summary>
    private static Status? HandleTarget(Resource? group, Resource? topic)
    {
        if (Validators.CheckGroup(group?.Name ?? "") is { } groupError) return ProxyStatus.Of(Code.IllegalConsumerGroup, groupError);
        if (Validators.CheckTopic(topic?.Name ?? "") is { } topicError) return ProxyStatus.Of(Code.IllegalTopic, topicError);
        return null;
    }
}
