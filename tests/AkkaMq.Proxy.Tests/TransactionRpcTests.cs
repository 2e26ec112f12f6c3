using AkkaMq.Protocol;
using AkkaMq.Protocol.Transaction;
using AkkaMq.Proxy.Producer;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Message = Apache.Rocketmq.V2.Message;
using TransactionResolution = Apache.Rocketmq.V2.TransactionResolution;

namespace AkkaMq.Proxy.Tests;

/// <summary>
/// Transactional messages over gRPC with the generated stubs: the receipt's transaction id, EndTransaction, and a
/// check-back arriving as a RecoverOrphanedTransactionCommand on a producer's Telemetry stream.
/// </summary>
[Collection(GrpcNodeCollection.Name)]
public sealed class TransactionRpcTests(GrpcNodeFixture fx)
{
    private static DateTime Soon => DateTime.UtcNow.AddSeconds(30);

    private async Task<SendResultEntry> SendHalfAsync(string topic, string text)
    {
        var m = GrpcNodeFixture.NewMessage(topic, System.Text.Encoding.UTF8.GetBytes(text), type: MessageType.Transaction);
        var request = new SendMessageRequest();
        request.Messages.Add(m);
        var r = await fx.Client.SendMessageAsync(request, deadline: Soon);
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
        Assert.False(string.IsNullOrEmpty(r.Entries[0].TransactionId), "the receipt of a half message carries its transaction id");
        return r.Entries[0];
    }

    private Task<EndTransactionResponse> EndAsync(string topic, SendResultEntry sent, TransactionResolution resolution,
        TransactionSource source = TransactionSource.SourceClient) =>
        fx.Client.EndTransactionAsync(new EndTransactionRequest
        {
            Topic = new Resource { Name = topic }, MessageId = sent.MessageId, TransactionId = sent.TransactionId, Resolution = resolution, Source = source,
        }, deadline: Soon).ResponseAsync;

    [Fact]
    public async Task A_committed_half_message_is_read_once_even_when_committed_twice_and_a_rolled_back_one_never()
    {
        const string topic = "GrpcTxCommit";
        await fx.CreateTopicAsync(topic, messageType: "TRANSACTION");
        var committed = await SendHalfAsync(topic, "commit me");
        var rolledBack = await SendHalfAsync(topic, "roll me back");
        Assert.Equal(0, await fx.CountAsync(topic));

        Assert.Equal(Code.Ok, (await EndAsync(topic, committed, TransactionResolution.Commit)).Status.Code);
        Assert.Equal(Code.Ok, (await EndAsync(topic, committed, TransactionResolution.Commit)).Status.Code);
        Assert.Equal(Code.Ok, (await EndAsync(topic, rolledBack, TransactionResolution.Rollback)).Status.Code);
        // A normal message sent last: once it is readable, so is everything decided before it.
        var markerSent = await SendHalfAsync(topic, "marker");
        Assert.Equal(Code.Ok, (await EndAsync(topic, markerSent, TransactionResolution.Commit)).Status.Code);

        var read = await fx.ReadAllAsync(topic, 2);
        Assert.Equal(new[] { "commit me", "marker" }, read.Select(m => System.Text.Encoding.UTF8.GetString(m.Body)).Order().ToArray());
        Assert.Equal(2, await fx.CountAsync(topic));
    }

    [Fact]
    public async Task A_bad_EndTransaction_names_the_problem_and_the_endpoint_keeps_serving()
    {
        const string topic = "GrpcTxBad";
        await fx.CreateTopicAsync(topic, messageType: "TRANSACTION");
        var sent = await SendHalfAsync(topic, "pending");
        var foreign = sent.Clone();
        foreign.TransactionId = TransactionIds.Of("some-other-broker", 0);
        var garbled = sent.Clone();
        garbled.TransactionId = "not-an-id";
        foreach (var bad in new[] { foreign, garbled })
        {
            var r = await EndAsync(topic, bad, TransactionResolution.Commit);
            Assert.True(r.Status.Code == Code.InvalidTransactionId, $"{bad.TransactionId}: {r.Status.Code} {r.Status.Message}");
            Assert.Contains(bad.TransactionId, r.Status.Message);
        }
        var illegal = await fx.Client.EndTransactionAsync(new EndTransactionRequest { Topic = new Resource { Name = "bad topic!" }, TransactionId = sent.TransactionId },
            deadline: Soon);
        Assert.Equal(Code.IllegalTopic, illegal.Status.Code);
        Assert.Equal(0, await fx.CountAsync(topic));
        Assert.Equal(Code.Ok, (await EndAsync(topic, sent, TransactionResolution.Commit)).Status.Code);
        Assert.Single(await fx.ReadAllAsync(topic, 1));
    }

