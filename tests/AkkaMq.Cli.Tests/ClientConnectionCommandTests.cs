using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.TestKit;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Net.Client;
using Message = AkkaMq.Protocol.Message;
using Settings = Apache.Rocketmq.V2.Settings;

namespace AkkaMq.Cli.Tests;

/// <summary>
/// consumerConnection and producerConnection (CLI and HTTP) list RocketMQ 5 clients connected over gRPC beside native
/// ones: a gRPC client joins with its Telemetry Settings and leaves with NotifyClientTermination.
/// </summary>
public sealed class ClientConnectionCommandTests : IClassFixture<NodeFixture>
{
    private const string Topic = "GrpcConnTopic";
    private const string Group = "grpc-conn-group";
    private readonly NodeFixture _node;
    private readonly ITestOutputHelper _output;

    public ClientConnectionCommandTests(NodeFixture node, ITestOutputHelper output)
    {
        _node = node;
        _output = output;
    }

    private async Task<JsonElement> Json(params string[] args)
    {
        var run = await _node.Cli(args.Append("--json").ToArray());
        _output.WriteLine($"$ akkamq {string.Join(' ', args)}\n{run.Out}{run.Err}");
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Json;
    }

    /// <summary>Right after the node started, the first update may find the cluster not listed yet: asked again until it is.</summary>
    private async Task CreateTopicAsync()
    {
        CliRun? run = null;
        await CliAssert.Eventually(async () => (run = await _node.Cli("updateTopic", "-t", Topic, "-c", "DefaultCluster")).ExitCode == 0,
            TimeSpan.FromSeconds(20), () => run?.ToString() ?? "");
    }

    private static Metadata Headers(string clientId) => new()
    {
        { "x-mq-protocol", "v2" }, { "x-mq-client-id", clientId }, { "x-mq-language", "JAVA" }, { "x-mq-client-version", "5.0.7" },
    };

    /// <summary>Opens the client's Telemetry stream, writes its Settings and waits for the server's answer, as the clients do at start.</summary>
    private static async Task<AsyncDuplexStreamingCall<TelemetryCommand, TelemetryCommand>> StartClientAsync(MessagingService.MessagingServiceClient grpc,
        string clientId, Settings settings)
    {
        var call = grpc.Telemetry(Headers(clientId));
        await call.RequestStream.WriteAsync(new TelemetryCommand { Settings = settings });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(Code.Ok, call.ResponseStream.Current.Status.Code);
        return call;
    }

