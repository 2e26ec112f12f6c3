using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy.Tests;

/// <summary>Every RPC AkkaMq does not serve yet answers NOT_IMPLEMENTED naming itself, at once: none hangs.</summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class NotServedRpcTests(GrpcNodeFixture fx)
{
    private static DateTime Soon => DateTime.UtcNow.AddSeconds(5);

    [Fact]
    public async Task Each_unserved_unary_rpc_answers_NOT_IMPLEMENTED_naming_it()
    {
        var c = fx.Client;
        var answers = new (string Rpc, Status Status)[]
        {
            ("RecallMessage", (await c.RecallMessageAsync(new RecallMessageRequest(), deadline: Soon)).Status),
            ("SyncLiteSubscription", (await c.SyncLiteSubscriptionAsync(new SyncLiteSubscriptionRequest(), deadline: Soon)).Status),
        };
        foreach (var (rpc, status) in answers)
        {
            Assert.True(status.Code == Code.NotImplemented, $"{rpc}: {status.Code} {status.Message}");
            Assert.Contains(rpc, status.Message);
        }
    }
}
