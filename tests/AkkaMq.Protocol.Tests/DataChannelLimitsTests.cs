using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.Remoting;

namespace AkkaMq.Protocol.Tests;

/// <summary>
/// The data channel's limits against hostile or broken clients, over real loopback sockets: caps on
/// connections, the handshake, frame and idle timeouts, the in-flight window and the output limit.
/// Every attempt ends with the target (the broker) having received nothing from the hostile client
/// and a real client still served.
/// </summary>
public sealed class DataChannelLimitsTests : TestKit
{
    private const int MaxFrame = 1 << 20;
    private readonly TestProbe _warnings;

    public DataChannelLimitsTests(ITestOutputHelper output)
        : base(ProtocolConfig.Default.WithFallback("akka.test.single-expect-default = 10s"), output: output)
    {
        _warnings = CreateTestProbe();
        Sys.EventStream.Subscribe(_warnings.Ref, typeof(Warning));
    }

    private (int Port, IActorRef Server) StartServer(IActorRef target, DataChannelLimits limits)
    {
        var listener = DataChannelServer.Bind("127.0.0.1", 0);
        var server = Sys.ActorOf(DataChannelServer.Props(listener, target, m => m is SendMessages or PullMessage, MaxFrame, limits: limits));
        return (((IPEndPoint)listener.LocalEndPoint!).Port, server);
    }

    /// <summary>Parent of a DataChannelClient, as the producer is: forwards replies and the client's end to a probe.</summary>
    private sealed class ClientParent : ReceiveActor
    {
        public ClientParent(IActorRef probe, Props client)
        {
            var child = Context.Watch(Context.ActorOf(client, "client"));
            Receive<SendMessages>(m => child.Tell(m));
            Receive<Terminated>(_ => probe.Tell("stopped"));
            ReceiveAny(m => probe.Tell(m));
        }
    }

    private (IActorRef Client, TestProbe Replies) StartClient(int port)
    {
        var replies = CreateTestProbe();
        var client = Sys.ActorOf(Props.Create(() => new ClientParent(replies.Ref, DataChannelClient.Props("127.0.0.1", port, MaxFrame, TimeSpan.FromSeconds(5), false))));
        return (client, replies);
    }

    /// <summary>A real client's send reaches the target and its ack comes back.</summary>
    private static void Served(IActorRef client, TestProbe replies, TestProbe target, string topic)
    {
        client.Tell(new SendMessages("broker-a", new[] { new SendEntry(7, 0, false, 1_700_000_000_000, new Message(topic, new byte[] { 1 })) }));
        var request = target.FishForMessage<SendMessages>(m => m.Entries[0].Message.Topic == topic);
        target.LastSender.Tell(new SendAcks("broker-a", new[] { new SendAck(7, ResponseCode.Success, null, SendStatus.SendOk, 0, 1) }));
        Assert.Equal(7, replies.ExpectMsg<SendAcks>().Acks.Single().CorrelationId);
        Assert.Single(request.Entries);
    }

    private void ServedByANewClient(int port, TestProbe target, string topic)
    {
        var (client, replies) = StartClient(port);
        Served(client, replies, target, topic);
        Sys.Stop(client);
    }

