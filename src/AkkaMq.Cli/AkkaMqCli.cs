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
        new ConsumerConnectionCommand(),
        new ProducerConnectionCommand(),
        new UpdateSubGroupCommand(),
        new DeleteSubGroupCommand(),
        new GroupListCommand(),
        new ResetOffsetByTimeCommand(),
        new SkipAccumulatedMessageCommand(),
        new QueryMsgByIdCommand(),
        new QueryMsgByKeyCommand(),
        new QueryMsgByOffsetCommand(),
        new SendMessageCommand(),
        new ConsumeMessageCommand(),
        new HalfMessageListCommand(),
        new Auth.CreateUserCommand(),
        new Auth.UpdateUserCommand(),
        new Auth.DeleteUserCommand(),
        new Auth.GetUserCommand(),
        new Auth.ListUserCommand(),
        new Auth.WriteAclCommand(Auth.WriteAclCommand.Mode.Create),
        new Auth.WriteAclCommand(Auth.WriteAclCommand.Mode.Update),
        new Auth.DeleteAclCommand(),
        new Auth.GetAclCommand(),
        new Auth.ListAclCommand(),
        new BenchCommand(),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Build().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // Bad arguments: one line naming the problem and exit code 2, not a page of help.
            var command = parsed.CommandResult.Command is RootCommand ? "akkamq" : $"akkamq {parsed.CommandResult.Command.Name}";
            await Console.Error.WriteLineAsync($"{command}: {string.Join("; ", parsed.Errors.Select(e => e.Message))} (see {command} --help)");
            return 2;
        }
        // Ctrl+C / SIGTERM cancel the running command; give it time to stop a node it started.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
        return await parsed.InvokeAsync(invocation);
    }
}
