using System.Diagnostics;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Cli.Bench;

public readonly record struct GrpcReceiveRun(long Acked, long Errors, long Receives, long EmptyReceives, long Redelivered, double Seconds,
    string? FirstError);

/// <summary>
/// SimpleConsumer-style consumption over gRPC: Receivers concurrent loops, each asking the route's readable queues in
/// turn (as the official clients pick a queue per receive) for up to Batch messages, then acking every message with
/// its own AckMessage call (a batch's acks in flight together), until `expected` were acked.
/// </summary>
public sealed class GrpcReceiveLoop
{
    public sealed record Options(int Batch, int Receivers, TimeSpan Invisible, TimeSpan Polling);

    private readonly GrpcBenchClient _client;
    private readonly Resource _group;
    private readonly MessageQueue[] _queues;
    private readonly Options _options;
    private long _acked, _errors, _receives, _empty, _redelivered;
    private string? _firstError;

    public GrpcReceiveLoop(GrpcBenchClient client, string group, IReadOnlyList<MessageQueue> queues, Options options)
    {
        _client = client;
        _group = new Resource { Name = group };
        _queues = queues.Where(q => q.Permission is Permission.Read or Permission.ReadWrite).ToArray();
        if (_queues.Length == 0) throw new Common.CliException("the route over gRPC lists no readable queue");
        _options = options;
    }

    public LatencyRecorder ReceiveLatency { get; } = new();
    public LatencyRecorder AckLatency { get; } = new();
    public long Acked => Volatile.Read(ref _acked);
    public long Errors => Volatile.Read(ref _errors);

    public async Task<GrpcReceiveRun> RunAsync(long expected, long deadline, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loops = Enumerable.Range(0, _options.Receivers).Select(i => Task.Run(() => LoopAsync(i, expected, deadline, done), CancellationToken.None));
        await Task.WhenAll(loops);
        ct.ThrowIfCancellationRequested();
        var secs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return new GrpcReceiveRun(Acked, Errors, Volatile.Read(ref _receives), Volatile.Read(ref _empty), Volatile.Read(ref _redelivered), secs,
            Volatile.Read(ref _firstError));
    }

    private async Task LoopAsync(int index, long expected, long deadline, CancellationTokenSource done)
    {
        var next = index;
        var ct = done.Token;
        while (Acked < expected && Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested)
        {
            var queue = _queues[next++ % _queues.Length];
            List<Message> messages;
            try
            {
                messages = await ReceiveAsync(queue, ct).ConfigureAwait(false);
            }
            catch (RpcException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            if (messages.Count == 0) continue;
            var acks = new Task[messages.Count];
            for (var i = 0; i < messages.Count; i++) acks[i] = AckAsync(queue.Topic, messages[i], ct);
            await Task.WhenAll(acks).ConfigureAwait(false);
            // The last ack wakes the receivers still long-polling.
            if (Acked >= expected) await done.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One ReceiveMessage: the status frame, then the messages (empty on MESSAGE_NOT_FOUND or a refusal, counted as an error).</summary>
    private async Task<List<Message>> ReceiveAsync(MessageQueue queue, CancellationToken ct)
    {
        var request = new ReceiveMessageRequest
        {
            Group = _group,
            MessageQueue = queue,
            FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
            BatchSize = _options.Batch,
            InvisibleDuration = Duration.FromTimeSpan(_options.Invisible),
            AutoRenew = false,
            LongPollingTimeout = Duration.FromTimeSpan(_options.Polling),
        };
        var messages = new List<Message>(_options.Batch);
        var t0 = Stopwatch.GetTimestamp();
        // The official clients' deadline: the request timeout plus the polling time.
        using var call = _client.Stub.ReceiveMessage(request, _client.Headers(), GrpcBenchClient.Deadline(_options.Polling), ct);
        Status? status = null;
        try
        {
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                var frame = call.ResponseStream.Current;
                if (frame.ContentCase == ReceiveMessageResponse.ContentOneofCase.Status) status ??= frame.Status;
                else if (frame.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message) messages.Add(frame.Message);
            }
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            Fail($"ReceiveMessage: {e.Status.StatusCode} {e.Status.Detail}");
            return messages;
        }
        Interlocked.Increment(ref _receives);
        ReceiveLatency.RecordTicks(Stopwatch.GetTimestamp() - t0);
        if (status?.Code == Code.MessageNotFound) Interlocked.Increment(ref _empty);
        else if (status?.Code != Code.Ok) Fail($"ReceiveMessage: {status?.Code} {status?.Message}");
        return messages;
    }

    private async Task AckAsync(Resource topic, Message m, CancellationToken ct)
    {
        if (m.SystemProperties.DeliveryAttempt > 1) Interlocked.Increment(ref _redelivered);
        var request = new AckMessageRequest { Group = _group, Topic = topic };
        request.Entries.Add(new AckMessageEntry { MessageId = m.SystemProperties.MessageId, ReceiptHandle = m.SystemProperties.ReceiptHandle });
        var t0 = Stopwatch.GetTimestamp();
        try
        {
            // Not cancelled with the run: a message received is acked even after the last one was.
            var answer = await _client.Stub.AckMessageAsync(request, _client.Headers(), GrpcBenchClient.Deadline(), CancellationToken.None).ConfigureAwait(false);
            if (answer.Status.Code == Code.Ok)
            {
                AckLatency.RecordTicks(Stopwatch.GetTimestamp() - t0);
                Interlocked.Increment(ref _acked);
            }
            else Fail($"AckMessage: {answer.Status.Code} {answer.Status.Message}");
        }
        catch (RpcException e)
        {
            Fail($"AckMessage: {e.Status.StatusCode} {e.Status.Detail}");
        }
    }

    private void Fail(string error)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.CompareExchange(ref _firstError, error, null);
    }
}
