using Akka.Configuration;

namespace AkkaMq.Broker.Retention;

/// <summary>
/// Retention by time (RocketMQ's fileReservedTime, deleteWhen, cleanResourceInterval), read from
/// <c>akkamq.broker</c>; DeleteBatchEvents from <c>akkamq.broker.queue.delete-batch-events</c>.
/// </summary>
/// <param name="FileReservedTime">Messages stored longer ago are deleted, consumed or not; null keeps them forever.</param>
public sealed record RetentionSettings(TimeSpan? FileReservedTime, DeleteWhen DeleteWhen, TimeSpan CleanResourceInterval, int DeleteBatchEvents)
{
    public static readonly RetentionSettings Default = new(TimeSpan.FromHours(72), DeleteWhen.TryParse("04", out _)!, TimeSpan.FromSeconds(10), 1000);

    /// <param name="broker">The <c>akkamq.broker</c> section.</param>
    public static RetentionSettings Create(Config broker)
    {
        const string p = "akkamq.broker.";
        var reserved = ReservedTime(broker.GetString("fileReservedTime"));
        var when = DeleteWhen.TryParse(broker.GetString("deleteWhen"), out var whenError)
                   ?? throw new ConfigurationException($"{p}deleteWhen {whenError}");
        TimeSpan interval;
        try { interval = broker.GetTimeSpan("cleanResourceInterval"); }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{p}cleanResourceInterval: {e.Message}");
        }
        if (interval <= TimeSpan.Zero) throw new ConfigurationException($"{p}cleanResourceInterval must be positive, not {interval}");
        var batch = broker.GetInt("queue.delete-batch-events");
        if (batch < 1) throw new ConfigurationException($"{p}queue.delete-batch-events must be at least 1, not {batch}");
        return new RetentionSettings(reserved, when, interval, batch);
    }

    private static TimeSpan? ReservedTime(string? raw)
    {
        const string key = "akkamq.broker.fileReservedTime";
        var value = raw?.Trim() ?? "";
        if (value == "off") return null;
        // RocketMQ's value is a number of hours; HOCON would read a bare number as milliseconds.
        if (value.Length > 0 && value.All(char.IsAsciiDigit))
            throw new ConfigurationException($"{key} needs a unit, e.g. {value}h (RocketMQ counts hours, HOCON would read '{value}' as milliseconds), or off");
        TimeSpan reserved;
        try { reserved = ConfigurationFactory.ParseString($"v = \"{value.Replace("\"", "")}\"").GetTimeSpan("v"); }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{key} '{value}' is not a duration (e.g. 72h, 30m) or off: {e.Message}");
        }
        if (reserved <= TimeSpan.Zero) throw new ConfigurationException($"{key} must be a positive duration or off, not '{value}'");
        return reserved;
    }
}
