using System.CommandLine;
using AkkaMq.Cli.Admin;
using AkkaMq.Cli.Bench;

namespace AkkaMq.Cli;

/// <summary>The akkamq command tree: the admin commands (mqadmin's names) and the bench group.</summary>
public static class AkkaMqCli
{
    public static RootCommand Build() => new("akkamq: command-line tools for AkkaMq (mqadmin's commands, benchmarks)")
    {
        new ClusterListCommand(),
        new BrokerStatusCommand(),
        new UpdateTopicCommand(),
        new DeleteTopicCommand(),
        new TopicListCommand(),
        new TopicRouteCommand(),
        new TopicStatusCommand(),
        new ConsumerProgressCommand(),
        new ResetOffsetByTimeCommand(),
        new SkipAccumulatedMessageCommand(),
        new QueryMsgByIdCommand(),
        new QueryMsgByKeyCommand(),
        new QueryMsgByOffsetCommand(),
        new SendMessageCommand(),
        new ConsumeMessageCommand(),
        new BenchCommand(),
    };

    public static Task<int> RunAsync(string[] args)
    {
        // Ctrl+C / SIGTERM cancel the running command; give it time to stop a node it started.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
        return Build().Parse(args).InvokeAsync(invocation);
    }
}
