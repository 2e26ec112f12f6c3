using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy;

// The RPCs AkkaMq does not serve yet: each answers NOT_IMPLEMENTED naming itself, at once.
public sealed partial class MessagingServiceImpl
{
    public override Task<RecallMessageResponse> RecallMessage(RecallMessageRequest request, ServerCallContext context) =>
        NotServed(nameof(RecallMessage), s => new RecallMessageResponse { Status = s });

    public override Task<SyncLiteSubscriptionResponse> SyncLiteSubscription(SyncLiteSubscriptionRequest request, ServerCallContext context) =>
        NotServed(nameof(SyncLiteSubscription), s => new SyncLiteSubscriptionResponse { Status = s });

    private Task<T> NotServed<T>(string rpc, Func<Status, T> response)
    {
        _metrics.Record(rpc, Code.NotImplemented, 0);
        return Task.FromResult(response(ProxyStatus.NotImplemented(rpc)));
    }
}
