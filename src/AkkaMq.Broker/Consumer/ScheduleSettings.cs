namespace AkkaMq.Broker.Consumer;

/// <summary>Delayed delivery settings, read from <c>akkamq.broker</c> (messageDelayLevel) and <c>akkamq.broker.schedule</c>.</summary>
public sealed record ScheduleSettings(IReadOnlyList<TimeSpan> DelayLevels, TimeSpan TimerMaxDelay, TimeSpan TickInterval, int MaxPendingMessages,
    int SnapshotEvery, TimeSpan RedeliverAfter)
{
    public const string DefaultDelayLevels = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

    public static readonly ScheduleSettings Default = new(ParseLevels(DefaultDelayLevels), TimeSpan.FromDays(3), TimeSpan.FromMilliseconds(100),
        200_000, 500, TimeSpan.FromSeconds(10));

    public static ScheduleSettings Create(Akka.Configuration.Config brokerConfig)
    {
        var c = brokerConfig.GetConfig("schedule");
        var levels = ParseLevels(brokerConfig.GetString("messageDelayLevel"));
        var s = new ScheduleSettings(levels, c.GetTimeSpan("timerMaxDelay"), c.GetTimeSpan("tick-interval"), c.GetInt("max-pending-messages"),
            c.GetInt("snapshot-every"), c.GetTimeSpan("redeliver-after"));
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
