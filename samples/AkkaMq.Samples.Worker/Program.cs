using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaMq.Hosting;
using AkkaMq.Samples.Worker;

// A worker service that consumes OrderTopic: the consumer starts and stops with the host, commits its
// offsets on stop, and calls OrderListener in a new DI scope for every message.
var builder = Host.CreateApplicationBuilder(args);
var namesrvAddr = builder.Configuration["AkkaMq:NamesrvAddr"] ?? "127.0.0.1:9876";

builder.Services.AddScoped<OrderStore>();
builder.Services.AddAkka("orders-worker", b => b
    .WithRemoting("127.0.0.1", 0)
    .WithAkkaMqClient(new AkkaMqClientOptions { NamesrvAddr = namesrvAddr })
    .WithAkkaMqOrderlyPushConsumer<OrderListener>("order-worker-group", "OrderTopic", "OrderPlaced"));

builder.Build().Run();
