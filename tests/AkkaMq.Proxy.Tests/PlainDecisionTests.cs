using Akka.Configuration;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Proxy.Producer;
using AkkaMq.Proxy.Route;
using AkkaMq.Proxy.Telemetry;
using Apache.Rocketmq.V2;
using MessageQueue = Apache.Rocketmq.V2.MessageQueue;

namespace AkkaMq.Proxy.Tests;

/// <summary>The endpoint's decisions as plain classes: routes, settings, send checks, status mapping, settings parsing.</summary>
public sealed class PlainDecisionTests
{
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static SendMessageCheck Check() => new("broker-a", MessageLimits.Default, TimeSpan.FromDays(3));

    [Fact]
    public void A_message_group_always_hashes_to_the_same_write_queue_and_groups_spread()
    {
        var topic = TopicConfig.Create("T", 8);
        var check = Check();
        int QueueOf(string group) => check.Check(GrpcNodeFixture.NewMessage("T", new byte[1], group: group), topic, Now).Entry!.QueueId;
        Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(QueueOf("g-1"), QueueOf("g-1")));
        Assert.True(Enumerable.Range(0, 64).Select(i => QueueOf($"g-{i}")).Distinct().Count() > 4, "64 groups land on more than half of 8 queues");
    }

    [Fact]
    public void The_clients_queue_id_is_kept_when_it_is_a_write_queue_else_queues_take_turns()
    {
        var topic = new TopicConfig("T", 4, 2, Perm.ReadWrite);
        var check = Check();
        var m = GrpcNodeFixture.NewMessage("T", new byte[1]);
        m.SystemProperties.QueueId = 1;
        Assert.Equal(1, check.Check(m, topic, Now).Entry!.QueueId);
        m.SystemProperties.QueueId = 3; // a read-only queue
        var ids = Enumerable.Range(0, 4).Select(_ => check.Check(m, topic, Now).Entry!.QueueId).ToList();
        Assert.All(ids, id => Assert.InRange(id, 0, 1));
        Assert.Equal(2, ids.Distinct().Count());
    }

    [Fact]
    public void A_checked_message_carries_the_client_id_group_delivery_time_and_born_time()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(1);
        var e = Check().Check(GrpcNodeFixture.NewMessage("T", new byte[] { 1 }, deliverAt: at), TopicConfig.Create("T"), Now).Entry!;
        Assert.Equal(at.ToUnixTimeMilliseconds().ToString(), e.Message.Properties[Protocol.Consumer.MessageConst.TimerDeliverMs]);
        Assert.StartsWith("01", e.Message.Properties[MessageProperties.UniqKey]);
        Assert.InRange(e.BornTimestamp, Now - 60_000, Now + 60_000);
        Assert.Equal("test-host", e.Message.Properties[MessageProperties.BornHost]);
    }

    [Fact]
    public void A_gzip_body_is_stored_unpacked_and_a_corrupt_one_is_MESSAGE_CORRUPTED()
    {
        var plain = System.Text.Encoding.UTF8.GetBytes(new string('x', 1000));
        using var packed = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) gz.Write(plain);
        var m = GrpcNodeFixture.NewMessage("T", packed.ToArray());
        m.SystemProperties.BodyEncoding = Apache.Rocketmq.V2.Encoding.Gzip;
        Assert.Equal(plain, Check().Check(m, TopicConfig.Create("T"), Now).Entry!.Message.Body);
        var bad = GrpcNodeFixture.NewMessage("T", new byte[] { 1, 2, 3 });
        bad.SystemProperties.BodyEncoding = Apache.Rocketmq.V2.Encoding.Gzip;
        Assert.Equal(Code.MessageCorrupted, Check().Check(bad, TopicConfig.Create("T"), Now).Refusal!.Code);
    }

    [Fact]
    public void A_read_only_topic_is_FORBIDDEN()
    {
        var r = Check().Check(GrpcNodeFixture.NewMessage("T", new byte[1]), new TopicConfig("T", 4, 4, Perm.Read), Now).Refusal!;
        Assert.Equal(Code.Forbidden, r.Code);
        Assert.Contains("not writable", r.Message);
    }

    [Fact]
    public void A_route_leaves_out_groups_without_a_grpc_endpoint_and_parses_ipv6_and_names()
    {
        var route = new TopicRouteData(
            new[] { new QueueData("a", 2, 2, Perm.ReadWrite), new QueueData("b", 2, 2, Perm.ReadWrite), new QueueData("c", 1, 1, Perm.Write) },
            new[]
            {
                new BrokerData("C", "a", new Dictionary<long, string> { [0] = "x:1" }) { GrpcEndpoints = new Dictionary<long, string> { [0] = "[::1]:8081" } },
                new BrokerData("C", "b", new Dictionary<long, string> { [0] = "y:1" }),
                new BrokerData("C", "c", new Dictionary<long, string> { [0] = "z:1" }) { GrpcEndpoints = new Dictionary<long, string> { [0] = "mq.example:9" } },
            });
        List<MessageQueue> queues = QueueRoutes.Build(new Resource { Name = "T" }, route);
        Assert.Equal(new[] { "a", "a", "c" }, queues.Select(q => q.Broker.Name));
        Assert.Equal(AddressScheme.Ipv6, queues[0].Broker.Endpoints.Scheme);
        Assert.Equal("::1", queues[0].Broker.Endpoints.Addresses[0].Host);
        Assert.Equal(AddressScheme.DomainName, queues[2].Broker.Endpoints.Scheme);
        Assert.Equal(Permission.Write, queues[2].Permission);
    }

    [Fact]
    public void Settings_answers_follow_the_proxy_settings_and_the_broker_body_limit()
    {
        var settings = ProxySettings.Create(ConfigurationFactory.ParseString(
            "akkamq.proxy { producer.max-attempts = 5, consumer { receive-batch-size = 8, long-polling-timeout = 7s, max-attempts = 4 } }"));
        var answer = new ClientSettingsAnswer(settings, 1234);
        var p = answer.Answer(new Settings { Publishing = new Publishing() }).Settings;
        Assert.Equal((5, 1234), (p.BackoffPolicy.MaxAttempts, p.Publishing.MaxBodySize));
        var c = answer.Answer(new Settings { Subscription = new Subscription() }).Settings;
        Assert.Equal((4, 8, 7.0), (c.BackoffPolicy.MaxAttempts, c.Subscription.ReceiveBatchSize, c.Subscription.LongPollingTimeout.ToTimeSpan().TotalSeconds));
    }

    [Theory]
    [InlineData("akkamq.proxy.grpc.port = -2", "akkamq.proxy.grpc.port")]
    [InlineData("akkamq.proxy.grpc.port = 70000", "akkamq.proxy.grpc.port")]
    [InlineData("akkamq.proxy.request-timeout = 0s", "request-timeout")]
    [InlineData("akkamq.proxy.consumer.receive-batch-size = 0", "receive-batch-size")]
    public void A_bad_setting_is_refused_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => ProxySettings.Create(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void The_default_is_off_and_broker_refusals_map_to_v2_codes()
    {
        Assert.False(ProxySettings.Default.Enabled);
        Assert.Equal(Code.TooManyRequests, ProxyStatus.FromBroker(ResponseCode.ServiceNotAvailable, "disk full").Code);
        Assert.Equal(Code.TooManyRequests, ProxyStatus.FromBroker(ResponseCode.SystemBusy, null).Code);
        Assert.Equal(Code.TopicNotFound, ProxyStatus.FromBroker(ResponseCode.TopicNotExist, "x").Code);
        Assert.Equal("disk full", ProxyStatus.FromBroker(ResponseCode.ServiceNotAvailable, "disk full").Message);
    }
}
