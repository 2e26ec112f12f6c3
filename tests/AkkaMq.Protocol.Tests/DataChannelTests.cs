using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.Remoting;

namespace AkkaMq.Protocol.Tests;

/// <summary>
/// The data channel through its actors and over real loopback sockets: a DataChannelServer whose
/// target is a test probe, and DataChannelClients under a parent that forwards what it gets to
/// another probe, as the producer is the client's parent.
/// </summary>
public sealed class DataChannelTests : TestKit
{
    private const int MaxFrame = 1 << 20;
    private readonly TestProbe _broker;
    private readonly int _port;

    public DataChannelTests(ITestOutputHelper output)
        : base(ProtocolConfig.Default.WithFallback("akka.test.single-expect-default = 10s"), output: output)
    {
        _broker = CreateTestProbe();
        var listener = DataChannelServer.Bind("127.0.0.1", 0);
        _port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Sys.ActorOf(DataChannelServer.Props(listener, _broker.Ref, m => m is SendMessages, MaxFrame), "data-channel");
    }

    /// <summary>Parent of a DataChannelClient: forwards replies and the client's termination to a probe.</summary>
    private sealed class ClientParent : ReceiveActor
    {
        public ClientParent(IActorRef probe, Props client)
        {
            var child = Context.Watch(Context.ActorOf(client, "client"));
            Receive<ToClient>(m => child.Tell(m.Message));
            Receive<AskClient>(m => child.Forward(m.Message));
            // A Terminated told on is dropped by a receiver that does not watch the actor: wrap it.
            Receive<Terminated>(_ => probe.Tell(ClientStopped.Instance));
            ReceiveAny(m => probe.Tell(m));
        }
    }

    private sealed record ToClient(object Message);

    /// <summary>Passed on with the asker as sender: the client asks it under a request id.</summary>
    private sealed record AskClient(object Message);

    private sealed class ClientStopped
    {
        public static readonly ClientStopped Instance = new();
    }

    private (IActorRef Parent, TestProbe Replies) StartClient(int? port = null)
    {
        var replies = CreateTestProbe();
        var parent = Sys.ActorOf(Akka.Actor.Props.Create(() => new ClientParent(replies.Ref,
            DataChannelClient.Props("127.0.0.1", port ?? _port, MaxFrame, TimeSpan.FromSeconds(5)))));
        return (parent, replies);
    }

    private static SendMessages Batch(string topic, params byte[][] bodies) =>
        new("broker-a", bodies.Select((b, i) => new SendEntry(i + 1, 0, false, 1_700_000_000_000, new Message(topic, b, tags: "TagA"))).ToList());

    [Fact]
    public void Requests_reach_the_target_and_its_replies_reach_the_client_parent()
    {
        var (parent, replies) = StartClient();
        var bigBody = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        parent.Tell(new ToClient(Batch("TopicA", Encoding.UTF8.GetBytes("hello"), bigBody, Array.Empty<byte>())));

        var request = _broker.ExpectMsg<SendMessages>();
        Assert.Equal(3, request.Entries.Count);
        Assert.Equal("hello", Encoding.UTF8.GetString(request.Entries[0].Message.Body));
        Assert.Equal(bigBody, request.Entries[1].Message.Body);
        Assert.Equal("TagA", request.Entries[2].Message.Tags);
        // The session is the sender: the broker's reply goes straight back over the connection.
        _broker.LastSender.Tell(new SendAcks("broker-a", request.Entries.Select(e => new SendAck(e.CorrelationId, ResponseCode.Success, null, SendStatus.SendOk, 0, e.CorrelationId * 10)).ToList()));

        var acks = replies.ExpectMsg<SendAcks>();
        Assert.Equal(new long[] { 10, 20, 30 }, acks.Acks.Select(a => a.QueueOffset));
    }

    [Fact]
    public async Task An_asked_request_is_answered_under_its_request_id()
    {
        var (parent, _) = StartClient();
        var asked = parent.Ask<SendAcks>(new AskClient(Batch("TopicA", new byte[] { 7 })), TimeSpan.FromSeconds(10));
        _broker.ExpectMsg<SendMessages>();
        _broker.Reply(new SendAcks("broker-a", new[] { new SendAck(1, ResponseCode.Success, null, SendStatus.SendOk, 0, 42) }));
        Assert.Equal(42, (await asked).Acks.Single().QueueOffset);
    }

    [Theory]
    [InlineData("no answer")]
    [InlineData("a failure")]
    public async Task A_pull_the_broker_does_not_answer_is_answered_with_an_error_and_the_channel_keeps_serving(string broker)
    {
        // A server of its own: it serves pulls and waits only briefly for the broker's answer.
        var target = CreateTestProbe();
        var listener = DataChannelServer.Bind("127.0.0.1", 0);
        Sys.ActorOf(DataChannelServer.Props(listener, target.Ref, m => m is PullMessage, MaxFrame, askTimeout: TimeSpan.FromMilliseconds(300)));
        var (parent, _) = StartClient(((IPEndPoint)listener.LocalEndPoint!).Port);

        var pull = new PullMessage("broker-a", "GroupA", "TopicA", 2, 17, 32, "*", 0);
        var asked = parent.Ask<PullResult>(new AskClient(pull), TimeSpan.FromSeconds(10));
        target.ExpectMsg<PullMessage>();
        if (broker == "a failure") target.Reply(new Status.Failure(new InvalidOperationException("queue log restarting")));
        var failed = await asked;
        Assert.Equal(ResponseCode.SystemError, failed.Code);
        Assert.Equal(("TopicA", 2, 17L), (failed.Topic, failed.QueueId, failed.NextBeginOffset));
        Assert.Contains(broker == "no answer" ? "did not answer the pull within 0.3 s" : "queue log restarting", failed.Error);

        // The same connection goes on serving.
        var again = parent.Ask<PullResult>(new AskClient(pull with { QueueOffset = 18 }), TimeSpan.FromSeconds(10));
        target.ExpectMsg<PullMessage>();
        target.Reply(new PullResult(PullStatus.NoNewMsg, 18, 0, 18, "TopicA", "broker-a", 2, Array.Empty<MessageExt>(), ResponseCode.Success, null));
        Assert.Equal(PullStatus.NoNewMsg, (await again).Status);
    }

