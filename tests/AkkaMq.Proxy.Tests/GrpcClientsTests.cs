using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Proxy.Telemetry;
using Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Tests;

/// <summary>The gRPC client bookkeeping as plain decisions: who a client is, what the broker is told, when it is forgotten.</summary>
public sealed class GrpcClientsTests
{
    private static Settings Producer(params string[] topics)
    {
        var s = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing(), UserAgent = new UA { Language = Language.NodeJs, Version = "1.0.8" } };
        s.Publishing.Topics.AddRange(topics.Select(t => new Resource { Name = t }));
        return s;
    }

    private static Settings Consumer(string group) => new()
    {
        ClientType = ClientType.SimpleConsumer,
        Subscription = new Subscription
        {
            Group = new Resource { Name = group },
            Subscriptions = { new SubscriptionEntry { Topic = new Resource { Name = "T" }, Expression = new FilterExpression { Type = FilterType.Tag, Expression = "TagA || TagB" } } },
        },
    };

    [Fact]
    public void A_producer_is_registered_under_each_topic_it_publishes_to_with_its_user_agent_and_peer()
    {
        var c = GrpcClients.FromSettings("p1", Producer("A", "B", "A"), "ipv4:10.0.0.9:5000", "HTTP", "0.0.1", 7)!;
        Assert.Equal(new ClientChannel("10.0.0.9:5000", "NODE_JS", "1.0.8"), c.Channel);
        var heartbeats = GrpcClients.Heartbeats(c, "broker-a").Cast<ProducerHeartbeat>().ToList();
        Assert.Equal(new[] { "A", "B" }, heartbeats.Select(h => h.ProducerGroup));
        Assert.All(heartbeats, h => Assert.Equal("p1", h.ClientId));
        Assert.Equal(new[] { "A", "B" }, GrpcClients.Unregisters(c, "broker-a").Cast<UnregisterProducer>().Select(u => u.ProducerGroup));
    }

    [Fact]
    public void A_consumer_is_a_pop_member_of_its_group_and_without_a_user_agent_the_headers_name_it()
    {
        var c = GrpcClients.FromSettings("c1", Consumer("g1"), "ipv6:[::1]:6000", "JAVA", "5.0.7", 7)!;
        var hb = Assert.IsType<PopConsumerHeartbeat>(Assert.Single(GrpcClients.Heartbeats(c, "broker-a")));
        Assert.Equal("g1", hb.ConsumerGroup);
        Assert.Equal(new ClientChannel("[::1]:6000", "JAVA", "5.0.7"), hb.Channel);
        Assert.Equal(new[] { new SubscriptionData("T", "TagA || TagB") }, hb.Subscriptions);
        Assert.Equal(new UnregisterConsumer("broker-a", "g1", "c1"), Assert.Single(GrpcClients.Unregisters(c, "broker-a")));
    }

    [Fact]
    public void Settings_without_a_client_id_or_a_valid_group_register_nobody()
    {
        Assert.Null(GrpcClients.FromSettings(null, Producer("A"), null, null, null, 0));
        Assert.Null(GrpcClients.FromSettings("c1", Consumer("bad group!"), null, null, null, 0));
        Assert.Null(GrpcClients.FromSettings("c1", new Settings { ClientType = ClientType.Producer }, null, null, null, 0));
    }

    [Fact]
    public void A_client_is_kept_while_it_heartbeats_and_forgotten_after_the_expiry_or_on_termination()
    {
        var clients = new GrpcClients(TimeSpan.FromSeconds(120));
        clients.Put(GrpcClients.FromSettings("p1", Producer("A"), null, null, null, 0)!);
        clients.Put(GrpcClients.FromSettings("c1", Consumer("g1"), null, null, null, 0)!);
        Assert.NotNull(clients.Touch("p1", 100_000));
        Assert.Null(clients.Touch("unknown", 100_000));
        Assert.Equal(1, clients.Expire(120_001)); // c1: silent 120.001 s
        Assert.Null(clients.Find("c1"));
        Assert.NotNull(clients.Remove("p1"));
        Assert.Equal(0, clients.Count);
    }
}
