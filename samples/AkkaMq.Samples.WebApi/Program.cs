using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaMq.Client;
using AkkaMq.Hosting;
using AkkaMq.Protocol;

// A web API that sends: POST /orders {"orderId": "o-1", "amount": 12.5} stores an order event in OrderTopic.
var builder = WebApplication.CreateBuilder(args);
var namesrvAddr = builder.Configuration["AkkaMq:NamesrvAddr"] ?? "127.0.0.1:9876";

builder.Services.AddAkka("orders-api", b => b
    .WithRemoting("127.0.0.1", 0)
    .WithAkkaMqProducer(new AkkaMqClientOptions { NamesrvAddr = namesrvAddr }));
// IAkkaMqProducer for constructors and minimal-API handlers.
builder.Services.AddAkkaMqProducer();

var app = builder.Build();

app.MapPost("/orders", async (OrderPlaced order, IAkkaMqProducer producer, CancellationToken ct) =>
{
    var message = Message.FromText("OrderTopic", System.Text.Json.JsonSerializer.Serialize(order), tags: "OrderPlaced", keys: order.OrderId);
    // Same order id, same queue: an order's events are consumed in the order they were sent.
    var sent = await producer.SendOrderlyAsync(message, order.OrderId, ct);
    return Results.Accepted(value: new { sent.MsgId, sent.SendStatus, Queue = sent.MessageQueue.QueueId, sent.QueueOffset });
});

app.Run();

public sealed record OrderPlaced(string OrderId, decimal Amount);
