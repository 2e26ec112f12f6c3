using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using AkkaMq.Client;
using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;

namespace AkkaMq.Cli.Bench;

/// <summary>
/// `akkamq bench push`: delivery latency of an idle push consumer. A clustering push consumer
/// (group BenchPushConsumer, from the queues' end) is started and waits in long-polling pulls;
/// then one message at a time is sent, each after the previous one reached the listener and a
/// pause of --interval-ms, so every message finds the consumer idle in a held pull. Latency = the
/// listener's Stopwatch time - the timestamp written into the body just before the send.
/// </summary>
public sealed class BenchPushCommand : BenchCommandBase
{
    private readonly Option<long> _count = new("--count", "-c")
    {
        Description = "Messages to send, one at a time",
        DefaultValueFactory = _ => 2000,
    };
    private readonly Option<int> _interval = new("--interval-ms")
    {
        Description = "Pause after each delivery before the next send (the consumer goes idle)",
        DefaultValueFactory = _ => 5,
    };

    public BenchPushCommand() : base("push", "Send-to-listener latency of an idle push consumer (long polling)")
    {
        AddOptions(_count, _interval);
        SizeOption.Validators.Add(res =>
        {
            if (res.GetValueOrDefault<int>() < 8) res.AddError("--size must be at least 8 for push (the send timestamp is embedded)");
        });
    }

    protected override async Task<string> RunAsync(BenchSession session, ParseResult r, CancellationToken ct)
    {
        var s = session.Settings;
        var n = r.GetValue(_count);
        if (n < 1) throw new Common.CliException("nothing to send: --count must be at least 1", 2);
        var interval = Math.Max(0, r.GetValue(_interval));
        var queues = await session.CreateTopicAsync(ct);
        await session.WarmupAsync(queues, SendMode.Sync, 16, pullBack: false, ct);

        var latency = new LatencyRecorder();
        var delivered = new SemaphoreSlim(0);
        var consumer = AkkaMqPushConsumer.Create(session.Client.System, "BenchPushConsumer",
            PushConsumerSettings.Create(session.Client.System.Settings.Config) with { ConsumeFromWhere = ConsumeFromWhere.ConsumeFromLastOffset });
        consumer.Subscribe(s.Topic);
        var measuring = false;
        consumer.RegisterMessageListener((msgs, _) =>
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var m in msgs)
            {
                // Only the measured sends: warm-up messages (and any backlog) carry no timestamp marker.
                if (!Volatile.Read(ref measuring) || m.Body.Length < 8 || m.Keys != "bench-push") continue;
                latency.RecordTicks(now - BinaryPrimitives.ReadInt64LittleEndian(m.Body));
                delivered.Release();
            }
            return ConsumeConcurrentlyStatus.ConsumeSuccess;
        });
        await consumer.StartAsync();
        try
        {
            // Wait until the consumer owns every queue and sits in its held pulls.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while ((await consumer.GetRuntimeInfoAsync()).OwnedQueues.Count(q => q.Topic == s.Topic) < queues.Count)
            {
                if (DateTime.UtcNow > until) throw new Common.CliException("push consumer did not get its queues within 30 s");
                await Task.Delay(50, ct);
            }
            await Task.Delay(500, ct);
            Volatile.Write(ref measuring, true);

            var template = BenchSession.Payload(s.Size);
            Console.Error.WriteLine($"akkamq bench: push {n} x {s.Size} B one at a time to {s.Topic} ({queues.Count} queues), {interval} ms idle between");
            session.StartMeter();
            var start = Stopwatch.GetTimestamp();
            long lost = 0;
            await using (new ProgressReporter("push", s.Size, n, () => latency.Count, () => Volatile.Read(ref lost), latency, "p99"))
            {
                for (long i = 0; i < n; i++)
                {
                    var body = (byte[])template.Clone();
                    BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
                    await session.Producer.SendAsync(new Message(s.Topic, body, keys: "bench-push"), ct);
                    if (!await delivered.WaitAsync(TimeSpan.FromSeconds(30), ct))
                    {
                        lost++;
                        break;
                    }
                    if (interval > 0) await Task.Delay(interval, ct);
                }
            }
            var secs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
            return session.Result("push", $"count={latency.Count} secs={secs:F2} {latency.Format()} interval_ms={interval} queues={queues.Count} lost={lost}",
                truncated: latency.Count < n);
        }
        finally
        {
            await consumer.ShutdownAsync();
        }
    }
}
