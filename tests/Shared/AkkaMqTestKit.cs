using Akka.Actor;
using Akka.Configuration;

namespace AkkaMq.Tests;

/// <summary>
/// The TestKit base of the test projects: xunit awaits <see cref="InitializeAsync"/> and
/// <see cref="DisposeAsync"/>, so set-up and tear-down that wait (a node becoming ready, a node
/// stopping) are awaited rather than blocked on; conditions are awaited with TestKit's
/// AwaitAssertAsync, never with sleeps.
/// </summary>
public abstract class AkkaMqTestKit : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    protected AkkaMqTestKit(ActorSystem system, ITestOutputHelper? output = null) : base(system, output) { }

    protected AkkaMqTestKit(Config config, string? actorSystemName = null, ITestOutputHelper? output = null)
        : base(config, actorSystemName, output) { }

    protected AkkaMqTestKit(string? config = null, ITestOutputHelper? output = null) : base(config, output) { }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Runs before TestKit's own Dispose, which then finds the system already terminated.</summary>
    public virtual async Task DisposeAsync() => await Sys.Terminate();

    /// <summary>Waits until the condition holds; on timeout fails with describe().</summary>
    protected Task AwaitTrueAsync(Func<Task<bool>> condition, Func<string> describe, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        AwaitAssertAsync(async () => Assert.True(await condition(), describe()), timeout ?? Eventually.DefaultTimeout,
            interval ?? Eventually.DefaultInterval);

    /// <summary>Retries until the function returns a value without throwing, and returns it.</summary>
    protected async Task<T> AwaitResultAsync<T>(Func<Task<T>> attempt, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        T result = default!;
        await AwaitAssertAsync(async () => result = await attempt(), timeout ?? Eventually.DefaultTimeout, interval ?? Eventually.DefaultInterval);
        return result;
    }
}
