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
            ("QueryAssignment", (await c.QueryAssignmentAsync(new QueryAssignmentRequest(), deadline: Soon)).Status),
            ("UpdateOffset", (await c.UpdateOffsetAsync(new UpdateOffsetRequest(), deadline: Soon)).Status),
            ("GetOffset", (await c.GetOffsetAsync(new GetOffsetRequest(), deadline: Soon)).Status),
            ("QueryOffset", (await c.QueryOffsetAsync(new QueryOffsetRequest(), deadline: Soon)).Status),
            ("RecallMessage", (await c.RecallMessageAsync(new RecallMessageRequest(), deadline: Soon)).Status),
            ("SyncLiteSubscription", (await c.SyncLiteSubscriptionAsync(new SyncLiteSubscriptionRequest(), deadline: Soon)).Status),
        };
        foreach (var (rpc, status) in answers)
        {
            Assert.True(status.Code == Code.NotImplemented, $"{rpc}: {status.Code} {status.Message}");
            Assert.Contains(rpc, status.Message);
        }
    }

    [Fact]
    public async Task The_unserved_streaming_rpc_answers_one_NOT_IMPLEMENTED_frame_and_end()
    {
        using var pull = fx.Client.PullMessage(new PullMessageRequest(), deadline: Soon);
        Assert.True(await pull.ResponseStream.MoveNext());
        Assert.Equal(Code.NotImplemented, pull.ResponseStream.Current.Status.Code);
        Assert.False(await pull.ResponseStream.MoveNext());
    }
}
