using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;

namespace AkkaMq.Node.Tests;

/// <summary>
/// The README's C# example as compiled code: <see cref="ReadmeExampleTests"/> runs it against a node,
/// and <see cref="DocsTests"/> keeps the README's copy equal to the code between the markers.
/// </summary>
public static class ReadmeExample
{
    // README example: begin
    public static async Task<string> SendAndConsumeAsync(string namesrvAddr)
    {
        // A client app needs Akka.Remote and the NameServer address; it need not join the cluster.
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akkamq.client.namesrvAddr = "{{namesrvAddr}}"
            """).WithFallback(ClientSettings.DefaultConfig);
        using var system = ActorSystem.Create("my-app", config);

        // Producer: picks a queue from the topic's route and returns once the broker stored the message.
        await using var producer = AkkaMqProducer.Create(system);
        SendResult sent = await producer.SendAsync(
            Message.FromText("OrderTopic", "{\"id\":42}", tags: "Created", keys: "order-42"));

        // Push consumer: joins group "billing", is given queues of OrderTopic, and long-polls them.
        var received = new TaskCompletionSource<string>();
        var consumer = AkkaMqPushConsumer.Create(system, "billing");
        consumer.Settings = consumer.Settings with { ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset };
        consumer.Subscribe("OrderTopic", "Created || Paid");   // the tag filter runs on the broker
        consumer.RegisterMessageListener((msgs, ctx) =>
        {
            foreach (var m in msgs) received.TrySetResult(Encoding.UTF8.GetString(m.Body));
            return ConsumeConcurrentlyStatus.ConsumeSuccess;    // ReconsumeLater (or a throw) retries it
        });
        await consumer.StartAsync();
        var body = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await consumer.ShutdownAsync();                         // commits offsets and leaves the group
        return body;
    }
    // README example: end
}
