namespace AkkaMq.Tests;

/// <summary>
/// Waiting for a condition in tests without an ActorSystem at hand (CLI, processes, client facades):
/// the assertion is retried until it passes or the time is up, then its last failure is thrown.
/// TestKit classes use <see cref="AkkaMqTestKit"/>, which waits with TestKit's AwaitAssertAsync.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Retries the assertion until it stops throwing; after the timeout its exception is the test's
    /// failure. retryWhen narrows the exceptions worth another attempt (the others fail at once).
    /// </summary>
    public static async Task AssertAsync(Func<Task> assertion, TimeSpan? timeout = null, TimeSpan? interval = null,
        Func<Exception, bool>? retryWhen = null)
    {
        using var expired = new CancellationTokenSource(timeout ?? DefaultTimeout);
        using var ticks = new PeriodicTimer(interval ?? DefaultInterval);
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception e) when (!expired.IsCancellationRequested && (retryWhen == null || retryWhen(e)))
            {
            }
            // The last attempt runs after the timer is cancelled, so its failure is the one reported.
            try { await ticks.WaitForNextTickAsync(expired.Token); }
            catch (OperationCanceledException) { await assertion(); return; }
        }
    }

    /// <summary>Retries until the function returns a value without throwing, and returns it.</summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> attempt, TimeSpan? timeout = null, TimeSpan? interval = null,
        Func<Exception, bool>? retryWhen = null)
    {
        T result = default!;
        await AssertAsync(async () => result = await attempt(), timeout, interval, retryWhen);
        return result;
    }

    /// <summary>Waits until the condition holds; on timeout fails with describe().</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, Func<string> describe, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        AssertAsync(async () => Assert.True(await condition(), describe()), timeout, interval);

    /// <summary>Waits until the condition holds; on timeout fails with describe().</summary>
    public static Task TrueAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        AssertAsync(() => { Assert.True(condition(), describe()); return Task.CompletedTask; }, timeout, interval);
}
