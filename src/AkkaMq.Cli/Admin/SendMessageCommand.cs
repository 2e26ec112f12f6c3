using System.CommandLine;
using System.Text;
using AkkaMq.Client.Admin;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>`akkamq sendMessage -t T -p BODY [-k KEYS] [-c TAG] [-b BROKER -i QID]`: send one message.</summary>
public sealed class SendMessageCommand : AdminCommandBase
{
    private readonly Option<string> _topic = Required("--topic", "-t", "Topic name");
    private readonly Option<string> _body = Required("--body", "-p", "Message body (UTF-8 text)");
    private readonly Option<string?> _keys = new("--keys", "-k") { Description = "Message keys, separated by spaces" };
    private readonly Option<string?> _tags = new("--tags", "-c") { Description = "Message tag" };
    private readonly Option<string?> _broker = new("--brokerName", "-b") { Description = "Send to this broker group (with -i)" };
    private readonly Option<int?> _queue = new("--queueId", "-i") { Description = "Send to this queue (with -b)" };

    public SendMessageCommand() : base("sendMessage", "Send one message and print its id and position")
    {
        AddOptions(_topic, _body, _keys, _tags, _broker, _queue);
    }

    protected override async Task<(object, Action<IAnsiConsole>)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct)
    {
        var s = await admin.SendMessageAsync(r.GetValue(_topic)!, Encoding.UTF8.GetBytes(r.GetValue(_body)!), r.GetValue(_tags), r.GetValue(_keys),
            r.GetValue(_broker), r.GetValue(_queue), ct);
        return (s, c =>
        {
            var t = NewTable("#TOPIC", "#BROKER NAME", "#QID", "#OFFSET", "#SEND RESULT", "#MSG ID");
            AddRow(t, s.Topic, s.BrokerName, s.QueueId, s.QueueOffset, s.SendStatus, s.MsgId);
            c.Write(t);
        });
    }
}
