using System.Diagnostics;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// Reads ranges of queues through a push consumer of a new group, started at the ranges' first
/// offsets (committed for the group before it starts, so consumeFromWhere plays no part).
/// Only messages inside the ranges are counted.
/// </summary>
public static class PushDrain
{
    public static async Task<DrainRun> RunAsync(BenchSession session, IReadOnlyList<QueueRange> ranges, int pullBatch, int consumeBatch,
        long deadline, Action<int>? onMessages, CancellationToken ct)
    {
        var topic = ranges[0].Queue.Topic;
        var group = "BenchPushDrain" + Guid.NewGuid().ToString("N")[..8];
        await new AkkaMqPullConsumer(session.Client.Context, group).CommitAsync(ranges.ToDictionary(r => r.Queue, r => r.From), ct);
        var bounds = ranges.ToDictionary(r => r.Queue, r => (r.From, r.To));
        var expected = ranges.Sum(r => r.To - r.From);
        long received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var system = session.Client.System;
        // A drain is a bulk read: larger pulls than RocketMQ's default 32, and room for a few of
        // them per queue before flow control holds the next pull back.
        var settings = PushConsumerSettings.Create(system.Settings.Config) with
        {
            PullBatchSize = pullBatch,
            PullThresholdForQueue = 4 * pullBatch,
            ConsumeMessageBatchMaxSize = consumeBatch,
            ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
        };
        var consumer = AkkaMqPushConsumer.Create(system, group, settings);
        consumer.Subscribe(topic);
        consumer.RegisterMessageListener((msgs, _) =>
        {
            var n = 0;
            foreach (var m in msgs)
                if (bounds.TryGetValue(m.Queue, out var b) && m.QueueOffset >= b.From && m.QueueOffset < b.To) n++;
            if (n > 0)
            {
                onMessages?.Invoke(n);
                if (Interlocked.Add(ref received, n) >= expected) done.TrySetResult();
            }
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        });

        var start = Stopwatch.GetTimestamp();
        var truncated = false;
        await consumer.StartAsync();
        try
        {
            var left = TimeSpan.FromSeconds(Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
            await done.Task.WaitAsync(left, ct);
        }
        catch (TimeoutException)
        {
            truncated = true;
        }
        var secs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        await consumer.ShutdownAsync();
        var got = Interlocked.Read(ref received);
        return new DrainRun(got, 0, secs, truncated, truncated ? $"push consumer received {got} of {expected} before the time limit" : null);
    }
}
