using System.Collections;
using System.Reflection;
using System.Text;
using Akka.Actor;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Serialization;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>One actor system for the whole class, configured with the protocol's serializer bindings.</summary>
public sealed class SerializerFixture : IDisposable
{
    public SerializerFixture()
    {
        Sys = ActorSystem.Create("ser-test", ProtocolConfig.Default);
        Serializer = new AkkaMqSerializer((ExtendedActorSystem)Sys);
    }

    public ActorSystem Sys { get; }
    public AkkaMqSerializer Serializer { get; }

    /// <summary>m survives a round trip field by field, re-serializes to the same bytes, and Akka picks this serializer for it.</summary>
    public void AssertRoundTrip(object m)
    {
        var bytes = Serializer.ToBinary(m);
        var back = Serializer.FromBinary(bytes, Serializer.Manifest(m));
        Assert.IsType(m.GetType(), back);
        Deep.Equal(m, back);
        Assert.Equal(bytes, Serializer.ToBinary(back));
        Assert.IsType<AkkaMqSerializer>(Sys.Serialization.FindSerializerFor(m));
    }

    public void Dispose() => Sys.Dispose();
}

/// <summary>Sample values of every message type, shared by the round-trip, registry and corruption tests.</summary>
internal static class Samples
{
    public const string Unicode = "主题-ü";
    public static readonly byte[] AllByteValues = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
    public static readonly string LongAscii = new('x', 300);
    // "主题-ü😀" is 13 UTF-8 bytes: 390 bytes, well past a one-byte length prefix.
    public static readonly string LongUnicode = string.Concat(Enumerable.Repeat("主题-ü😀", 30));
    public const int OneMiB = 1 << 20;

    public static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    public static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    public static IReadOnlyDictionary<string, string> Props() => new Dictionary<string, string>
    {
        ["k"] = "v",
        ["UNIQ_KEY"] = "0A1B2C3D",
        [Unicode] = "值-ü",
        ["empty-value"] = "",
        [LongAscii] = LongUnicode,
    };

    public static BrokerIdentity Identity(long id = 0) => new("DefaultCluster", "broker-a", id, "127.0.0.1:10911");

    public static MessageExt Ext(long offset, string? tags, string? keys, IReadOnlyDictionary<string, string> props, byte[] body,
        long born = 1_700_000_000_000, long store = 1_700_000_000_123) =>
        new("TopicTest", "broker-a", 3, offset, tags, keys, props, body, born, store);

    public static readonly PullMessage Pull = new("broker-a", "group-1", "TopicTest", 3, 42, 32, "TagA || TagB", 15_000);

