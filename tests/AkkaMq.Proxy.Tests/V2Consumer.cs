using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy.Tests;

/// <summary>A SimpleConsumer's calls of one group on one topic over the generated stubs: receive, ack, change invisible duration.</summary>
public sealed class V2Consumer(MessagingService.MessagingServiceClient client, string group, string topic)
{
    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    public string Group => group;
    public string Topic => topic;

    public ReceiveMessageRequest ReceiveRequest(int batch = 16, double invisibleSeconds = 30, double pollSeconds = 0) => new()
    {
        Group = new Resource { Name = group },
        MessageQueue = new MessageQueue { Topic = new Resource { Name = topic }, Id = -1 },
        FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
        BatchSize = batch,
        InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(invisibleSeconds)),
        LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(pollSeconds)),
    };

    /// <summary>One receive: its first frame's status and the messages that followed.</summary>
    public async Task<(Status Status, List<Message> Messages)> ReceiveAsync(ReceiveMessageRequest request)
    {
        using var call = client.ReceiveMessage(request, deadline: Deadline);
        var frames = new List<ReceiveMessageResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None)) frames.Add(call.ResponseStream.Current);
        Assert.Equal(ReceiveMessageResponse.ContentOneofCase.Status, frames[0].ContentCase);
        return (frames[0].Status, frames.Where(f => f.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message).Select(f => f.Message).ToList());
    }

    public Task<(Status Status, List<Message> Messages)> ReceiveAsync(double invisibleSeconds = 30) => ReceiveAsync(ReceiveRequest(invisibleSeconds: invisibleSeconds));

    /// <summary>Receives until expected messages came (more fail the caller's count checks), or fails after within.</summary>
    public async Task<List<Message>> ReceiveAtLeastAsync(int expected, TimeSpan within, double invisibleSeconds = 30)
    {
        var all = new List<Message>();
        await Eventually.TrueAsync(async () =>
        {
            var (status, messages) = await ReceiveAsync(invisibleSeconds);
            Assert.True(status.Code is Code.Ok or Code.MessageNotFound, $"{status.Code} {status.Message}");
            all.AddRange(messages);
            return all.Count >= expected;
        }, () => $"{topic}: {all.Count} of {expected} messages received by {group}", within, TimeSpan.FromMilliseconds(100));
        return all;
    }

    public Task<AckMessageResponse> AckAsync(params (string Id, string Handle)[] entries)
    {
        var request = new AckMessageRequest { Group = new Resource { Name = group }, Topic = new Resource { Name = topic } };
        request.Entries.AddRange(entries.Select(e => new AckMessageEntry { MessageId = e.Id, ReceiptHandle = e.Handle }));
        return client.AckMessageAsync(request, deadline: Deadline).ResponseAsync;
    }

    public Task<AckMessageResponse> AckAsync(params Message[] messages) =>
        AckAsync(messages.Select(m => (m.SystemProperties.MessageId, m.SystemProperties.ReceiptHandle)).ToArray());

    public Task<ChangeInvisibleDurationResponse> ChangeInvisibleDurationAsync(Message m, string handle, TimeSpan invisible) =>
        client.ChangeInvisibleDurationAsync(new ChangeInvisibleDurationRequest
        {
            Group = new Resource { Name = group }, Topic = new Resource { Name = topic }, ReceiptHandle = handle,
            InvisibleDuration = Duration.FromTimeSpan(invisible), MessageId = m.SystemProperties.MessageId,
        }, deadline: Deadline).ResponseAsync;

    public async Task SendAsync(params Message[] messages)
    {
        var request = new SendMessageRequest();
        request.Messages.AddRange(messages);
        var r = await client.SendMessageAsync(request, deadline: Deadline);
        Assert.True(r.Status.Code == Code.Ok, r.Status.Message);
    }
}
