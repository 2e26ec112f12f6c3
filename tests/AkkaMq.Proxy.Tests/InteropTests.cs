using System.Collections.Concurrent;
using System.Security.Cryptography;
using AkkaMq.Client;
using AkkaMq.Client.Admin;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Proxy.Producer;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Message = Apache.Rocketmq.V2.Message;
using MessageQueue = Apache.Rocketmq.V2.MessageQueue;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// Interop both ways, every field intact: what a gRPC producer sends, the native pull and push consumers receive; what the
/// native producer sends, a gRPC SimpleConsumer receives; queryMsgById finds a message by the gRPC client's id.
/// </summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class InteropTests(GrpcNodeFixture fx)
{
    private static readonly byte[] BinaryBody = Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray();

    private static readonly Dictionary<string, string> Utf8Properties = new()
    {
        ["city"] = "Zürich", ["greeting"] = "こんにちは 世界", ["emoji"] = "🚀 ok",
    };

    /// <summary>A normal message with everything, a FIFO one and a delayed one, as a gRPC producer sends them.</summary>
    private async Task<(Message Normal, Message Fifo, Message Delay)> SendOverGrpcAsync(string topic)
    {
        var normal = GrpcNodeFixture.NewMessage(topic, BinaryBody, tag: "TagA", keys: new[] { "zeta", "alpha", "mid" }, properties: Utf8Properties);
        var fifo = GrpcNodeFixture.NewMessage(topic, System.Text.Encoding.UTF8.GetBytes("fifo"), tag: "TagB", group: "order-42", type: MessageType.Fifo);
        var deliverAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1500);
        var delay = GrpcNodeFixture.NewMessage(topic, System.Text.Encoding.UTF8.GetBytes("delay"), deliverAt: deliverAt, type: MessageType.Delay);
        var request = new SendMessageRequest();
        request.Messages.AddRange(new[] { normal, fifo, delay });
        var r = await fx.Client.SendMessageAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
        return (normal, fifo, delay);
    }

    /// <summary>Every field of the gRPC message, as a native consumer's MessageExt carries it.</summary>
    private static void AssertNativeCopy(Message sent, MessageExt m)
    {
        var sys = sent.SystemProperties;
        Assert.Equal(sent.Topic.Name, m.Topic);
        Assert.Equal(sys.HasTag ? sys.Tag : null, m.Tags);
        Assert.Equal(sys.Keys.Count == 0 ? null : string.Join(' ', sys.Keys), m.Keys);
        Assert.Equal(sent.Body.ToByteArray(), m.Body);
        Assert.Equal(sys.MessageId, m.Properties[MessageConst.UniqKey]);
        Assert.Equal(sys.BornHost, m.Properties[MessageProperties.BornHost]);
        Assert.Equal(sys.BornTimestamp.ToDateTimeOffset().ToUnixTimeMilliseconds(), m.BornTimestamp);
        foreach (var (k, v) in sent.UserProperties) Assert.Equal(v, m.Properties[k]);
        if (sys.HasMessageGroup) Assert.Equal(sys.MessageGroup, m.Properties[MessageProperties.MessageGroup]);
        else Assert.False(m.Properties.ContainsKey(MessageProperties.MessageGroup));
        if (sys.DeliveryTimestamp != null)
        {
            var at = sys.DeliveryTimestamp.ToDateTimeOffset().ToUnixTimeMilliseconds();
            Assert.Equal(at.ToString(), m.Properties[MessageConst.TimerDeliverMs]);
            Assert.True(m.StoreTimestamp >= at, $"the delayed message was stored at {m.StoreTimestamp}, before its delivery time {at}");
        }
        // Nothing else appears among the properties: the user's, plus the system ones named above.
        Assert.Equal(sent.UserProperties.Count, m.Properties.Keys.Count(k => !MessageProperties.Reserved.Contains(k)));
    }

    [Fact]
    public async Task What_a_grpc_producer_sends_the_native_pull_and_push_consumers_receive_intact()
    {
        const string topic = "InteropToNative";
        await fx.CreateTopicAsync(topic);
        var received = new ConcurrentDictionary<string, MessageExt>();
        var push = AkkaMqPushConsumer.Create(fx.NativeClient, "interop-native-push", PushConsumerSettings.Create(fx.NativeClient.Settings.Config) with
        {
            ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
        });
        push.Subscribe(topic);
        push.RegisterMessageListener((msgs, _) =>
        {
            foreach (var m in msgs) received[m.Properties[MessageConst.UniqKey]] = m;
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        });
        await push.StartAsync();
        try
        {
            var (normal, fifo, delay) = await SendOverGrpcAsync(topic);

            var pulled = (await fx.ReadAllAsync(topic, 3)).ToDictionary(m => m.Properties[MessageConst.UniqKey]);
            await Eventually.TrueAsync(() => received.Count >= 3, () => $"the push consumer received {received.Count} of 3", TimeSpan.FromSeconds(30));
            foreach (var sent in new[] { normal, fifo, delay })
            {
                AssertNativeCopy(sent, pulled[sent.SystemProperties.MessageId]);
                AssertNativeCopy(sent, received[sent.SystemProperties.MessageId]);
            }
        }
        finally
        {
            await push.ShutdownAsync();
        }
    }

    [Fact]
    public async Task What_the_native_producer_sends_a_grpc_simple_consumer_receives_intact()
    {
        const string topic = "InteropToGrpc";
        await fx.CreateTopicAsync(topic);
        var sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var sends = new List<(AkkaMq.Protocol.Message Message, SendResult Result)>();
        foreach (var (tag, keys) in new[] { ("TagA", "zeta alpha mid"), ((string?)null, (string?)null) })
        {
            var message = new AkkaMq.Protocol.Message(topic, BinaryBody, tag, keys, Utf8Properties);
            sends.Add((message, await fx.NativeProducer.SendAsync(message)));
        }

        var request = new ReceiveMessageRequest
        {
            Group = new Resource { Name = "interop-grpc-simple" },
            MessageQueue = new MessageQueue { Topic = new Resource { Name = topic }, Id = -1 },
            FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
            BatchSize = 16,
            InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
        };
        var got = new Dictionary<string, Message>();
        await Eventually.TrueAsync(async () =>
        {
            using var call = fx.Client.ReceiveMessage(request, deadline: DateTime.UtcNow.AddSeconds(30));
            while (await call.ResponseStream.MoveNext())
                if (call.ResponseStream.Current.Message is { } m) got[m.SystemProperties.MessageId] = m;
            return got.Count >= sends.Count;
        }, () => $"{got.Count} of {sends.Count} received over gRPC", TimeSpan.FromSeconds(30));

        var a = Akka.Cluster.Cluster.Get(fx.Node.System).SelfAddress;
        foreach (var (message, result) in sends)
        {
            var m = got[result.MsgId]; // message_id is the id the native send returned
            var sys = m.SystemProperties;
            Assert.Equal(topic, m.Topic.Name);
            Assert.Equal(message.Tags, sys.HasTag ? sys.Tag : null);
            Assert.Equal(message.Keys?.Split(' ') ?? Array.Empty<string>(), sys.Keys);
            Assert.Equal(Utf8Properties, m.UserProperties);
            Assert.Equal(BinaryBody, m.Body.ToByteArray());
            Assert.Equal(DigestType.Md5, sys.BodyDigest.Type);
            Assert.Equal(Convert.ToHexString(MD5.HashData(BinaryBody)), sys.BodyDigest.Checksum);
            Assert.Equal(result.MessageQueue.QueueId, sys.QueueId);
            Assert.Equal(result.QueueOffset, sys.QueueOffset);
            Assert.Equal($"{a.Host}:{a.Port}", sys.StoreHost);
            var born = sys.BornTimestamp.ToDateTimeOffset().ToUnixTimeMilliseconds();
            var stored = sys.StoreTimestamp.ToDateTimeOffset().ToUnixTimeMilliseconds();
            Assert.InRange(born, sentAt - 1000, stored);
            Assert.InRange(stored, born, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Assert.Equal(MessageType.Normal, sys.MessageType);
            Assert.False(sys.HasMessageGroup);
            Assert.Null(sys.DeliveryTimestamp);
            Assert.Equal(1, sys.DeliveryAttempt);
        }
    }

    [Fact]
    public async Task QueryMsgById_finds_a_message_by_the_grpc_clients_message_id()
    {
        const string topic = "InteropQueryById";
        await fx.CreateTopicAsync(topic);
        var (normal, _, _) = await SendOverGrpcAsync(topic);
        await fx.ReadAllAsync(topic, 3);
        await using var admin = new AkkaMqAdmin(new ClientContext(fx.NativeClient, ClientSettings.Create(fx.NativeClient.Settings.Config)));

        var view = await admin.QueryMsgByIdAsync(normal.SystemProperties.MessageId);

        Assert.Equal(topic, view.Topic);
        Assert.Equal("TagA", view.Tags);
        Assert.Equal("zeta alpha mid", view.Keys);
        Assert.Equal(normal.SystemProperties.MessageId, view.Properties[MessageConst.UniqKey]);
        var missing = await Assert.ThrowsAsync<AkkaMqException>(() => admin.QueryMsgByIdAsync("01" + new string('A', 32)));
        Assert.Equal(ResponseCode.QueryNotFound, missing.Code);
    }
}