    [Fact]
    public async Task A_request_over_the_frame_limit_fails_its_asker_and_the_channel_keeps_serving()
    {
        var (parent, _) = StartClient();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => parent.Ask<SendAcks>(new AskClient(Batch("TopicA", new byte[MaxFrame])), TimeSpan.FromSeconds(10)));
        Assert.Contains("frame limit", e.Message);
        parent.Tell(new ToClient(Batch("TopicA", new byte[] { 1 })));
        Assert.Single(_broker.ExpectMsg<SendMessages>().Entries);
    }

    [Fact]
    public void Many_pipelined_requests_arrive_in_order()
    {
        var (parent, _) = StartClient();
        for (var i = 0; i < 500; i++) parent.Tell(new ToClient(Batch("Topic" + i, new byte[i])));
        for (var i = 0; i < 500; i++)
        {
            var m = _broker.ExpectMsg<SendMessages>();
            Assert.Equal("Topic" + i, m.Entries[0].Message.Topic);
            Assert.Equal(i, m.Entries[0].Message.Body.Length);
        }
    }

    [Fact]
    public void A_message_the_channel_does_not_serve_closes_that_connection_and_the_server_keeps_serving()
    {
        var (bad, badReplies) = StartClient();
        bad.Tell(new ToClient(new GetTopicConfigs("broker-a")));
        badReplies.ExpectMsg<ClientStopped>();
        _broker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        var (good, _) = StartClient();
        good.Tell(new ToClient(Batch("TopicA", new byte[] { 1 })));
        _broker.ExpectMsg<SendMessages>();
    }

    [Theory]
    [InlineData("no preamble")]
    [InlineData("frame longer than the limit")]
    [InlineData("manifest nobody knows")]
    [InlineData("payload that does not decode")]
    public async Task Malformed_input_closes_the_connection_and_the_server_keeps_serving(string what)
    {
        using (var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await raw.ConnectAsync(IPAddress.Loopback, _port);
            var bytes = new List<byte>();
            if (what != "no preamble") bytes.AddRange(FramedConnection.Preamble.ToArray());
            bytes.AddRange(what switch
            {
                "no preamble" => Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n"),
                "frame longer than the limit" => Frame(MaxFrame + 1, "BSM", Array.Empty<byte>()),
                "manifest nobody knows" => Frame(null, "ZZZ", new byte[] { 1, 2, 3 }),
                _ => Frame(null, "BSM", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }),
            });
            await raw.SendAsync(bytes.ToArray());
            // The server closes its end: a read returns 0 bytes (or fails with a reset).
            var buffer = new byte[16];
            int n;
            try { n = await raw.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (SocketException) { n = 0; }
            Assert.Equal(0, n);
        }
        _broker.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        var (good, _) = StartClient();
        good.Tell(new ToClient(Batch("TopicA", new byte[] { 1 })));
        _broker.ExpectMsg<SendMessages>();
    }

    private static byte[] Frame(int? declaredLength, string manifest, byte[] payload)
    {
        var frame = new byte[4 + 1 + manifest.Length + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, declaredLength ?? 1 + manifest.Length + payload.Length);
        frame[4] = (byte)manifest.Length;
        Encoding.ASCII.GetBytes(manifest, frame.AsSpan(5));
        payload.CopyTo(frame, 5 + manifest.Length);
        return frame;
    }

    [Fact]
    public void The_client_stops_when_the_server_goes_away()
    {
        var (parent, replies) = StartClient();
        parent.Tell(new ToClient(Batch("TopicA", new byte[] { 1 })));
        _broker.ExpectMsg<SendMessages>();
        Sys.Stop(_broker.LastSender); // the session: the node's side of the connection closes
        replies.ExpectMsg<ClientStopped>();
    }

    [Fact]
    public void The_client_stops_when_nothing_listens()
    {
        int closedPort;
        using (var s = DataChannelServer.Bind("127.0.0.1", 0)) closedPort = ((IPEndPoint)s.LocalEndPoint!).Port;
        var (parent, replies) = StartClient(closedPort);
        parent.Tell(new ToClient(Batch("TopicA", new byte[] { 1 })));
        replies.ExpectMsg<ClientStopped>();
    }

    [Fact]
    public void Binding_a_port_in_use_names_the_address()
    {
        var e = Assert.Throws<DataChannelBindException>(() => DataChannelServer.Bind("127.0.0.1", _port));
        Assert.Contains($"cannot listen on 127.0.0.1:{_port} (akkamq.broker.fastListenPort)", e.Message);
    }
}
