namespace AkkaMq.Broker.Consumer;

/// <summary>Delayed delivery settings, read from <c>akkamq.broker</c> (messageDelayLevel) and <c>akkamq.broker.schedule</c>.</summary>
public sealed record ScheduleSettings(IReadOnlyList<TimeSpan> DelayLevels, TimeSpan TimerMaxDelay, TimeSpan TickInterval, int MaxPendingMessages,
    int SnapshotEvery, TimeSpan RedeliverAfter)
{
    /// <summary>Width of one timer wheel bucket (RocketMQ's timerPrecisionMs): a bucket is loaded this long before it falls due.</summary>
    public TimeSpan TimerPrecision { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Journal events (write batches) a bucket's delivery reads into memory at a time.</summary>
    public int DrainPageEvents { get; init; } = 16;

    /// <summary>Buckets loaded and delivering at once.</summary>
    public int MaxDrainingBuckets { get; init; } = 4;

    /// <summary>Wheel slots (one journal each): two turns of timerMaxDelay, so a slot is free again long before reuse.</summary>
    public int WheelSlots => (int)Math.Clamp(2 * Math.Ceiling(TimerMaxDelay.TotalMilliseconds / TimerPrecision.TotalMilliseconds), 16, 10_000_000);

    public const string DefaultDelayLevels = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

    public static readonly ScheduleSettings Default = new(ParseLevels(DefaultDelayLevels), TimeSpan.FromDays(3), TimeSpan.FromMilliseconds(100),
        200_000, 500, TimeSpan.FromSeconds(10));

    public static ScheduleSettings Create(Akka.Configuration.Config brokerConfig)
    {
        var c = brokerConfig.GetConfig("schedule");
        var levels = ParseLevels(brokerConfig.GetString("messageDelayLevel"));
        var s = new ScheduleSettings(levels, c.GetTimeSpan("timerMaxDelay"), c.GetTimeSpan("tick-interval"), c.GetInt("max-pending-messages"),
            c.GetInt("snapshot-every"), c.GetTimeSpan("redeliver-after"))
        {
            TimerPrecision = c.GetTimeSpan("timer-precision"),
            DrainPageEvents = c.GetInt("drain-page-events"),
            MaxDrainingBuckets = c.GetInt("max-draining-buckets"),
        };
        if (s.TimerPrecision < TimeSpan.FromMilliseconds(10) || s.DrainPageEvents < 1 || s.MaxDrainingBuckets < 1)
            throw new Akka.Configuration.ConfigurationException("akkamq.broker.schedule: timer-precision must be at least 10ms, drain-page-events and max-draining-buckets positive");
        if (s.TickInterval <= TimeSpan.Zero || s.TimerMaxDelay <= TimeSpan.Zero || s.RedeliverAfter <= TimeSpan.Zero || s.MaxPendingMessages < 1 || s.SnapshotEvery < 1)
            throw new Akka.Configuration.ConfigurationException("akkamq.broker.schedule: timerMaxDelay, tick-interval, redeliver-after, max-pending-messages and snapshot-every must be positive");
        return s;
    }

    /// <summary>RocketMQ's messageDelayLevel syntax: space separated durations with s, m, h or d.</summary>
    public static IReadOnlyList<TimeSpan> ParseLevels(string text)
    {
        var list = new List<TimeSpan>();
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var unit = part[^1];
            if (!double.TryParse(part.AsSpan(0, part.Length - (part.EndsWith("ms") ? 2 : 1)), System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out var n) || n <= 0)
                throw new Akka.Configuration.ConfigurationException($"akkamq.broker.messageDelayLevel: '{part}' is not a duration like 10s, 5m, 2h");
            list.Add(part.EndsWith("ms") ? TimeSpan.FromMilliseconds(n) : unit switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => throw new Akka.Configuration.ConfigurationException($"akkamq.broker.messageDelayLevel: '{part}' has no unit s, m, h or d"),
            });
        }
        if (list.Count == 0) throw new Akka.Configuration.ConfigurationException("akkamq.broker.messageDelayLevel is empty");
        return list;
    }
}
