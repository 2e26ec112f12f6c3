using System.Text;
using AkkaMq.Client.Consumer;
using AkkaMq.Hosting;
using AkkaMq.Protocol;

namespace AkkaMq.Samples.Worker;

/// <summary>Per-scope work, such as a DbContext would be: one instance per consumed batch.</summary>
public sealed class OrderStore(ILogger<OrderStore> logger)
{
    public Task SaveAsync(string orderId, string json, CancellationToken ct)
    {
        logger.LogInformation("Order {OrderId} stored: {Json}", orderId, json);
        return Task.CompletedTask;
    }
}

/// <summary>Consumes OrderPlaced events one queue at a time, in order; a throw retries the batch in place.</summary>
public sealed class OrderListener(OrderStore store) : IMessageListenerOrderly
{
    public async Task<ConsumeOrderlyStatus> ConsumeMessageAsync(IReadOnlyList<MessageExt> msgs, ConsumeOrderlyContext context, CancellationToken ct)
    {
        foreach (var msg in msgs)
            await store.SaveAsync(msg.Keys ?? msg.MsgId, Encoding.UTF8.GetString(msg.Body), ct);
        return ConsumeOrderlyStatus.Success;
    }
}
