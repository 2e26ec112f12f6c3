using System.CommandLine;
using System.Globalization;
using AkkaMq.Cli.Common;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq resetOffsetByTime -g G -t T -s TIME`: move a group's offsets to the first message stored at or after TIME.</summary>
public sealed class ResetOffsetByTimeCommand : AdminCommandBase
{
    private readonly Option<string> _group = Required("--consumerGroup", "-g", "Consumer group");
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");
    private readonly Option<string> _time = Required("--timestamp", "-s",
        "Unix milliseconds, an ISO-8601 time (2026-01-31T12:00:00Z), or 'now'");

    public ResetOffsetByTimeCommand() : base("resetOffsetByTime", "Reset a consumer group's offsets on a topic to a point in time")
    {
        AddOptions(_group, _topic, _time);
    }

    public static long ParseTime(string text)
    {
        if (text == "now") return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) return ms;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return t.ToUnixTimeMilliseconds();
        throw new CliException($"--timestamp '{text}' is neither Unix milliseconds, an ISO-8601 time nor 'now'", 2);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var ts = ParseTime(r.GetValue(_time)!);
        var result = await admin.ResetOffsetByTimeAsync(r.GetValue(_group)!, r.GetValue(_topic)!, ts, ct);
        return (result, c => RenderReset(c, result));
    }

    internal static void RenderReset(IAnsiConsole c, OffsetReset result)
    {
        var t = NewTable("BROKER NAME", "QID", "OLD OFFSET", "NEW OFFSET");
        foreach (var q in result.Queues) AddRow(t, q.BrokerName, q.QueueId, q.OldOffset, q.NewOffset);
        c.Write(t);
        c.WriteLine($"Running consumers told: {result.NotifiedClients.Count}");
    }
}