    // Fixtures/serializer-5a1ab64.txt holds these samples' bytes: add samples, never change existing ones.
    public static readonly Dictionary<string, Func<object>> All = new()
    {
        // Broker
        ["SendMessages"] = () => new SendMessages("broker-a", new[]
        {
            new SendEntry(1, 0, false, 1_700_000_000_000, new Message("TopicTest", AllByteValues, "TagA", "k1 k2", Props())),
            new SendEntry(-5, 3, true, 0, new Message(Unicode, Array.Empty<byte>())),
            new SendEntry(long.MaxValue, int.MaxValue, false, -1, new Message(LongAscii, Text("hello"), LongUnicode, "", Message.EmptyProperties)),
        }),
        ["SendMessages-empty"] = () => new SendMessages("b", Array.Empty<SendEntry>()),
        ["SendMessages-1MiB"] = () => new SendMessages("broker-a", new[]
        {
            new SendEntry(7, 1, false, 5, new Message("TopicTest", RandomBytes(OneMiB, 1), "TagA", null, Props())),
        }),
        ["SendAcks"] = () => new SendAcks("broker-a", new[]
        {
            new SendAck(1, ResponseCode.Success, null, SendStatus.SendOk, 0, 0),
            new SendAck(-1, ResponseCode.FlushDiskTimeout, "disk slow " + Unicode, SendStatus.FlushDiskTimeout, 65_535, -1),
            new SendAck(long.MinValue, ResponseCode.SendTimeout, LongUnicode, SendStatus.SendOk, int.MinValue, long.MaxValue),
        }),
        ["SendAcks-empty"] = () => new SendAcks("broker-a", Array.Empty<SendAck>()),
        ["AppendMessages"] = () => new AppendMessages("broker-a", "TopicTest", 2, new[]
        {
            new SendEntry(10, 2, false, 123, new Message("TopicTest", AllByteValues, null, null, Props())),
            new SendEntry(11, 2, true, -1, new Message("TopicTest", Text(Unicode), Unicode, LongAscii, Message.EmptyProperties)),
        }),
        ["PullMessage"] = () => Pull,
        ["PullMessage-unicode"] = () => new PullMessage(Unicode, LongUnicode, LongAscii, 0, -1, int.MaxValue, "*", -1),
        ["PullResult-found"] = () => new PullResult(PullStatus.Found, 45, 0, 100, "TopicTest", "broker-a", 3, new[]
        {
            Ext(42, "TagA", "k1", Props(), AllByteValues),
            Ext(43, null, null, Message.EmptyProperties, Array.Empty<byte>(), -1, -1),
            Ext(44, Unicode, LongUnicode, Props(), Text(LongAscii)),
        }, ResponseCode.Success, null),
        ["PullResult-failed"] = () => PullResult.Failed(Pull, ResponseCode.OffsetIllegal, "offset 42 is illegal " + Unicode),
        ["PullResult-noNew"] = () => new PullResult(PullStatus.NoNewMsg, 0, 0, 0, "TopicTest", "broker-a", 0,
            Array.Empty<MessageExt>(), ResponseCode.Success, null),
        ["MessagesAppended"] = () => new MessagesAppended(1_000, 1_700_000_000_123, new[]
        {
            new StoredMessage("TagA", "k1 k2", Props(), AllByteValues, 1_700_000_000_000),
            new StoredMessage(null, null, Message.EmptyProperties, Array.Empty<byte>(), -1),
            new StoredMessage(LongUnicode, Unicode, Message.EmptyProperties, Text(LongAscii), long.MaxValue),
        }),
        ["MessagesAppended-empty"] = () => new MessagesAppended(0, 0, Array.Empty<StoredMessage>()),
        ["MessagesAppended-1MiB"] = () => new MessagesAppended(5, 6, new[]
        {
            new StoredMessage("TagB", null, Props(), RandomBytes(OneMiB, 2), 7),
        }),
        ["QueryQueueOffset"] = () => new QueryQueueOffset("broker-a", "TopicTest", 1, QueueOffsetKind.ByTimestamp, 1_700_000_000_000),
        ["QueueOffsetReply"] = () => new QueueOffsetReply("TopicTest", 1, -1, 0, long.MaxValue, -1, ResponseCode.QueryNotFound, "none"),
        ["CommitConsumerOffsets"] = () => new CommitConsumerOffsets("broker-a", "group-1", "TopicTest",
            new Dictionary<int, long> { [0] = 10, [1] = -1, [7] = long.MaxValue, [int.MaxValue] = 0 }),
        ["CommitConsumerOffsets-empty"] = () => new CommitConsumerOffsets("broker-a", "group-1", "TopicTest", new Dictionary<int, long>()),
        ["CommitConsumerOffsetsReply"] = () => new CommitConsumerOffsetsReply("group-1", "TopicTest", ResponseCode.Success, null),
        ["QueryConsumerOffset"] = () => new QueryConsumerOffset("broker-a", "group-1", "TopicTest", 3),
        ["ConsumerOffsetReply"] = () => new ConsumerOffsetReply("group-1", "TopicTest", 3, -1, ResponseCode.QueryNotFound, "never committed"),
        ["UpdateTopicConfig"] = () => new UpdateTopicConfig("broker-a", new TopicConfig("TopicTest", 8, 4, Perm.Read)),
        ["UpdateTopicConfigReply"] = () => new UpdateTopicConfigReply("broker-a", "TopicTest", TopicConfig.Create("TopicTest"), ResponseCode.Success, null),
        ["UpdateTopicConfigReply-noConfig"] = () => new UpdateTopicConfigReply("broker-a", "Bad.Topic", null, ResponseCode.SystemError, "illegal"),
        ["GetTopicConfigs"] = () => new GetTopicConfigs("broker-a"),
        ["TopicConfigs"] = () => new TopicConfigs("broker-a", new[] { TopicConfig.Create("A"), new TopicConfig(LongAscii, 1, 2, 7) }),
        ["TopicConfigs-empty"] = () => new TopicConfigs("broker-a", Array.Empty<TopicConfig>()),
        ["GetDataChannel"] = () => new GetDataChannel("broker-a"),
        ["DataChannelAddress"] = () => new DataChannelAddress("broker-a", "127.0.0.1", 65535),
        ["DataChannelAddress-none"] = () => new DataChannelAddress(Unicode, "::1", 0),
        // NameServer
        ["RegisterBroker"] = () => new RegisterBroker(Identity(), new[] { TopicConfig.Create("A", 8), new TopicConfig("B", 1, 1, Perm.Write) }, true, 8),
        ["RegisterBroker-slave-noTopics"] = () => new RegisterBroker(Identity(1), Array.Empty<TopicConfig>(), false, 0),
        ["RegisterBrokerReply"] = () => new RegisterBrokerReply(ResponseCode.Success, null),
        ["RegisterBrokerReply-error"] = () => new RegisterBrokerReply(ResponseCode.SystemError, "name collides " + Unicode),
        ["UnregisterBroker"] = () => new UnregisterBroker("DefaultCluster", "broker-a", 2),
        ["GetRouteInfo"] = () => new GetRouteInfo("TopicTest", true),
        ["RouteInfoReply"] = () => new RouteInfoReply("TopicTest", ResponseCode.Success, null, new TopicRouteData(
            new[] { new QueueData("broker-a", 4, 4, Perm.ReadWrite), new QueueData("broker-b", 8, 2, Perm.Read) },
            new[]
            {
                new BrokerData("DefaultCluster", "broker-a", new Dictionary<long, string> { [0] = "10.0.0.1:10911", [1] = "10.0.0.2:10911" }),
                new BrokerData("DefaultCluster", "broker-b", new Dictionary<long, string>()),
            })),
        ["RouteInfoReply-noRoute"] = () => new RouteInfoReply("Nope", ResponseCode.TopicNotExist, "no route for Nope", null),
        ["RouteInfoReply-emptyRoute"] = () => new RouteInfoReply("T", ResponseCode.Success, null,
            new TopicRouteData(Array.Empty<QueueData>(), Array.Empty<BrokerData>())),
        ["CreateTopic"] = () => new CreateTopic(TopicConfig.Create("TopicTest"), "DefaultCluster", null),
        ["CreateTopic-allNull"] = () => new CreateTopic(new TopicConfig("T", 0, 0, 0), null, null),
        ["CreateTopicReply"] = () => new CreateTopicReply("TopicTest", ResponseCode.Success, null, new[] { "broker-a", "broker-b" }),
        ["CreateTopicReply-empty"] = () => new CreateTopicReply("TopicTest", ResponseCode.ServiceNotAvailable, "no brokers", Array.Empty<string>()),
        ["GetBrokerClusterInfo"] = () => GetBrokerClusterInfo.Instance,
        ["BrokerClusterInfo"] = () => new BrokerClusterInfo(new[]
        {
            new BrokerRegistrationInfo(Identity(), 1_700_000_000_000, 12),
            new BrokerRegistrationInfo(new BrokerIdentity("c2", Unicode, long.MaxValue, LongAscii), -1, 0),
        }),
        ["BrokerClusterInfo-empty"] = () => new BrokerClusterInfo(Array.Empty<BrokerRegistrationInfo>()),
        ["RequestBrokerRegistration"] = () => RequestBrokerRegistration.Instance,
        // Store events and snapshots
        ["QueueLogSnapshot"] = () => new QueueLogSnapshot(1_000_000, 10, 1_700_000_000_123, 64, new[]
        {
            new QueueIndexEntry(0, 1, 1_700_000_000_000),
            new QueueIndexEntry(640, 65, 1_700_000_000_050),
            new QueueIndexEntry(long.MaxValue, long.MaxValue, -1),
        }),
        ["QueueLogSnapshot-empty"] = () => new QueueLogSnapshot(0, 0, -1, 1, Array.Empty<QueueIndexEntry>()),
        ["ConsumerOffsetsCommitted"] = () => new ConsumerOffsetsCommitted(new Dictionary<int, long> { [0] = 5, [3] = -1 }, 1_700_000_000_000),
        ["ConsumerOffsetsCommitted-empty"] = () => new ConsumerOffsetsCommitted(new Dictionary<int, long>(), -1),
        ["ConsumerOffsetsSnapshot"] = () => new ConsumerOffsetsSnapshot(new Dictionary<int, long> { [0] = long.MaxValue, [1] = 0 }, 17),
        ["TopicConfigChanged"] = () => new TopicConfigChanged(new TopicConfig("TopicTest", 16, 16, Perm.ReadWrite | Perm.Inherit)),
        ["TopicConfigsSnapshot"] = () => new TopicConfigsSnapshot(new[] { TopicConfig.Create("A"), TopicConfig.Create("B", 1) }),
        ["TopicConfigsSnapshot-empty"] = () => new TopicConfigsSnapshot(Array.Empty<TopicConfig>()),
        // Consumer groups
        ["ConsumerHeartbeat"] = () => new ConsumerHeartbeat("broker-a", "group-1", "127.0.0.1@c1@1", MessageModel.Broadcasting, new[]
        {
            new SubscriptionData("TopicTest", "TagA || TagB"), new SubscriptionData("%RETRY%group-1", "*"), new SubscriptionData(Unicode, LongUnicode),
        }),
        ["ConsumerHeartbeat-noSubs"] = () => new ConsumerHeartbeat("b", "g", "c", MessageModel.Clustering, Array.Empty<SubscriptionData>()),
        ["ConsumerHeartbeatReply"] = () => new ConsumerHeartbeatReply("broker-a", "group-1", "c1", ResponseCode.ConsumerGroupIllegal, "bad " + Unicode),
        ["UnregisterConsumer"] = () => new UnregisterConsumer("broker-a", "group-1", LongAscii),
        ["GetConsumerList"] = () => new GetConsumerList("broker-a", "group-1"),
        ["ConsumerList"] = () => new ConsumerList("group-1", new[] { "a", "b", Unicode }, ResponseCode.Success, null),
        ["ConsumerList-empty"] = () => new ConsumerList("group-1", Array.Empty<string>(), ResponseCode.ConsumerGroupIllegal, "illegal"),
        ["ConsumerIdsChanged"] = () => new ConsumerIdsChanged("broker-a", "group-1"),
        ["LockBatchMQ"] = () => new LockBatchMQ("broker-a", "group-1", "c1", new[]
        {
            new MessageQueue("TopicTest", "broker-a", 0), new MessageQueue(Unicode, "broker-a", int.MaxValue),
        }),
        ["LockBatchMQReply"] = () => new LockBatchMQReply("group-1", "c1", new[] { new MessageQueue("TopicTest", "broker-a", 7) }, ResponseCode.Success, null),
        ["LockBatchMQReply-none"] = () => new LockBatchMQReply("group-1", "c1", Array.Empty<MessageQueue>(), ResponseCode.SystemError, "x"),
        ["ConsumerSendMsgBack"] = () => new ConsumerSendMsgBack("broker-a", "group-1", 77, Ext(42, "TagA", "k1", Props(), AllByteValues), 0, 16),
        ["ConsumerSendMsgBack-dlq"] = () => new ConsumerSendMsgBack("b", "g", -1, Ext(0, null, null, Message.EmptyProperties, Text(Unicode), -1, -1), -1, 0),
        ["ScheduleMessages"] = () => new ScheduleMessages("broker-a", new[]
        {
            new ScheduledEntry(1_700_000_010_000, new SendEntry(1, 2, false, 1_700_000_000_000, new Message("TopicTest", AllByteValues, "TagA", "k", Props()))),
            new ScheduledEntry(long.MaxValue, new SendEntry(-3, 0, true, -1, new Message(Unicode, Text("x")))),
        }),
        ["ScheduledMessagesAdded"] = () => new ScheduledMessagesAdded(new[]
        {
            new ScheduledMessage(1, 1_700_000_010_000, "TopicTest", 3, 1_700_000_000_000, "TagA", "k1 k2", Props(), AllByteValues),
            new ScheduledMessage(long.MaxValue, -1, Unicode, 0, -1, null, null, Message.EmptyProperties, Array.Empty<byte>()),
        }),
        ["ScheduledMessagesDelivered"] = () => new ScheduledMessagesDelivered(new[] { 1L, 2L, long.MaxValue }),
        ["ScheduleLogSnapshot"] = () => new ScheduleLogSnapshot(5, new[]
        {
            new ScheduledMessage(4, 9, "%RETRY%g", 0, 8, null, "k", Props(), Text(LongAscii)),
        }),
        ["ScheduleLogSnapshot-empty"] = () => new ScheduleLogSnapshot(0, Array.Empty<ScheduledMessage>()),
        // The timer wheel (issue 19).
        ["TimerBucketsOpened"] = () => new TimerBucketsOpened(7, 1_765_000_000_000_000, new[] { new TimerBucket(1_765_000_000, 3), new TimerBucket(-1, 0) }),
        ["TimerBucketsDelivered"] = () => new TimerBucketsDelivered(new[] { 1_765_000_000L, long.MaxValue }),
        ["TimerWheelSnapshot"] = () => new TimerWheelSnapshot(long.MaxValue, 0, new[] { new TimerBucket(1_765_000_001, 518_399) }),
        ["TimerWheelSnapshot-empty"] = () => new TimerWheelSnapshot(0, 0, Array.Empty<TimerBucket>()),
        ["UnlockBatchMQ"] = () => new UnlockBatchMQ("broker-a", "group-1", "c2", new[] { new MessageQueue("TopicTest", "broker-a", 1) }),
        // Topic attributes (issue 19): the "..2" manifests, written only when a config carries attributes.
        ["UpdateTopicConfig-attributes"] = () => new UpdateTopicConfig("broker-a", new TopicConfig("TopicTest", 8, 4, Perm.Read) { Attributes = Changes() }),
        ["UpdateTopicConfigReply-attributes"] = () => new UpdateTopicConfigReply("broker-a", "TopicTest",
            TopicConfig.Create("TopicTest") with { Attributes = Attributes() }, ResponseCode.Success, null),
        ["TopicConfigs-attributes"] = () => new TopicConfigs("broker-a", new[]
        {
            TopicConfig.Create("A"), new TopicConfig(Unicode, 1, 2, 7) { Attributes = Attributes() },
        }),
        ["RegisterBroker-attributes"] = () => new RegisterBroker(Identity(), new[]
        {
            TopicConfig.Create("A", 8) with { Attributes = Attributes() }, new TopicConfig("B", 1, 1, Perm.Write),
        }, true, 8),
        ["RouteInfoReply-attributes"] = () => new RouteInfoReply("TopicTest", ResponseCode.Success, null, new TopicRouteData(
            new[] { new QueueData("broker-a", 4, 4, Perm.ReadWrite) { Attributes = Attributes() }, new QueueData("broker-b", 8, 2, Perm.Read) },
            new[] { new BrokerData("DefaultCluster", "broker-a", new Dictionary<long, string> { [0] = "10.0.0.1:10911" }) })),
        // gRPC endpoints (issue 20): "NRB3" and "NRI3", written only when a node registers one.
        ["RegisterBroker-grpc"] = () => new RegisterBroker(Identity(), new[] { TopicConfig.Create("A", 8), new TopicConfig("B", 1, 1, Perm.Write) }, true, 8)
        {
            GrpcEndpoint = "10.0.0.1:8081",
        },
        ["RouteInfoReply-grpc"] = () => new RouteInfoReply("TopicTest", ResponseCode.Success, null, new TopicRouteData(
            new[] { new QueueData("broker-a", 4, 4, Perm.ReadWrite) { Attributes = Attributes() }, new QueueData("broker-b", 8, 2, Perm.Read) },
            new[]
            {
                new BrokerData("DefaultCluster", "broker-a", new Dictionary<long, string> { [0] = "10.0.0.1:10911", [1] = "10.0.0.2:10911" })
                {
                    GrpcEndpoints = new Dictionary<long, string> { [0] = "10.0.0.1:8081", [1] = "[::1]:8081" },
                },
                new BrokerData("DefaultCluster", "broker-b", new Dictionary<long, string> { [0] = "10.0.0.3:10911" }),
            })),
        ["CreateTopic-attributes"] = () => new CreateTopic(TopicConfig.Create("TopicTest") with { Attributes = Changes() }, null, "broker-a"),
        ["TopicConfigChanged-attributes"] = () => new TopicConfigChanged(new TopicConfig("TopicTest", 16, 16, Perm.ReadWrite) { Attributes = Attributes() }),
        ["TopicConfigsSnapshot-attributes"] = () => new TopicConfigsSnapshot(new[]
        {
            TopicConfig.Create("A") with { Attributes = Attributes() }, TopicConfig.Create("B", 1),
        }),
        // The NameServer's auto-create (the broker caps the queues it adds): "BUT3".
        ["UpdateTopicConfig-autoCreate"] = () => new UpdateTopicConfig("broker-a", TopicConfig.Create("TopicTest", 4)) { AutoCreate = true },
    };