    [Fact]
    public async Task An_undecided_half_message_is_checked_back_on_the_producers_Telemetry_stream_and_the_answer_commits_it()
    {
        const string topic = "GrpcTxCheck";
        await fx.CreateTopicAsync(topic, messageType: "TRANSACTION");
        using var telemetry = fx.Client.Telemetry(new Metadata { { "x-mq-client-id", "grpc-tx-check-test" } }, deadline: DateTime.UtcNow.AddSeconds(90));
        var settings = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing() };
        settings.Publishing.Topics.Add(new Resource { Name = topic });
        await telemetry.RequestStream.WriteAsync(new TelemetryCommand { Settings = settings });
        Assert.True(await telemetry.ResponseStream.MoveNext());
        Assert.Equal(TelemetryCommand.CommandOneofCase.Settings, telemetry.ResponseStream.Current.CommandCase);

        var sent = await SendHalfAsync(topic, "decide later");
        RecoverOrphanedTransactionCommand? check = null;
        while (check == null && await telemetry.ResponseStream.MoveNext())
            if (telemetry.ResponseStream.Current.CommandCase == TelemetryCommand.CommandOneofCase.RecoverOrphanedTransactionCommand)
                check = telemetry.ResponseStream.Current.RecoverOrphanedTransactionCommand;
        Assert.NotNull(check);
        Assert.Equal(sent.TransactionId, check.TransactionId);
        Assert.Equal(sent.MessageId, check.Message.SystemProperties.MessageId);
        Assert.Equal(MessageType.Transaction, check.Message.SystemProperties.MessageType);
        Assert.Equal("decide later", check.Message.Body.ToStringUtf8());
        Assert.DoesNotContain(TransactionConst.TransactionPrepared, check.Message.UserProperties.Keys);

        var answer = await EndAsync(topic, sent, TransactionResolution.Commit, TransactionSource.SourceServerCheck);
        Assert.True(answer.Status.Code == Code.Ok, answer.Status.Message);
        var m = Assert.Single(await fx.ReadAllAsync(topic, 1));
        Assert.Equal("decide later", System.Text.Encoding.UTF8.GetString(m.Body));
        await telemetry.RequestStream.CompleteAsync();
    }

    [Fact]
    public void EndTransaction_maps_to_the_broker_request_with_the_topic_as_producer_group()
    {
        var id = TransactionIds.Of("broker-a", 42);
        var r = EndTransactionCheck.Check(new EndTransactionRequest
        {
            Topic = new Resource { Name = "T" }, TransactionId = id, Resolution = TransactionResolution.Rollback, Source = TransactionSource.SourceServerCheck,
        }, "broker-a");
        Assert.Null(r.Refusal);
        Assert.Equal(new EndTransaction("broker-a", "T", "T", id, Protocol.Transaction.TransactionResolution.Rollback, true), r.Request);
        var unspecified = EndTransactionCheck.Check(new EndTransactionRequest { Topic = new Resource { Name = "T" }, TransactionId = id }, "broker-a");
        Assert.Equal(Protocol.Transaction.TransactionResolution.Unknown, unspecified.Request!.Resolution);
        Assert.False(unspecified.Request.FromTransactionCheck);
        Assert.Equal(Code.InvalidTransactionId, EndTransactionCheck.Check(new EndTransactionRequest { Topic = new Resource { Name = "T" }, TransactionId = id }, "broker-b").Refusal!.Code);
    }

    [Fact]
    public void A_TRANSACTION_message_becomes_a_half_message_of_the_topics_producer_group()
    {
        var check = new SendMessageCheck("broker-a", MessageLimits.Default, TimeSpan.FromDays(3));
        var m = GrpcNodeFixture.NewMessage("T", new byte[1], type: MessageType.Transaction);
        m.SystemProperties.OrphanedTransactionRecoveryDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(20));
        var entry = check.Check(m, TopicConfig.Create("T", 4), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Entry!;
        Assert.Equal("true", entry.Message.Properties[TransactionConst.TransactionPrepared]);
        Assert.Equal("T", entry.Message.Properties[TransactionConst.ProducerGroup]);
        Assert.Equal("20", entry.Message.Properties[TransactionConst.CheckImmunityTimeInSeconds]);
    }
}
