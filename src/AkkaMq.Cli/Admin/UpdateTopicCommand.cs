using System.CommandLine;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq updateTopic -t T [-r 4 -w 4 -p 6] [-c cluster | -b broker] [-a +name=value | -a -name]...`: create or change a topic.</summary>
public sealed class UpdateTopicCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");
    private readonly Option<int> _read = new("--readQueueNums", "-r") { Description = "Read queue count", DefaultValueFactory = _ => TopicConfig.DefaultQueueNums };
    private readonly Option<int> _write = new("--writeQueueNums", "-w") { Description = "Write queue count", DefaultValueFactory = _ => TopicConfig.DefaultQueueNums };
    private readonly Option<int> _perm = new("--perm", "-p") { Description = "Permission: 2 = write, 4 = read, 6 = read/write", DefaultValueFactory = _ => Perm.ReadWrite };
    private readonly Option<string?> _cluster = new("--clusterName", "-c") { Description = "Create on every master of this cluster" };
    private readonly Option<string?> _broker = new("--brokerName", "-b") { Description = "Create on this broker group only" };
    private readonly Option<string[]> _attributes = new("--attributes", "-a")
    {
        Description = "Topic attribute change, repeatable: +name=value adds or changes, -name removes "
                      + "(retention.time, retention.bytes, message.type); without -a the topic keeps its attributes",
    };

    public UpdateTopicCommand() : base("updateTopic", "Create a topic or change its queue counts and permission, on a cluster or a broker group")
    {
        Positive(_read);
        Positive(_write);
        AddOptions(_topic, _read, _write, _perm, _cluster, _broker, _attributes);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        // RocketMQ's mqadmin also takes several changes in one -a, separated by commas.
        var changes = (r.GetValue(_attributes) ?? Array.Empty<string>())
            .SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var result = await admin.UpdateTopicAsync(r.GetValue(_topic)!, r.GetValue(_read), r.GetValue(_write), r.GetValue(_perm),
            r.GetValue(_cluster), r.GetValue(_broker), changes, ct);
        var attributes = result.AttributeChanges.Count == 0 ? "" : $" attributes={string.Join(",", result.AttributeChanges)}";
        return (result, c => c.WriteLine(
            $"create topic to {string.Join(", ", result.Brokers)} success: {result.Topic} readQueueNums={result.ReadQueueNums} writeQueueNums={result.WriteQueueNums} perm={result.Perm}{attributes}"));
    }
}