    /// <summary>A stored attribute map (sorted by name in the config).</summary>
    public static IReadOnlyDictionary<string, string> Attributes() => new Dictionary<string, string>
    {
        [TopicAttributes.RetentionTime] = "10m", [TopicAttributes.RetentionBytes] = "1GiB", [TopicAttributes.MessageType] = "FIFO",
    };

    /// <summary>RocketMQ's alteration map, as updateTopic -a sends it.</summary>
    public static IReadOnlyDictionary<string, string> Changes() => new Dictionary<string, string>
    {
        ["+" + TopicAttributes.RetentionTime] = "72h", ["-" + TopicAttributes.RetentionBytes] = "",
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

    /// <summary>One instance of every sample, built once (for tests that only look at types and manifests).</summary>
    public static readonly Lazy<IReadOnlyList<object>> Instances = new(() => All.Values.Concat(AdminSamples.All.Values).Concat(SubscriptionGroupSamples.All.Values).Concat(PopSamples.All.Values).Concat(TransactionSamples.All.Values).Concat(ClientConnectionSamples.All.Values).Concat(AuthSamples.All.Values).Select(f => f()).ToList());

    public static object Get(string name) => All[name]();
}

/// <summary>Recursive field-by-field comparison: bodies byte for byte, dictionaries by key, lists by position.</summary>
internal static class Deep
{
    public static void Equal(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        if (expected is byte[] eb)
        {
            var ab = Assert.IsType<byte[]>(actual);
            Assert.True(eb.Length == ab.Length, $"{path}: expected {eb.Length} bytes, got {ab.Length}");
            var diff = eb.AsSpan().CommonPrefixLength(ab);
            Assert.True(diff == eb.Length, $"{path}: bytes differ at index {diff}");
            return;
        }
        var type = expected.GetType();
        if (expected is string || type.IsPrimitive || type.IsEnum)
        {
            Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        if (expected is IDictionary ed)
        {
            var ad = Assert.IsAssignableFrom<IDictionary>(actual);
            Assert.True(ed.Count == ad.Count, $"{path}: expected {ed.Count} entries, got {ad.Count}");
            foreach (DictionaryEntry kv in ed)
            {
                Assert.True(ad.Contains(kv.Key), $"{path}: key {Show(kv.Key)} is missing");
                Equal(kv.Value, ad[kv.Key], $"{path}[{kv.Key}]");
            }
            return;
        }
        if (expected is IEnumerable ee)
        {
            var el = ee.Cast<object?>().ToList();
            var al = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object?>().ToList();
            Assert.True(el.Count == al.Count, $"{path}: expected {el.Count} elements, got {al.Count}");
            for (var i = 0; i < el.Count; i++) Equal(el[i], al[i], $"{path}[{i}]");
            return;
        }
        Assert.True(type == actual.GetType(), $"{path}: expected a {type.Name}, got a {actual.GetType().Name}");
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0) continue;
            Equal(p.GetValue(expected), p.GetValue(actual), $"{path}.{p.Name}");
        }
    }

    private static string Show(object? o) => o switch
    {
        null => "null",
        string s => s.Length > 60 ? $"\"{s[..60]}...\" ({s.Length} chars)" : $"\"{s}\"",
        _ => o.ToString() ?? o.GetType().Name,
    };
}
