using System.CommandLine;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq halfMessageList [-t topic] [-g producerGroup]`: undecided transactional (half) messages, their age and check-backs.</summary>
public sealed class HalfMessageListCommand : AdminCommandBase
{
    private readonly Option<string?> _topic = new("--topic", "-t") { Description = "Only half messages of this topic" };
    private readonly Option<string?> _group = new("--group", "-g") { Description = "Only half messages of this producer group" };
    private readonly Option<string?> _cluster = new("--clusterName", "-c") { Description = "Only this cluster's broker groups" };
    private readonly Option<string?> _broker = new("--brokerName", "-b") { Description = "Only this broker group" };
    private readonly Option<int> _maxNum = new("--maxNum") { Description = "Most half messages listed one by one per broker group", DefaultValueFactory = _ => 100 };

    public HalfMessageListCommand() : base("halfMessageList", "List undecided transactional (half) messages per topic and producer group, with age and check count")
    {
        AddOptions(_topic, _group, _cluster, _broker, _maxNum);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var report = await admin.HalfMessageListAsync(r.GetValue(_topic), r.GetValue(_group), r.GetValue(_cluster), r.GetValue(_broker), r.GetValue(_maxNum), ct);
        return (report, c =>
        {
            var groups = NewTable("BROKER", "TOPIC", "PRODUCER GROUP", "PENDING", "OLDEST AGE", "MAX CHECKS");
            foreach (var g in report.Groups) AddRow(groups, g.BrokerName, g.Topic, g.ProducerGroup, g.Pending, Age(g.OldestAgeMillis), g.MaxCheckCount);
            c.Write(groups);
            if (report.Messages.Count == 0) return;
            var messages = NewTable("BROKER", "TOPIC", "QUEUE", "PRODUCER GROUP", "TRANSACTION ID", "KEYS", "AGE", "CHECKS");
            foreach (var m in report.Messages)
                AddRow(messages, m.BrokerName, m.Topic, m.QueueId, m.ProducerGroup, m.TransactionId, m.Keys ?? "", Age(m.AgeMillis), m.CheckCount);
            c.Write(messages);
        });
    }

    private static string Age(long ms) => ms < 60_000 ? $"{ms / 1000.0:0.0}s" : TimeSpan.FromMilliseconds(ms).ToString(@"d\.hh\:mm\:ss");
}