    private static JsonElement Row(JsonElement connection, string clientId) =>
        connection.GetProperty("connections").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == clientId);

    [Fact]
    public async Task Grpc_producers_and_consumers_show_up_beside_native_ones_until_they_terminate()
    {
        await CreateTopicAsync();
        var endpoint = Regex.Match(_node.Node.Output, @"AkkaMq gRPC endpoint \(RocketMQ 5 clients\) listening on (\S+)").Groups[1].Value;
        using var channel = GrpcChannel.ForAddress($"http://{endpoint}");
        var grpc = new MessagingService.MessagingServiceClient(channel);
        using var http = new HttpClient { BaseAddress = new Uri(_node.HttpUrl), Timeout = TimeSpan.FromSeconds(30) };

        // A native producer of the same group: RocketMQ's proxy registers a gRPC producer under each topic it publishes to.
        var client = ActorSystem.Create("conn-producer", Akka.Configuration.ConfigurationFactory.ParseString($"akkamq.client.producer.group = {Topic}")
            .WithFallback(AkkaMqTestNode.ClientConfigFor(_node.NamesrvAddr)));
        try
        {
            await AkkaMqProducer.Create(client).SendAsync(Message.FromText(Topic, "native"));
            var producerSettings = new Settings
            {
                ClientType = ClientType.Producer, Publishing = new Publishing { Topics = { new Resource { Name = Topic } } },
                UserAgent = new UA { Language = Language.Golang, Version = "5.1.0", Hostname = "host-1" },
            };
            using var producer = await StartClientAsync(grpc, "grpc-producer-1", producerSettings);
            var consumerSettings = new Settings
            {
                ClientType = ClientType.SimpleConsumer,
                Subscription = new Subscription
                {
                    Group = new Resource { Name = Group },
                    Subscriptions = { new SubscriptionEntry { Topic = new Resource { Name = Topic }, Expression = new FilterExpression { Type = FilterType.Tag, Expression = "TagA" } } },
                },
            };
            using var consumer = await StartClientAsync(grpc, "grpc-consumer-1", consumerSettings);
            Assert.Equal(Code.Ok, (await grpc.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, Headers("grpc-producer-1"))).Status.Code);

            JsonElement producers = default;
            await CliAssert.Eventually(async () =>
                (producers = await Json("producerConnection", "-g", Topic, "-t", Topic)).GetProperty("connections").GetArrayLength() == 2,
                TimeSpan.FromSeconds(20), () => producers.ToString());
            var grpcRow = Row(producers, "grpc-producer-1");
            Assert.Equal("GOLANG", grpcRow.GetProperty("language").GetString());
            Assert.Equal("5.1.0", grpcRow.GetProperty("version").GetString());
            Assert.StartsWith("127.0.0.1:", grpcRow.GetProperty("address").GetString());
            Assert.Equal("broker-a", Assert.Single(grpcRow.GetProperty("brokers").EnumerateArray()).GetString());
            var native = producers.GetProperty("connections").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() != "grpc-producer-1");
            Assert.Equal("DOTNET", native.GetProperty("language").GetString());
            Assert.Equal($"127.0.0.1:{((ExtendedActorSystem)client).Provider.DefaultAddress.Port}", native.GetProperty("address").GetString());
            var table = await _node.Cli("producerConnection", "-g", Topic, "-t", Topic);
            CliAssert.Row(table.Out, "grpc-producer-1", grpcRow.GetProperty("address").GetString()!, "GOLANG", "5.1.0", "broker-a");
            var byHttp = await http.GetFromJsonAsync<JsonElement>($"/api/producer-groups/{Topic}/connections?topic={Topic}");
            Assert.Equal(2, byHttp.GetProperty("connections").GetArrayLength());

            var consumers = await Json("consumerConnection", "-g", Group);
            var pop = Row(consumers, "grpc-consumer-1");
            Assert.Equal("CONSUME_POP", pop.GetProperty("consumeType").GetString());
            Assert.Equal("CONSUME_POP", consumers.GetProperty("consumeType").GetString());
            Assert.Equal("JAVA", pop.GetProperty("language").GetString()); // no user agent in its Settings: the x-mq-language header
            Assert.Equal("5.0.7", pop.GetProperty("version").GetString());
            var sub = Assert.Single(pop.GetProperty("subscriptions").EnumerateArray());
            Assert.Equal("TagA", sub.GetProperty("subExpression").GetString());
            var consumersByHttp = await http.GetFromJsonAsync<JsonElement>($"/api/groups/{Group}/connections");
            Assert.Equal("grpc-consumer-1", Assert.Single(consumersByHttp.GetProperty("connections").EnumerateArray()).GetProperty("clientId").GetString());

            // shutdown(): NotifyClientTermination drops both at once.
            await grpc.NotifyClientTerminationAsync(new NotifyClientTerminationRequest(), Headers("grpc-producer-1"));
            await grpc.NotifyClientTerminationAsync(new NotifyClientTerminationRequest { Group = new Resource { Name = Group } }, Headers("grpc-consumer-1"));
            CliAssert.OneLineError(await _node.Cli("consumerConnection", "-g", Group), "CONSUMER_NOT_ONLINE", Group);
            var left = await Json("producerConnection", "-g", Topic, "-t", Topic);
            Assert.Equal("DOTNET", Assert.Single(left.GetProperty("connections").EnumerateArray()).GetProperty("language").GetString());
            Assert.Equal(Code.Ok, (await grpc.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, Headers("grpc-producer-1"))).Status.Code);
            Assert.Single((await Json("producerConnection", "-g", Topic, "-t", Topic)).GetProperty("connections").EnumerateArray());
        }
        finally
        {
            await client.Terminate();
        }
    }

    [Fact]
    public async Task ProducerConnection_refuses_bad_input_with_a_clear_error()
    {
        await CreateTopicAsync();
        CliAssert.OneLineError(await _node.Cli("producerConnection", "-g", "nobody-here", "-t", Topic), "QUERY_NOT_FOUND", "'nobody-here'", "not online");
        CliAssert.OneLineError(await _node.Cli("producerConnection", "-g", "bad group!", "-t", Topic), "MESSAGE_ILLEGAL", "producer group");
        CliAssert.OneLineError(await _node.Cli("producerConnection", "-g", "g", "-t", "NoSuchTopicHere"), "NoSuchTopicHere");
        using var http = new HttpClient { BaseAddress = new Uri(_node.HttpUrl) };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/producer-groups/nobody-here/connections?topic={Topic}")).StatusCode);
        // The node keeps serving.
        Assert.Equal(0, (await _node.Cli("topicRoute", "-t", Topic)).ExitCode);
    }
}
