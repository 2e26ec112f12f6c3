using Apache.Rocketmq.V2;
using AkkaMq.Protocol;

namespace AkkaMq.Proxy;

/// <summary>
/// The v2 <see cref="Status"/> answers, built in one place: OK, a code with a message naming the problem, and the
/// v2 code for each broker <see cref="ResponseCode"/>.
/// </summary>
public static class ProxyStatus
{
    public static Status Ok() => new() { Code = Code.Ok, Message = "OK" };

    public static Status Of(Code code, string message) => new() { Code = code, Message = message };

    /// <summary>The answer of an RPC AkkaMq does not serve yet, naming it.</summary>
    public static Status NotImplemented(string rpc) =>
        Of(Code.NotImplemented, $"{rpc} is not implemented by AkkaMq's gRPC endpoint yet (see docs/grpc.md)");

    /// <summary>A broker or NameServer refusal as the v2 code closest to it, keeping the broker's text.</summary>
    public static Status FromBroker(ResponseCode code, string? error) => Of(code switch
    {
        ResponseCode.Success => Code.Ok,
        ResponseCode.TopicNotExist => Code.TopicNotFound,
        ResponseCode.MessageIllegal => Code.BadRequest,
        ResponseCode.NoPermission => Code.Forbidden,
        ResponseCode.SystemBusy => Code.TooManyRequests,
        ResponseCode.FlushDiskTimeout => Code.MasterPersistenceTimeout,
        ResponseCode.SendTimeout => Code.ProxyTimeout,
        ResponseCode.ConsumerGroupIllegal => Code.IllegalConsumerGroup,
        ResponseCode.QueryNotFound => Code.NotFound,
        ResponseCode.OffsetIllegal => Code.IllegalOffset,
        ResponseCode.SubscriptionParseFailed => Code.IllegalFilterExpression,
        ResponseCode.MessagePropertyConflictWithType => Code.MessagePropertyConflictWithType,
        ResponseCode.SubscriptionGroupNotExist => Code.ConsumerGroupNotFound,
        ResponseCode.IllegalInvisibleTime => Code.IllegalInvisibleTime,
        ResponseCode.InvalidReceiptHandle => Code.InvalidReceiptHandle,
        ResponseCode.IllegalPollingTime => Code.IllegalPollingTime,
        // SERVICE_NOT_AVAILABLE (failover hold, disk full): the clients retry on TOO_MANY_REQUESTS.
        ResponseCode.ServiceNotAvailable => Code.TooManyRequests,
        _ => Code.InternalServerError,
    }, error ?? code.ToString());
}