    private static async Task<Socket> Connect(int port, string source = "127.0.0.1", byte[]? first = null)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        await s.ConnectAsync(IPAddress.Loopback, port);
        if (first != null)
            try { await s.SendAsync(first); }
            catch (SocketException) { /* refused and reset already */ }
        return s;
    }

    /// <summary>True once the server has closed its end (what was sent before is read and dropped).</summary>
    private static async Task<bool> Closed(Socket s, TimeSpan within)
    {
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(within);
        try
        {
            while (await s.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, cts.Token) > 0) { }
            return true;
        }
        catch (SocketException) { return true; }
        catch (OperationCanceledException) { return false; }
    }

    private byte[] Frame(object message, long id)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(IAkkaMqMessage));
        var payload = serializer.ToBinary(message);
        var manifest = serializer.Manifest(message);
        var frame = new byte[4 + 8 + 1 + manifest.Length + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(4), id);
        frame[12] = (byte)manifest.Length;
        Encoding.ASCII.GetBytes(manifest, frame.AsSpan(13));
        payload.CopyTo(frame, 13 + manifest.Length);
        return frame;
    }

    private static byte[] Preamble => FramedConnection.Preamble.ToArray();

    private static PullMessage Pull(long offset) => new("broker-a", "GroupA", "TopicA", 0, offset, 32, "*", 0);

    private static SendMessages Batch(string topic) =>
        new("broker-a", new[] { new SendEntry(1, 0, false, 1_700_000_000_000, new Message(topic, new byte[] { 1 })) });

    private string Warned(string contains) =>
        _warnings.FishForMessage<Warning>(w => w.Message.ToString()!.Contains(contains), TimeSpan.FromSeconds(20)).Message.ToString()!;

    private async Task<DataChannelServer.CurrentConnections> Connections(IActorRef server) =>
        await server.Ask<DataChannelServer.CurrentConnections>(DataChannelServer.GetConnections.Instance, TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Ten_thousand_connections_meet_the_node_and_per_ip_caps_while_a_real_client_keeps_being_served()
    {
        var target = CreateTestProbe();
        var (port, server) = StartServer(target.Ref, DataChannelLimits.Default with { MaxConnections = 150, MaxConnectionsPerIp = 100 });
        var (client, replies) = StartClient(port);
        Served(client, replies, target, "Before");

        // 10,000 idle connections that sent their preamble: 5,000 from each of two other addresses.
        var flood = new List<Socket>(10_000);
        try
        {
            foreach (var source in new[] { "127.0.0.2", "127.0.0.3" })
                for (var chunk = 0; chunk < 5_000; chunk += 250)
                {
                    flood.AddRange(await Task.WhenAll(Enumerable.Range(0, 250).Select(_ => Connect(port, source, Preamble))));
                    var open = (await Connections(server)).Open;
                    Assert.True(open <= 150, $"{open} connections open past the cap of 150");
                }
            // The real client, then 100 from 127.0.0.2 (its cap), then 49 from 127.0.0.3 (the node's cap); the rest refused.
            await AwaitAssertAsync(async () => Assert.Equal(new DataChannelServer.CurrentConnections(150, 10_000 - 149), await Connections(server)),
                TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
            Served(client, replies, target, "During");
            Assert.Contains("refused a connection from 127.0.0.2", Warned("refused a connection"));
        }
        finally
        {
            foreach (var s in flood) s.Dispose();
        }
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the flood stored nothing
        await AwaitAssertAsync(async () => Assert.Equal(1, (await Connections(server)).Open), TimeSpan.FromSeconds(20));
        ServedByANewClient(port, target, "After");
    }

    [Fact]
    public async Task Idle_connections_are_closed_after_the_idle_timeout_while_an_active_client_keeps_being_served()
    {
        var target = CreateTestProbe();
        var (port, server) = StartServer(target.Ref, DataChannelLimits.Default with { IdleTimeout = TimeSpan.FromSeconds(1) });
        var idle = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Connect(port, first: Preamble)));
        var (client, replies) = StartClient(port);
        var closing = idle.Select(s => Closed(s, TimeSpan.FromSeconds(15))).ToArray();
        // The active client sends every 200 ms (pacing, not waiting for a condition) until the idle ones are closed.
        for (var i = 0; !closing.All(c => c.IsCompleted); i++)
        {
            Served(client, replies, target, "Active" + i);
            await Task.Delay(200);
        }
        Assert.All(await Task.WhenAll(closing), Assert.True);
        Assert.Contains("idle timeout of 1 s", Warned("idle timeout"));
        Served(client, replies, target, "StillActive");
        foreach (var s in idle) s.Dispose();
        // Once it stops sending, the real client is idle too: closed, and a new one is served.
        replies.FishForMessage(m => m is "stopped", TimeSpan.FromSeconds(10));
        ServedByANewClient(port, target, "Again");
        Assert.Equal(0, (await Connections(server)).Refused);
    }

    [Theory]
    [InlineData("preamble", "handshake timeout of 1 s")]
    [InlineData("frame", "frame timeout of 1 s")]
    public async Task A_client_dribbling_bytes_slowloris_is_closed_by_the_timeout(string dribbled, string reason)
    {
        var target = CreateTestProbe();
        var (port, _) = StartServer(target.Ref, DataChannelLimits.Default with { HandshakeTimeout = TimeSpan.FromSeconds(1), FrameTimeout = TimeSpan.FromSeconds(1) });
        using var s = await Connect(port, first: dribbled == "frame" ? Preamble : null);
        var bytes = dribbled == "frame" ? Frame(Batch("Dribbled"), 0) : Preamble;
        var closed = Closed(s, TimeSpan.FromSeconds(15));
        // One byte every 300 ms (pacing): the whole would take longer than the timeout allows.
        for (var i = 0; i < bytes.Length && !closed.IsCompleted; i++)
        {
            try { await s.SendAsync(bytes.AsMemory(i, 1)); }
            catch (SocketException) { break; }
            await Task.Delay(300);
        }
        Assert.True(await closed);
        Assert.Contains(reason, Warned(reason));
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        ServedByANewClient(port, target, "AfterSlowloris");
    }

    [Theory]
    [InlineData("a frame before the preamble", "bad preamble")]
    [InlineData("a declared frame length of 2 GiB", "is outside 10..1048576")]
    public async Task Frames_before_the_preamble_or_over_the_frame_limit_close_the_connection(string what, string reason)
    {
        var target = CreateTestProbe();
        var (port, _) = StartServer(target.Ref, DataChannelLimits.Default);
        var bytes = what == "a frame before the preamble"
            ? Frame(Batch("NoPreamble"), 0)
            : Preamble.Concat(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0 }).ToArray();
        using var s = await Connect(port, first: bytes);
        Assert.True(await Closed(s, TimeSpan.FromSeconds(10)));
        Assert.Contains(reason, Warned(reason));
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        ServedByANewClient(port, target, "AfterBadFrame");
    }

    [Fact]
    public async Task A_frame_is_held_only_as_its_bytes_arrive_not_at_its_declared_length()
    {
        using var listener = DataChannelServer.Bind("127.0.0.1", 0);
        using var client = await Connect(((IPEndPoint)listener.LocalEndPoint!).Port);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(IAkkaMqMessage));
        using var connection = new FramedConnection(await listener.AcceptAsync(), serializer, MaxFrame, writePreamble: false);
        connection.Start((_, _) => { }, expectPreamble: true);
        var header = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(header, MaxFrame); // declares the largest frame allowed
        await client.SendAsync(Preamble.Concat(header).Concat(new byte[100_000]).ToArray());
        await AwaitAssertAsync(() => Assert.Equal(128 << 10, connection.ReadBufferBytes)); // 100 KB arrived: 128 KiB held, not 1 MiB
        await client.SendAsync(new byte[200_000]);
        await AwaitAssertAsync(() => Assert.Equal(512 << 10, connection.ReadBufferBytes));
        Assert.False(connection.Closed.IsCompleted);
    }

    [Fact]
    public async Task Past_the_in_flight_limit_the_broker_stops_reading_the_connection_until_an_answer_drains()
    {
        var target = CreateTestProbe();
        var (port, _) = StartServer(target.Ref, DataChannelLimits.Default with { MaxInflightRequests = 10 });
        using var s = await Connect(port, first: Preamble.Concat(Enumerable.Range(1, 30).SelectMany(i => Frame(Pull(i), i))).ToArray());
        var askers = Enumerable.Range(1, 10).Select(i =>
        {
            Assert.Equal(i, target.ExpectMsg<PullMessage>().QueueOffset);
            return target.LastSender;
        }).ToList();
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        askers[0].Tell(new PullResult(PullStatus.NoNewMsg, 1, 0, 1, "TopicA", "broker-a", 0, Array.Empty<MessageExt>(), ResponseCode.Success, null));
        Assert.Equal(11, target.ExpectMsg<PullMessage>().QueueOffset);
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var answer = new byte[13];
        await s.ReceiveAsync(answer.AsMemory());
        Assert.Equal(1, BinaryPrimitives.ReadInt64BigEndian(answer.AsSpan(4))); // the answer, under its request id
    }

    /// <summary>Answers every pull with one 200 KB message.</summary>
    private sealed class Answerer : ReceiveActor
    {
        public Answerer()
        {
            var body = new byte[200_000];
            Receive<PullMessage>(p => Sender.Tell(new PullResult(PullStatus.Found, p.QueueOffset + 1, 0, p.QueueOffset + 1, p.Topic, p.BrokerName, p.QueueId,
                new[] { new MessageExt(p.Topic, p.BrokerName, p.QueueId, p.QueueOffset, null, null, new Dictionary<string, string>(), body, 0, 0) },
                ResponseCode.Success, null)));
        }
    }

    [Fact]
    public async Task A_client_that_never_reads_is_closed_at_the_output_limit_and_the_broker_holds_no_more()
    {
        var answerer = Sys.ActorOf(Props.Create(() => new Answerer()));
        var (port, server) = StartServer(answerer, DataChannelLimits.Default with { MaxOutputBytes = 1 << 20 });
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await s.ConnectAsync(IPAddress.Loopback, port);
        // 300 pipelined pulls, 60 MB of answers, none of them read.
        await s.SendAsync(Preamble.Concat(Enumerable.Range(1, 300).SelectMany(i => Frame(Pull(i), i))).ToArray());

        var warning = Warned("does not read its answers");
        var queued = long.Parse(Regex.Match(warning, @"(\d+) bytes queued").Groups[1].Value);
        Assert.InRange(queued, 1 << 20, (1 << 20) + 210_000); // the limit plus the one answer that crossed it
        Assert.Contains("max-output-bytes", warning);
        await AwaitAssertAsync(async () => Assert.Equal(0, (await Connections(server)).Open), TimeSpan.FromSeconds(10));

        // The same server goes on serving a client that reads.
        using var reader = await Connect(port, first: Preamble.Concat(Frame(Pull(5), 42)).ToArray());
        var head = new byte[12];
        await reader.ReceiveAsync(head.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(42, BinaryPrimitives.ReadInt64BigEndian(head.AsSpan(4)));
        Assert.True(BinaryPrimitives.ReadInt32BigEndian(head) > 200_000);
    }
}
