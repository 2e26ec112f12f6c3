using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AkkaMq.Proxy.Tests;

[Collection(GrpcNodeCollection.Name)]
public sealed class QueryRouteAndTelemetryTests(GrpcNodeFixture fx)
{
    private static QueryRouteRequest Route(string topic) => new() { Topic = new Resource { Name = topic } };

    [Fact]
    public async Task A_route_lists_queues_from_id_0_with_their_permissions_and_the_nodes_grpc_endpoint()
    {
        await fx.CreateTopicAsync("RouteMixed", readQueues: 4, writeQueues: 2);
        var r = await fx.Client.QueryRouteAsync(Route("RouteMixed"));
        Assert.Equal(Code.Ok, r.Status.Code);
        Assert.Equal(new[] { 0, 1, 2, 3 }, r.MessageQueues.Select(q => q.Id));
        Assert.Equal(new[] { Permission.ReadWrite, Permission.ReadWrite, Permission.Read, Permission.Read }, r.MessageQueues.Select(q => q.Permission));
        var q0 = r.MessageQueues[0];
        Assert.Equal("RouteMixed", q0.Topic.Name);
        Assert.Equal(fx.Node.Settings.Broker!.BrokerName, q0.Broker.Name);
        Assert.Equal(AddressScheme.Ipv4, q0.Broker.Endpoints.Scheme);
        Assert.Equal("127.0.0.1", q0.Broker.Endpoints.Addresses[0].Host);
        Assert.Equal(fx.Proxy.Port, q0.Broker.Endpoints.Addresses[0].Port);
        // No message.type attribute: every type is accepted.
        Assert.Equal(new[] { MessageType.Normal, MessageType.Fifo, MessageType.Delay, MessageType.Transaction }, q0.AcceptMessageTypes);
    }

    [Fact]
    public async Task The_topics_message_type_attribute_is_the_one_accepted_type()
    {
        await fx.CreateTopicAsync("RouteFifoOnly", messageType: "FIFO");
        var r = await fx.Client.QueryRouteAsync(Route("RouteFifoOnly"));
        Assert.Equal(Code.Ok, r.Status.Code);
        Assert.All(r.MessageQueues, q => Assert.Equal(new[] { MessageType.Fifo }, q.AcceptMessageTypes));
    }

    [Fact]
    public async Task An_unknown_topic_is_TOPIC_NOT_FOUND_and_a_bad_name_ILLEGAL_TOPIC()
    {
        var unknown = await fx.Client.QueryRouteAsync(Route("NoSuchTopicHere"));
        Assert.Equal(Code.TopicNotFound, unknown.Status.Code);
        Assert.Contains("NoSuchTopicHere", unknown.Status.Message);
        var bad = await fx.Client.QueryRouteAsync(Route("bad topic!"));
        Assert.Equal(Code.IllegalTopic, bad.Status.Code);
        Assert.Empty(bad.MessageQueues);
        var empty = await fx.Client.QueryRouteAsync(new QueryRouteRequest());
        Assert.Equal(Code.IllegalTopic, empty.Status.Code);
    }

    [Fact]
    public async Task Heartbeat_and_NotifyClientTermination_answer_OK()
    {
        Assert.Equal(Code.Ok, (await fx.Client.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer })).Status.Code);
        Assert.Equal(Code.Ok, (await fx.Client.NotifyClientTerminationAsync(new NotifyClientTerminationRequest())).Status.Code);
    }

    private async Task<TelemetryCommand> SettingsRoundTrip(AsyncDuplexStreamingCall<TelemetryCommand, TelemetryCommand> call, Settings settings)
    {
        await call.RequestStream.WriteAsync(new TelemetryCommand { Settings = settings });
        Assert.True(await call.ResponseStream.MoveNext(), "the Telemetry stream ended without an answer");
        return call.ResponseStream.Current;
    }

    [Fact]
    public async Task Telemetry_answers_a_producer_with_exponential_backoff_max_body_size_and_type_validation()
    {
        using var call = fx.Client.Telemetry(deadline: DateTime.UtcNow.AddSeconds(30));
        var settings = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing() };
        settings.Publishing.Topics.Add(new Resource { Name = "GrpcReady" });
        var answer = await SettingsRoundTrip(call, settings);
        Assert.Equal(Code.Ok, answer.Status.Code);
        var s = answer.Settings;
        Assert.Equal(ClientType.Producer, s.ClientType);
        Assert.Equal(RetryPolicy.StrategyOneofCase.ExponentialBackoff, s.BackoffPolicy.StrategyCase);
        Assert.Equal(3, s.BackoffPolicy.MaxAttempts);
        Assert.True(s.BackoffPolicy.ExponentialBackoff.Multiplier > 1);
        Assert.Equal(GrpcNodeFixture.MaxMessageSize, s.Publishing.MaxBodySize);
        Assert.True(s.Publishing.ValidateMessageType);
        Assert.Equal("GrpcReady", s.Publishing.Topics[0].Name);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(), "the server ends its side when the client does");
    }

    [Fact]
    public async Task Telemetry_answers_a_consumer_with_fifo_batch_size_long_polling_and_max_attempts()
    {
        using var call = fx.Client.Telemetry(deadline: DateTime.UtcNow.AddSeconds(30));
        var settings = new Settings
        {
            ClientType = ClientType.SimpleConsumer,
            Subscription = new Subscription { Group = new Resource { Name = "GrpcGroup" } },
        };
        var s = (await SettingsRoundTrip(call, settings)).Settings;
        Assert.False(s.Subscription.Fifo);
        Assert.Equal(32, s.Subscription.ReceiveBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(20), s.Subscription.LongPollingTimeout.ToTimeSpan());
        Assert.Equal(17, s.BackoffPolicy.MaxAttempts);
        Assert.Equal("GrpcGroup", s.Subscription.Group.Name);
    }

    [Fact]
    public async Task Settings_with_neither_publishing_nor_subscription_are_BAD_REQUEST_and_the_stream_keeps_serving()
    {
        using var call = fx.Client.Telemetry(deadline: DateTime.UtcNow.AddSeconds(30));
        var bad = await SettingsRoundTrip(call, new Settings { ClientType = ClientType.Producer });
        Assert.Equal(Code.BadRequest, bad.Status.Code);
        Assert.Contains("neither publishing nor subscription", bad.Status.Message);
        var good = await SettingsRoundTrip(call, new Settings { ClientType = ClientType.Producer, Publishing = new Publishing() });
        Assert.Equal(Code.Ok, good.Status.Code);
    }
}
